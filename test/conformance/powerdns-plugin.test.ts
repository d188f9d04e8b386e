// The PowerDNS example plugin (the committed powerdns.mjs, built by its factory with the real zod) against a real pdns_server's HTTP API.
import { randomBytes } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fieldsOf } from '../../src/calls/field-specs.js';
import type { AnyProviderPlugin, PluginContext, PluginFactory } from '../../src/plugin-api/index.js';
import { pluginHost } from '../../src/plugin-loader/host.js';
import { dnsWriter, tsigKey } from '../support/acme-rig.js';
import { txtValue } from '../support/daemon.js';
import { startPowerDns, type RunningPowerDns } from '../support/dns-servers/index.js';
import { freePort } from '../support/ports.js';
import { runPluginConformance } from './direct.js';

const MODULE = fileURLToPath(new URL('../../plugins/powerdns/powerdns.mjs', import.meta.url));
const ZONE = 'pdns-plugin.test';
/** A zone inside ZONE on the same server: a name below it belongs to it, not to ZONE. */
const SUBZONE = `sub.${ZONE}`;
const API_KEY = randomBytes(24).toString('hex');
const key = tsigKey('pdns-plugin-foreign');

async function loadPlugin(): Promise<AnyProviderPlugin> {
  const factory = (await import(pathToFileURL(MODULE).href) as { default: PluginFactory }).default;
  return factory(pluginHost());
}

let server: Promise<RunningPowerDns> | undefined;
const shared = () => (server ??= startPowerDns({ zones: [ZONE, SUBZONE], tsigKeys: [key], apiKey: API_KEY }));
afterAll(async () => {
  await (await server)?.stop();
});

runPluginConformance('powerdns', async () => {
  const srv = await shared();
  return {
    plugin: await loadPlugin(),
    credentials: { api_url: srv.apiUrl!, api_key: API_KEY },
    wrongCredentials: { api_url: srv.apiUrl!, api_key: randomBytes(24).toString('hex') },
    zone: ZONE,
    readTxt: (name) => srv.txt(name),
    addForeignRecord: (name, value) => dnsWriter(srv, key, ZONE).add(name, value, 60),
    teardown: async () => {},
  };
});

