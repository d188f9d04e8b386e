// Every plugin knows the zone: a daemon whose resolver is a real BIND serving example.co.uk, with webhook, script and rfc2136 providers.
import { randomBytes } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { startBind, type RunningDnsServer, type TestTsigKey } from '../support/dns-servers/index.js';
import { startDnsForwarder, type DnsForwarder } from '../support/dns-forwarder.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const RECORD_SH = fileURLToPath(new URL('../fixtures/scripts/record.sh', import.meta.url));
const NSUPDATE_SH = fileURLToPath(new URL('../../plugins/scripts/nsupdate.sh', import.meta.url));
const ZONE = 'example.co.uk';
const FQDN = `_acme-challenge.www.shop.${ZONE}`;

describe('the zone of a challenge', () => {
  let bind: RunningDnsServer;
  let resolver: DnsForwarder;
  let hook: WebhookReceiver;
  let d: TestDaemon;
  let root: string;
  let outDir: string;
  const key: TestTsigKey = { name: 'zone-test', algorithm: 'hmac-sha256', secret: randomBytes(32).toString('base64') };
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    bind = await startBind({ zones: [ZONE], tsigKeys: [key] });
    // The daemon's only resolver: forwards to BIND and counts what it is asked.
    resolver = await startDnsForwarder(bind);
    hook = await startWebhookReceiver();
    root = await mkdtemp(join(tmpdir(), 'dns01-zone-'));
    await chmod(root, 0o755); // mkdtemp makes 0700, which uid 65534 (scripts of a root daemon) cannot traverse
    const scriptsDir = join(root, 'scripts');
    outDir = join(root, 'out');
    await mkdir(scriptsDir, { mode: 0o755 });
    await mkdir(outDir, { mode: 0o777 });
    await chmod(outDir, 0o777);
    for (const [from, to] of [[RECORD_SH, 'record.sh'], [NSUPDATE_SH, 'nsupdate.sh']] as const) {
      await copyFile(from, join(scriptsDir, to));
      await chmod(join(scriptsDir, to), 0o755);
    }
    const keyPath = join(root, 'tsig.key');
    await writeFile(keyPath, `key "${key.name}" { algorithm ${key.algorithm}; secret "${key.secret}"; };\n`, { mode: 0o644 });

    d = await startTestDaemon({ env: { DNS01_DNS_RESOLVERS: `127.0.0.1:${resolver.server.port}`, DNS01_SCRIPTS_DIR: scriptsDir } });
    ids.webhook = await d.addProvider({ name: 'hook', provider_type: 'webhook', credentials: { create_url: hook.url, max_retries: 0 } });
    ids.record = await d.addProvider({ name: 'record', provider_type: 'script', credentials: { script_path: 'record.sh', env_vars: { OUT_DIR: outDir } } });
    // No NSUPDATE_ZONE: the script takes the zone from DNS_ZONE, and BIND takes the update only in the right zone.
    ids.nsupdate = await d.addProvider({
      name: 'nsupdate', provider_type: 'script',
      credentials: { script_path: 'nsupdate.sh', allow_network: true, timeout_seconds: 30, env_vars: { NSUPDATE_SERVER: bind.host, NSUPDATE_PORT: String(bind.port), NSUPDATE_KEY: keyPath, NSUPDATE_TIMEOUT: '10' } },
    });
    ids.rfc2136 = await d.addProvider({
      name: 'rfc2136', provider_type: 'rfc2136',
      credentials: { nameserver: bind.host, port: bind.port, tsig_key_name: key.name, tsig_key_secret: key.secret, tsig_algorithm: key.algorithm, zone: 'Example.CO.UK.' },
    });
  }, 60_000);

  afterAll(async () => {
    await d?.stop();
    await Promise.all([hook?.stop(), resolver?.stop()]);
    await bind?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  const create = async (provider: string, fqdn: string, value: string) => {
    const res = await d.internal('/create', { body: { provider_id: ids[provider], fqdn, value } });
    const body = (await res.json()) as { challenge_id: string; status: string };
    expect(res.status, JSON.stringify(body)).toBe(201);
    return body.challenge_id;
  };
  const row = async (id: string) => ((await (await d.internal(`/${id}`, { method: 'GET' })).json()) as { challenge: Record<string, unknown> }).challenge;
  const remove = async (id: string) => expect((await d.internal(`/${id}`, { method: 'DELETE' })).status).toBe(200);

  it('sends the webhook the zone found by SOA walk and the name relative to it, on create and delete', async () => {
    const value = txtValue('zone-webhook');
    const id = await create('webhook', FQDN, value);
    expect(await row(id)).toMatchObject({ fqdn: FQDN, zone: ZONE, status: 'PENDING' });
    await remove(id);
    const calls = hook.calls.filter((c) => c.body?.value === value);
    expect(calls.map((c) => c.body.action)).toEqual(['create', 'delete']);
    for (const c of calls) expect(c.body).toMatchObject({ fqdn: FQDN, zone: ZONE, subdomain: '_acme-challenge.www.shop' });
    expect(resolver.questions).toContain(FQDN);
  });

  it('gives a script DNS_ZONE, and nsupdate.sh writes into the right zone with it alone', async () => {
    const id = await create('record', FQDN, txtValue('zone-script'));
    const env = (await readFile(join(outDir, 'env'), 'utf8')).split('\0');
    expect(env).toContain(`DNS_ZONE=${ZONE}`);
    expect(await row(id)).toMatchObject({ zone: ZONE });
    await remove(id);

    const value = txtValue('zone-nsupdate');
    const written = await create('nsupdate', FQDN, value);
    expect(await bind.txt(FQDN)).toContain(value);
    await remove(written);
    expect(await bind.txt(FQDN)).not.toContain(value);
  });

  it("takes the provider's own zone without asking the resolvers", async () => {
    const asked = resolver.questions.length;
    const value = txtValue('zone-explicit');
    const fqdn = `_acme-challenge.explicit.${ZONE}`;
    const id = await create('rfc2136', fqdn, value);
    expect(await row(id)).toMatchObject({ zone: ZONE, status: 'PENDING' });
    expect(await bind.txt(fqdn)).toContain(value);
    await remove(id);
    // Only whether the name is a CNAME (docs/api.md#delegated-names); no SOA walk.
    expect(resolver.questions.slice(asked)).toEqual([fqdn]);
  });

  it('goes ahead without a zone when the walk finds none: null to the webhook, one warn line', async () => {
    const value = txtValue('zone-none');
    const fqdn = '_acme-challenge.www.nowhere.test';
    const id = await create('webhook', fqdn, value);
    expect(await row(id)).toMatchObject({ zone: null, status: 'PENDING' });
    const call = hook.calls.find((c) => c.body?.value === value);
    expect(call?.body).toMatchObject({ fqdn, zone: null, subdomain: null });
    const warns = d.logs().split('\n').filter((l) => l.includes(fqdn) && l.includes('"level":"warn"')).map((l) => JSON.parse(l) as object);
    // One for the CNAME question no resolver answered (the value then goes to the name itself), one for the zone.
    expect(warns).toMatchObject([
      { msg: 'could not tell whether the challenge name is a CNAME; writing at the name itself', fqdn },
      { msg: 'zone not found; the provider gets none', fqdn, provider: 'hook' },
    ]);
    await remove(id);
  });
});
