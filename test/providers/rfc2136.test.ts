// The rfc2136 plugin against real BIND, Knot and PowerDNS, for every TSIG algorithm each server supports.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { rfc2136 } from '../../src/plugins/rfc2136/index.js';
import type { PluginContext, RecordRequest } from '../../src/plugin-api/index.js';
import { isAppError } from '../../src/errors.js';
import { TSIG_ALGORITHMS, type TsigAlgorithm } from '../../src/dns/tsig.js';
import { checkPropagation } from '../../src/dns/propagation.js';
import { startBind, startKnot, startPowerDns, type DnsServerOptions, type RunningDnsServer } from '../support/dns-servers/index.js';

const ctx: PluginContext = { log: pino({ level: 'silent' }), settings: { allowPrivateWebhooks: true, scriptsDir: '/tmp' }, signal: new AbortController().signal };
const ZONE = 'example.test';
const KEPT = '_acme-challenge.keep.example.test';
// BIND 9.18, Knot 3.2 and PowerDNS 4.7 all take md5 through sha512 (PEERS.md; checked here).
const keys = TSIG_ALGORITHMS.map((algorithm) => ({ name: `acme-${algorithm}`, algorithm, secret: randomBytes(32).toString('base64') }));

const servers: [string, (o: DnsServerOptions) => Promise<RunningDnsServer>, { badSecret: string; unknownKey: string }][] = [
  ['BIND', startBind, { badSecret: 'BADSIG', unknownKey: 'BADKEY' }],
  ['Knot', startKnot, { badSecret: 'BADSIG', unknownKey: 'BADKEY' }],
  // PowerDNS answers bad keys with an unsigned REFUSED: reported as reason UNSIGNED (see rfc2136/client.ts).
  ['PowerDNS', startPowerDns, { badSecret: 'UNSIGNED', unknownKey: 'UNSIGNED' }],
];

function req(fqdn: string, value: string, zone?: string): RecordRequest {
  return { challengeId: `c-${value}`, fqdn, domain: fqdn.replace(/^_acme-challenge\./, ''), value, ttl: 60, zone };
}

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string; details?: Record<string, unknown> }> {
  try {
    await p;
  } catch (err) {
    if (isAppError(err)) return { code: err.code, message: err.message, details: err.details };
    throw err;
  }
  throw new Error('expected a failure');
}

describe('rfc2136 credentials', () => {
  const base = { nameserver: '127.0.0.1', tsig_key_name: 'acme.', tsig_key_secret: keys[0]!.secret };

  it('applies defaults and normalises names and algorithm spellings', () => {
    const c = rfc2136.credentials.parse({ ...base, tsig_algorithm: 'HMAC-SHA512.', zone: 'Example.Test.' });
    expect(c).toMatchObject({ port: 53, tsig_key_name: 'acme', tsig_algorithm: 'hmac-sha512', zone: 'example.test' });
    expect(rfc2136.credentials.parse({ ...base, zone: '' }).zone).toBeUndefined();
    expect(rfc2136.credentials.parse(base).tsig_algorithm).toBe('hmac-sha256');
  });

  it('rejects a non-base64 secret and an unknown algorithm without echoing the secret', () => {
    const secret = 'this is *not* base64 at all';
    const res = rfc2136.credentials.safeParse({ ...base, tsig_key_secret: secret });
    expect(res.success).toBe(false);
    expect(JSON.stringify(res.error?.issues)).not.toContain(secret);
    expect(res.error?.issues[0]?.path).toEqual(['tsig_key_secret']);
    expect(rfc2136.credentials.safeParse({ ...base, tsig_algorithm: 'gss-tsig' }).success).toBe(false);
    expect(rfc2136.credentials.safeParse({ ...base, nameserver: 'ns1:53' }).success).toBe(false);
  });

  it('builds the caddy-dns/rfc2136 module config', () => {
    const c = rfc2136.credentials.parse({ ...base, nameserver: '::1', port: 5353, tsig_algorithm: 'md5' });
    expect(rfc2136.caddyConfig(c, { mode: 'native' })).toEqual({
      name: 'rfc2136', key_name: 'acme', key_alg: 'hmac-md5.sig-alg.reg.int', key: base.tsig_key_secret, server: '[::1]:5353',
    });
    // Without native mode, Caddy sends rfc2136 challenges to the daemon.
    expect(rfc2136.caddyConfig(c, {})).toBeNull();
    expect(rfc2136.caddyConfig(c, { mode: 'proxied' })).toBeNull();
  });
});

