// Acceptance for the config file (docs/config-file.md): the daemon, a real process, started with only the README's
// example file (host, port, key and zone substituted): an rfc2136 provider for a real BIND with its TSIG secret from a
// file, a site and a scoped client token. lego gets a certificate from Pebble through it with that token; an edit plus
// SIGHUP shows through the API; the API is refused on the managed provider; a file with five mistakes stops a start
// with five lines and changes nothing; `dns01-proxy apply --dry-run` prints the diff and changes nothing.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import { ORDER, ZONE, issueWithLego, issuedSans, leftovers, tsigKey } from '../support/acme-rig.js';
import type { TestDaemon } from '../support/daemon.js';
import { startDaemonProcess, type DaemonProcess } from '../support/daemon-process.js';
import { startBind, type RunningDnsServer } from '../support/dns-servers/index.js';
import { startPebble, type Pebble } from '../support/pebble.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

const README = readFileSync(resolve(import.meta.dirname, '../../README.md'), 'utf8');
/** The README's one ```yaml block: the config file of "The whole setup". */
const readmeYaml = [...README.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);

describe('the README config file, alone, with BIND, Pebble and lego', () => {
  const key = tsigKey('acme-update');
  const token = `dns01ct_${randomBytes(32).toString('hex')}`;
  let bind: RunningDnsServer;
  let pebble: Pebble;
  let db: TestDatabase;
  let daemon: DaemonProcess;
  let dir: string;
  let file: string;
  let example: string;

  const get = async <T>(path: string): Promise<T> => (await daemon.admin(path)).json() as Promise<T>;
  type Row = { id: string; name?: string; domain_names?: string[]; updated_at?: string; revoked_at?: string | null; managed_by: string | null; propagation_timeout?: number | null };
  const state = async () => ({
    providers: (await get<{ providers: Row[] }>('/dns-providers')).providers.map((p) => [p.id, p.name, p.updated_at, p.managed_by]),
    sites: (await get<{ sites: Row[] }>('/sites')).sites.map((s) => [s.id, s.domain_names, s.updated_at, s.managed_by]),
    tokens: (await get<{ client_tokens: Row[] }>('/client-tokens')).client_tokens.map((t) => [t.id, t.name, t.revoked_at, t.managed_by]),
  });
  const cli = async (...args: string[]) => {
    let out = '';
    let err = '';
    const code = await runCli([...args, '--url', daemon.url, '--token', daemon.adminToken], { out: (t) => (out += t), err: (t) => (err += t), env: {} });
    return { code, out, err };
  };
  const until = async (check: () => Promise<boolean>, what: string) => {
    const deadline = Date.now() + 30_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${daemon.output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  beforeAll(async () => {
    expect(readmeYaml, 'README has exactly one yaml block').toHaveLength(1);
    bind = await startBind({ zones: [ZONE], tsigKeys: [key] });
    pebble = await startPebble({ dnsServer: `${bind.host}:${bind.port}` });
    db = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), 'dns01-config-e2e-'));
    file = join(dir, 'config.yaml');
    await writeFile(join(dir, 'tsig.secret'), `${key.secret}\n`);
    await writeFile(join(dir, 'caddy.token'), `${token}\n`);
    // Verbatim but for host, port, key and zone (and where the files are).
    example = readmeYaml[0]!
      .replace('nameserver: 10.0.0.53', `nameserver: ${bind.host}\n      port: ${bind.port}`)
      .replaceAll('/etc/dns01-proxy/', `${dir}/`)
      .replaceAll('example.com', ZONE);
    expect(example).toContain(`tsig_key_name: ${key.name}`);
    await writeFile(file, example);
    daemon = await startDaemonProcess({
      databaseUrl: db.url,
      env: { DNS01_CONFIG: file, DNS01_DNS_RESOLVERS: `${bind.host}:${bind.port}`, DNS01_DNS_AUTH_PORT: String(bind.port), LOG_LEVEL: 'info' },
    });
  }, 120_000);

  afterAll(async () => {
    await daemon?.stop();
    await db?.drop();
    await pebble?.stop();
    await bind?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('starts with what the file declares, marked managed by it', async () => {
    const s = await state();
    expect(s.providers.map((p) => [p[1], p[3]])).toEqual([['bind', file]]);
    expect(s.sites.map((x) => [x[1], x[3]])).toEqual([[[`*.${ZONE}`, ZONE], file]]);
    expect(s.tokens.map((t) => [t[1], t[3]])).toEqual([['caddy', file]]);
  });

  it(`issues *.${ZONE} + ${ZONE} with lego and the file's client token`, async () => {
    const result = await issueWithLego({ daemon: { url: daemon.url } as TestDaemon, pebble, mode: 'default', dnsResolver: `${bind.host}:${bind.port}`, password: token });
    expect(result.code, `${result.stderr.slice(-4000)}\n${daemon.output().slice(-4000)}`).toBe(0);
    expect(await issuedSans(result.certPem!, pebble)).toEqual([...ORDER].sort());
    expect(await leftovers(bind)).toEqual({ txt: [], rcode: 'NXDOMAIN' });
  }, 150_000);

  it('applies an edit on SIGHUP', async () => {
    const edited = example
      .replace('    provider_type: rfc2136\n', '    provider_type: rfc2136\n    propagation_timeout: 90\n')
      .replace('client_tokens:', `  - domain_names: [extra.${ZONE}]\n    dns_provider: bind\nclient_tokens:`);
    await writeFile(file, edited);
    daemon.child.kill('SIGHUP');
    await until(async () => (await state()).sites.length === 2, 'the second site');
    const [provider] = (await get<{ providers: Row[] }>('/dns-providers')).providers;
    expect(provider!.propagation_timeout).toBe(90);
    expect(daemon.output()).toContain('config file applied on SIGHUP: 2 change(s)');
    await writeFile(file, example);
    daemon.child.kill('SIGHUP');
    await until(async () => (await state()).sites.length === 1, 'the second site removed');
  });

  it('refuses an API change to the managed provider, naming the file', async () => {
    const [provider] = (await get<{ providers: Row[] }>('/dns-providers')).providers;
    for (const res of [
      await daemon.admin(`/dns-providers/${provider!.id}`, { method: 'PUT', body: { enabled: false } }),
      await daemon.admin(`/dns-providers/${provider!.id}`, { method: 'DELETE' }),
    ]) {
      expect(res.status).toBe(409);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('MANAGED_BY_CONFIG');
      expect(body.error.message).toContain(file);
    }
  });

  const fiveMistakes = () => `
providers:
  - name: bind
    provider_type: rfc2136
    credentials:
      nameserver: ${bind.host}
      tsig_key_name: ${key.name}
      tsig_key_secret: ${key.secret}
      zone: ${ZONE}
    colour: blue
sites:
  - domain_names: ["not a name"]
    dns_provider: bind
  - domain_names: [other.${ZONE}]
    dns_provider: nowhere
client_tokens:
  - name: caddy
    allowed_domains: [${ZONE}]
`;

  it('a file with five mistakes: SIGHUP logs five problems and changes nothing; a start with it exits with five lines', async () => {
    const before = await state();
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, fiveMistakes());
    await writeFile(file, fiveMistakes());
    const mark = daemon.output().length;
    daemon.child.kill('SIGHUP');
    await until(async () => daemon.output().slice(mark).includes('config file not applied on SIGHUP'), 'the SIGHUP refusal');
    const logged = daemon.output().slice(mark).split('\n').filter((l) => l.includes('"problem"'));
    expect(logged).toHaveLength(5);
    expect((await fetch(`${daemon.url}/health`)).status).toBe(200);
    expect(await state()).toEqual(before);

    // A second daemon on the same database, started with the bad file: it stops before changing anything.
    const second = await startDaemonProcess({ databaseUrl: db.url, until: 'spawned', env: { DNS01_CONFIG: bad, DNS01_ENCRYPTION_KEY: daemon.encryptionKey } });
    const exit = await second.exited;
    const out = second.output();
    await second.stop();
    expect(exit.code, out).toBe(2);
    const lines = out.split('\n').filter((l) => l.startsWith('  '));
    expect(lines).toEqual([
      expect.stringMatching(/^ {2}providers\[0\]\.credentials\.tsig_key_secret: a secret must be \{file: …\} or \{env: …\} \(line 8\)$/),
      expect.stringMatching(/^ {2}providers\[0\]: Unrecognized key: "colour" \(line \d+\)$/),
      expect.stringMatching(/^ {2}sites\[0\]\.domain_names\[0\]: expected a domain name/),
      expect.stringMatching(/^ {2}sites\[1\]\.dns_provider: no provider named nowhere/),
      expect.stringMatching(/^ {2}client_tokens\[0\]: give exactly one of token_sha256 or token_file/),
    ]);
    expect(out).toContain(`the config file ${bad} has 5 problems; nothing was changed`);
    expect(out).not.toContain(key.secret);
    expect(await state()).toEqual(before);
    await writeFile(file, example);
  }, 120_000);

  it('apply --dry-run prints the diff and changes nothing; apply makes it; a second dry run is empty', async () => {
    await writeFile(file, example
      .replace('    provider_type: rfc2136\n', '    provider_type: rfc2136\n    enabled: false\n')
      .replace(`tsig_key_secret: {file: ${dir}/tsig.secret}`, `tsig_key_secret: {file: ${dir}/other.secret}`));
    const other = tsigKey('x').secret;
    await writeFile(join(dir, 'other.secret'), other);
    const before = await state();
    const dry = await cli('apply', '--dry-run');
    expect(dry.code, dry.err).toBe(0);
    expect(dry.out).toBe(`~ update provider bind: credentials, enabled changed\n1 change(s) would be made; dry run: nothing changed (${file})\n`);
    expect(await state()).toEqual(before);
    const applied = await cli('apply');
    expect(applied.code, applied.err).toBe(0);
    expect(applied.out).toContain('1 change(s) made');
    expect((await cli('apply', '--dry-run')).out).toContain('0 change(s) would be made');
    for (const text of [dry.out, applied.out]) expect(text).not.toContain(other);
  });

  it('kept every secret out of the log', () => {
    for (const secret of [key.secret, token]) expect(daemon.output()).not.toContain(secret);
  });
});
