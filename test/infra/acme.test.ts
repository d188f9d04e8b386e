// Smoke test of the ACME starters: Pebble over HTTPS, then lego (exec hook + nsupdate) issuing a wildcard+apex cert via a real BIND.
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLego } from '../support/lego.js';
import { startPebble, type Pebble } from '../support/pebble.js';
import { freeDnsPort } from '../support/ports.js';
import { requireBinary, startProcess, type ServerProcess } from '../support/proc.js';

const run = promisify(execFile);
const ZONE = 'example.test';

/** Minimal authoritative BIND for one zone open to unsigned updates from loopback; full starters live in support/dns-servers. */
async function startBind(dir: string): Promise<{ port: number; proc: ServerProcess }> {
  const named = requireBinary('/usr/sbin/named', 'bind9');
  await writeFile(join(dir, `${ZONE}.zone`), [
    '$TTL 60',
    `@ IN SOA ns1.${ZONE}. hostmaster.${ZONE}. 1 60 60 600 60`,
    `@ IN NS ns1.${ZONE}.`,
    'ns1 IN A 127.0.0.1',
    '',
  ].join('\n'));
  let output = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freeDnsPort();
    // `controls {}` keeps named off rndc's shared port 953; session key and pid stay inside the temp dir.
    await writeFile(join(dir, 'named.conf'), `
options {
  directory "${dir}"; pid-file "${dir}/named.pid"; session-keyfile "${dir}/session.key";
  managed-keys-directory "${dir}"; listen-on port ${port} { 127.0.0.1; }; listen-on-v6 { none; };
  recursion no; dnssec-validation no;
};
controls { };
zone "${ZONE}" { type primary; file "${dir}/${ZONE}.zone"; allow-update { 127.0.0.1; }; };
`);
    // -g: foreground, log to stderr; as root named runs fine without -u for a loopback test server.
    const proc = startProcess(named, ['-g', '-4', '-c', join(dir, 'named.conf')]);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (/ running\n/.test(proc.output())) return { port, proc };
      if (proc.child.exitCode !== null || proc.child.signalCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    output = proc.output();
    await proc.stop('SIGKILL');
  }
  throw new Error(`named did not start:\n${output}`);
}

async function txt(port: number, name: string): Promise<string[]> {
  const dig = requireBinary('/usr/bin/dig', 'bind9-dnsutils');
  const { stdout } = await run(dig, ['@127.0.0.1', '-p', String(port), name, 'TXT', '+short', '+norecurse']);
  return stdout.split('\n').filter(Boolean);
}

describe('Pebble and lego against a real BIND', () => {
  let dir = '';
  let bind: { port: number; proc: ServerProcess } | undefined;
  let pebble: Pebble | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dns01-acme-smoke-'));
    bind = await startBind(dir);
    pebble = await startPebble({ dnsServer: `127.0.0.1:${bind.port}` });
  });
  afterAll(async () => {
    await pebble?.stop();
    await bind?.proc.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('serves its ACME directory over HTTPS trusted only through caCertPath', async () => {
    const res = await fetch(pebble!.directoryUrl, { dispatcher: pebble!.dispatcher });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ newNonce: expect.any(String), newOrder: expect.any(String) });
    await expect(fetch(pebble!.directoryUrl)).rejects.toThrow();
    const root = new X509Certificate(await pebble!.rootsPem());
    expect(root.ca).toBe(true);
  });

  it('lets lego obtain a wildcard + apex certificate through an exec hook that calls nsupdate', async () => {
    const hookLog = join(dir, 'hook.log');
    const hook = join(dir, 'hook.sh');
    await writeFile(hook, `#!/bin/sh
# lego exec convention: present|cleanup FQDN. VALUE
set -eu
echo "$1 $2 $3" >> '${hookLog}'
case "$1" in
  present) line="update add $2 60 TXT \\"$3\\"" ;;
  cleanup) line="update delete $2 TXT \\"$3\\"" ;;
  *) exit 0 ;;
esac
printf 'server 127.0.0.1 %s\\nzone %s\\n%s\\nsend\\n' '${bind!.port}' '${ZONE}' "$line" | ${requireBinary('/usr/bin/nsupdate', 'bind9-dnsutils')}
`);
    await chmod(hook, 0o755);

    const result = await runLego({
      directoryUrl: pebble!.directoryUrl,
      caCertPath: pebble!.caCertPath,
      email: 'smoke@example.test',
      domains: [`*.${ZONE}`, ZONE],
      dnsResolver: `127.0.0.1:${bind!.port}`,
      provider: 'exec',
      env: { EXEC_PATH: hook },
      workDir: join(dir, 'lego'),
    });
    expect(result.code, `lego failed:\n${result.stderr.slice(-6000)}\nnamed:\n${bind!.proc.output().slice(-3000)}`).toBe(0);
    expect(result.certPem).toBeDefined();

    const [leafPem, intermediatePem] = result.certPem!.split(/(?<=-----END CERTIFICATE-----\n?)/).filter((s) => s.trim());
    const leaf = new X509Certificate(leafPem!);
    expect(leaf.subjectAltName?.split(', ').sort()).toEqual([`DNS:*.${ZONE}`, `DNS:${ZONE}`]);
    const intermediate = new X509Certificate(intermediatePem!);
    expect(leaf.checkIssued(intermediate)).toBe(true);
    expect(intermediate.verify(new X509Certificate(await pebble!.rootsPem()).publicKey)).toBe(true);

    // Both names share one _acme-challenge name, and every value presented was cleaned up again.
    const calls = (await readFile(hookLog, 'utf8')).trim().split('\n').map((l) => l.split(' '));
    const presents = calls.filter((c) => c[0] === 'present');
    expect(presents.map((c) => c[1])).toEqual([`_acme-challenge.${ZONE}.`, `_acme-challenge.${ZONE}.`]);
    expect(new Set(presents.map((c) => c[2])).size).toBe(2);
    expect(calls.filter((c) => c[0] === 'cleanup').map((c) => c[2]).sort()).toEqual(presents.map((c) => c[2]).sort());
    expect(await txt(bind!.port, `_acme-challenge.${ZONE}`)).toEqual([]);
  }, 150_000);
});