describe.each(servers)('rfc2136 against %s', (_label, start, expected) => {
  let srv: RunningDnsServer;
  const creds = (algorithm: TsigAlgorithm, over: Record<string, unknown> = {}) => {
    const k = keys.find((x) => x.algorithm === algorithm)!;
    return rfc2136.credentials.parse({
      nameserver: srv.host, port: srv.port, tsig_key_name: k.name, tsig_key_secret: k.secret, tsig_algorithm: algorithm, ...over,
    });
  };

  beforeAll(async () => {
    srv = await start({ zones: [ZONE], tsigKeys: keys, records: { [ZONE]: [`${KEPT}. IN TXT "set-by-hand"`] } });
  }, 30_000);
  afterAll(async () => { await srv?.stop(); });

  it.each(TSIG_ALGORITHMS)('%s: two values coexist, cleanup removes only its own (zone by SOA walk)', async (algorithm) => {
    const c = creds(algorithm);
    const fqdn = `_acme-challenge.${algorithm}.example.test`;
    await rfc2136.present(c, req(fqdn, `a-${algorithm}`), ctx);
    await rfc2136.present(c, req(fqdn, `b-${algorithm}`), ctx);
    expect((await srv.txt(fqdn)).sort()).toEqual([`a-${algorithm}`, `b-${algorithm}`]);
    await rfc2136.cleanup(c, req(fqdn, `a-${algorithm}`), ctx);
    expect(await srv.txt(fqdn)).toEqual([`b-${algorithm}`]);
    await rfc2136.cleanup(c, req(fqdn, `a-${algorithm}`), ctx); // already gone: still a success
    await rfc2136.cleanup(c, req(fqdn, `b-${algorithm}`), ctx);
    expect(await srv.txt(fqdn)).toEqual([]);
  });

  it('leaves a TXT record created outside the daemon in place', async () => {
    const c = creds('hmac-sha256', { zone: ZONE });
    await rfc2136.present(c, req(KEPT, 'daemon-value'), ctx);
    expect((await srv.txt(KEPT)).sort()).toEqual(['daemon-value', 'set-by-hand']);
    await rfc2136.cleanup(c, req(KEPT, 'daemon-value'), ctx);
    expect(await srv.txt(KEPT)).toEqual(['set-by-hand']);
  });

  it('checkPropagation sees the presented value on the server', async () => {
    const c = creds('hmac-sha1');
    const fqdn = '_acme-challenge.prop.example.test';
    await rfc2136.present(c, req(fqdn, 'seen-value'), ctx);
    const res = await checkPropagation({ fqdn, value: 'seen-value', resolver: srv, authPort: srv.port, timeoutMs: 5000 });
    expect(res).toMatchObject({ visible: true, zone: ZONE, servers: [{ server: `127.0.0.1:${srv.port}`, seen: true }] });
    await rfc2136.cleanup(c, req(fqdn, 'seen-value'), ctx);
  });

  it('maps a wrong secret and an unknown key to TSIG_AUTH_FAILED without leaking the secret', async () => {
    const wrong = randomBytes(32).toString('base64');
    const bad = await failure(rfc2136.present(creds('hmac-sha256', { tsig_key_secret: wrong }), req('_acme-challenge.x.example.test', 'v'), ctx));
    expect(bad).toMatchObject({ code: 'TSIG_AUTH_FAILED', details: { reason: expected.badSecret } });
    expect(bad.message).toMatch(/^rfc2136: /);
    expect(JSON.stringify(bad)).not.toContain(wrong);
    const unknown = await failure(rfc2136.cleanup(creds('hmac-sha256', { tsig_key_name: 'nobody' }), req('_acme-challenge.x.example.test', 'v'), ctx));
    expect(unknown).toMatchObject({ code: 'TSIG_AUTH_FAILED', details: { reason: expected.unknownKey } });
  });

  it('test() sends a no-op update that checks the key', async () => {
    expect(await rfc2136.test(creds('hmac-sha384', { zone: ZONE }), ctx)).toMatchObject({ ok: true });
    const wrong = await rfc2136.test(creds('hmac-sha384', { zone: ZONE, tsig_key_secret: randomBytes(48).toString('base64') }), ctx);
    expect(wrong.ok).toBe(false);
    expect(wrong.message).toMatch(/^rfc2136: /);
    expect((await rfc2136.test(creds('hmac-sha384'), ctx)).ok).toBe(false); // no zone: nothing to test against
  });
});