describe('powerdns plugin specifics', () => {
  let srv: RunningPowerDns;
  let p: AnyProviderPlugin;
  const ctx = (): PluginContext => ({ log: undefined as never, settings: { allowPrivateWebhooks: true, scriptsDir: '/nonexistent' }, signal: AbortSignal.timeout(30_000) });
  const creds = (extra: Record<string, unknown> = {}) => p.credentials.parse({ api_url: srv.apiUrl, api_key: API_KEY, ...extra });
  const req = (fqdn: string, value: string, zone?: string) => ({ challengeId: 'c1', fqdn, domain: fqdn.slice('_acme-challenge.'.length), value, ttl: 60, ...(zone ? { zone } : {}) });
  /** The TXT values PowerDNS holds at `name` inside `zone`, read through its API (not DNS): shows which zone got the record. */
  const inZone = async (zone: string, name: string): Promise<string[]> => {
    const res = await fetch(`${srv.apiUrl}/api/v1/servers/localhost/zones/${zone}.`, { headers: { 'X-API-Key': API_KEY }, signal: AbortSignal.timeout(10_000) });
    const body = (await res.json()) as { rrsets: { name: string; type: string; records: { content: string }[] }[] };
    return body.rrsets.filter((r) => r.name === `${name}.` && r.type === 'TXT').flatMap((r) => r.records.map((x) => x.content));
  };

  beforeAll(async () => {
    srv = await shared();
    p = await loadPlugin();
  });

  it('derives its fields from the schema: the key is secret, server_id defaults to localhost, zone is optional', () => {
    expect(p.metadata).toMatchObject({ type: 'powerdns', interfaceVersion: 1 });
    expect(p.defaults).toEqual({ propagationTimeout: 60, pollingInterval: 2, ttl: 60 });
    expect(fieldsOf(p).map(({ name, type, required, default: d }) => ({ name, type, required, default: d }))).toEqual([
      { name: 'api_url', type: 'text', required: true, default: null },
      { name: 'api_key', type: 'password', required: true, default: null },
      { name: 'server_id', type: 'text', required: false, default: 'localhost' },
      { name: 'zone', type: 'text', required: false, default: null },
    ]);
    expect(p.credentials.safeParse({ api_url: 'ftp://x', api_key: 'k' }).success).toBe(false);
    expect(p.caddyConfig).toBeUndefined();
  });

  it('finds the longest zone on the server holding the name when neither the provider nor the daemon names one', async () => {
    const fqdn = `_acme-challenge.www.${SUBZONE}`;
    const value = txtValue('pdns-longest-zone');
    await p.present!(creds({ zone: '' }), req(fqdn, value), ctx());
    expect(await inZone(SUBZONE, fqdn)).toEqual([`"${value}"`]);
    expect(await srv.txt(fqdn)).toEqual([value]);
    await p.cleanup!(creds(), req(fqdn, value), ctx());
    expect(await inZone(SUBZONE, fqdn)).toEqual([]);
  });

  it("writes into the provider's zone over the daemon's, and refuses a name outside it before any write", async () => {
    const fqdn = `_acme-challenge.www.${SUBZONE}`;
    const value = txtValue('pdns-given-zone');
    // The provider says the parent zone: the record goes there (occluded in DNS by the subzone, visible in the API).
    await p.present!(creds({ zone: `${ZONE}.` }), req(fqdn, value, SUBZONE), ctx());
    expect(await inZone(ZONE, fqdn)).toEqual([`"${value}"`]);
    expect(await inZone(SUBZONE, fqdn)).toEqual([]);
    await p.cleanup!(creds({ zone: ZONE }), req(fqdn, value, SUBZONE), ctx());
    expect(await inZone(ZONE, fqdn)).toEqual([]);
    await expect(p.present!(creds({ zone: 'elsewhere.test' }), req(fqdn, value), ctx())).rejects.toThrow(`${fqdn} is not inside the zone elsewhere.test`);
  });

  it('test() names what is wrong: an unknown server id, a missing zone, a server that is not there', async () => {
    const unknownServer = await p.test!(creds({ server_id: 'nope' }), ctx());
    expect(unknownServer).toMatchObject({ ok: false });
    expect(unknownServer.message).toContain('HTTP 404');
    expect((await p.test!(creds({ zone: ZONE }), ctx())).ok).toBe(true);
    const missingZone = await p.test!(creds({ zone: 'missing.test' }), ctx());
    expect(missingZone.ok).toBe(false);
    expect(missingZone.message).toContain('missing.test');
    const closed = await p.test!(creds({ api_url: `http://127.0.0.1:${await freePort()}` }), ctx());
    expect(closed.ok).toBe(false);
    expect(closed.message).toContain('could not be reached');
    expect(closed.message).toContain('ECONNREFUSED');
  });

  it('refuses a URL carrying user info, so no secret rides in a URL a message might show', () => {
    const parsed = p.credentials.safeParse({ api_url: `http://user:${API_KEY}@127.0.0.1:8081`, api_key: API_KEY });
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toContain('put the key in api_key, not in the URL');
  });

  it('ends a call to a server that takes the request and never answers when the signal aborts', async () => {
    const sockets: Socket[] = [];
    let reached!: () => void;
    const connected = new Promise<void>((resolve) => { reached = resolve; });
    const wedged = createServer((sock) => { sockets.push(sock); sock.once('data', () => reached()); });
    await new Promise<void>((resolve) => wedged.listen(0, '127.0.0.1', resolve));
    try {
      const port = (wedged.address() as { port: number }).port;
      const abort = new AbortController();
      const call = p.present!(creds({ api_url: `http://127.0.0.1:${port}`, zone: ZONE }), req(`_acme-challenge.${ZONE}`, txtValue('pdns-wedged')),
        { ...ctx(), signal: abort.signal });
      await connected;
      abort.abort(new Error('shutting down'));
      await expect(call).rejects.toBe(abort.signal.reason);
    } finally {
      for (const sock of sockets) sock.destroy();
      await new Promise((resolve) => wedged.close(resolve));
    }
  });
});
