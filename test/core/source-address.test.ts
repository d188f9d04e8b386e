// One source address for every log line, audit event and network scope: the TCP peer, and a forwarding header only
// from a proxy listed in DNS01_TRUSTED_PROXIES, read right to left. A forged X-Forwarded-For changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { TrustedProxies } from '../../src/http/peer.js';
import { allowedFrom } from '../../src/security/cidr.js';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { closeFetchFrom, fetchFrom as from, type FetchFrom } from '../support/from-address.js';
import { auditEvents, logLines, uiLogin } from '../support/observe.js';

afterAll(closeFetchFrom);

describe('trusted proxies', () => {
  it('reads the header only from a listed proxy, right to left, skipping listed proxies', () => {
    const none = new TrustedProxies([]);
    expect(none.resolve('127.0.0.1', '6.6.6.248')).toBe('127.0.0.1');
    expect(none.resolve('::ffff:127.0.0.1', undefined)).toBe('127.0.0.1');
    const p = new TrustedProxies(['127.0.0.1/32', '10.0.0.0/8']);
    expect(p.resolve('127.0.0.1', '6.6.6.248')).toBe('6.6.6.248');
    expect(p.resolve('127.0.0.1', undefined)).toBe('127.0.0.1');
    expect(p.resolve('192.0.2.1', '6.6.6.248')).toBe('192.0.2.1');
    expect(p.resolve('127.0.0.1', '6.6.6.1, 203.0.113.5, 10.1.2.3')).toBe('203.0.113.5');
    expect(p.resolve('127.0.0.1', '203.0.113.5:4711')).toBe('203.0.113.5');
    expect(p.resolve('127.0.0.1', '[2001:DB8::1]:443')).toBe('2001:db8::1');
    expect(p.resolve('127.0.0.1', '6.6.6.1, unknown, 10.1.2.3')).toBe('10.1.2.3');
    expect(p.resolve('127.0.0.1', '10.9.9.9')).toBe('10.9.9.9');
    const rfc7239 = new TrustedProxies(['127.0.0.1/32'], 'forwarded');
    expect(rfc7239.resolve('127.0.0.1', 'for=6.6.6.1;proto=https, for="[2001:db8::7]:80";by=127.0.0.1')).toBe('2001:db8::7');
    expect(rfc7239.resolve('127.0.0.1', 'for=_hidden')).toBe('127.0.0.1');
  });

  it('matches an IPv4-mapped peer against IPv4 ranges and back, though only http/peer.ts unmaps (node BlockList does both)', () => {
    const cases: [string, string, boolean][] = [
      ['10.0.0.0/8', '::ffff:10.1.2.3', true], ['10.0.0.0/8', '::FFFF:10.1.2.3', true], ['10.0.0.0/8', '::ffff:a01:203', true],
      ['10.0.0.0/8', '::ffff:11.1.2.3', false], ['::ffff:10.0.0.0/104', '10.1.2.3', true], ['2001:db8::/32', '::ffff:10.1.2.3', false],
    ];
    for (const [range, peer, allowed] of cases) expect(allowedFrom([range], peer), `${peer} in ${range}`).toBe(allowed);
    expect(allowedFrom(['127.0.0.1/32'], new TrustedProxies([]).resolve('::ffff:127.0.0.1', undefined))).toBe(true);
  });

  it('DNS01_TRUSTED_PROXIES takes addresses and CIDR ranges; anything else stops start-up naming it', () => {
    const base = { DNS01_INTERNAL_TOKEN: 'x'.repeat(16) };
    expect(loadConfig(base).trustedProxies).toEqual({ cidrs: [], header: 'x-forwarded-for' });
    expect(loadConfig({ ...base, DNS01_TRUSTED_PROXIES: '127.0.0.1, 10.0.0.0/8,::1', DNS01_TRUSTED_PROXY_HEADER: 'Forwarded' }).trustedProxies)
      .toEqual({ cidrs: ['127.0.0.1/32', '10.0.0.0/8', '::1/128'], header: 'forwarded' });
    for (const bad of ['proxy.example', '10.0.0.0/33', '127.0.0.1/8/8']) {
      expect(() => loadConfig({ ...base, DNS01_TRUSTED_PROXIES: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ ...base, DNS01_TRUSTED_PROXIES: bad })).toThrow(/DNS01_TRUSTED_PROXIES: expected/);
    }
    expect(() => loadConfig({ ...base, DNS01_TRUSTED_PROXY_HEADER: 'x-real-ip' })).toThrow(/DNS01_TRUSTED_PROXY_HEADER/);
  });
});

describe('no trusted proxy (the default)', () => {
  let d: TestDaemon;

  beforeAll(async () => {
    d = await startTestDaemon({ db: 'pglite' });
  });
  afterAll(async () => {
    await d?.stop();
  });

  it('the page\'s failed-login log line and audit event name the TCP peer, with or without a forged X-Forwarded-For', async () => {
    const before = logLines(d, 'ui login refused: wrong admin token').length;
    const peer = from('127.0.0.21');
    expect((await peer(`${d.url}/ui/login`, { ...uiLogin('wrong-token'), headers: { ...uiLogin('').headers, 'x-forwarded-for': '6.6.6.248' } })).status).toBe(401);
    expect((await peer(`${d.url}/ui/login`, uiLogin('wrong-token'))).status).toBe(401);
    const lines = logLines(d, 'ui login refused: wrong admin token').slice(before);
    expect(lines.map((l) => l.ip)).toEqual(['127.0.0.21', '127.0.0.21']);
    const events = (await auditEvents(d, 'auth.failed')).filter((e) => e.details.api === 'ui');
    expect(events.map((e) => e.sourceIp)).toEqual(['127.0.0.21', '127.0.0.21']);
    // The same rule everywhere: an admin API refusal's source is the peer too.
    expect((await peer(`${d.url}/api/v1/dns-providers`, { headers: { authorization: 'Bearer wrong-token', 'x-forwarded-for': '6.6.6.248' } })).status).toBe(403);
    const api = (await auditEvents(d, 'auth.failed')).filter((e) => e.details.api === 'admin');
    expect(api.map((e) => e.sourceIp)).toEqual(['127.0.0.21']);
  });
});

describe('behind a trusted proxy (DNS01_TRUSTED_PROXIES=127.0.0.1)', () => {
  let d: TestDaemon;

  beforeAll(async () => {
    d = await startTestDaemon({ db: 'pglite', env: { DNS01_TRUSTED_PROXIES: '127.0.0.1' } });
  });
  afterAll(async () => {
    await d?.stop();
  });

  it('logs and audits the address the proxy forwarded; a peer that is not listed is itself, whatever it sends', async () => {
    const before = logLines(d, 'ui login refused: wrong admin token').length;
    const proxy = from('127.0.0.1');
    const post = uiLogin('wrong-token');
    expect((await proxy(`${d.url}/ui/login`, { ...post, headers: { ...post.headers, 'x-forwarded-for': '6.6.6.248' } })).status).toBe(401);
    expect((await proxy(`${d.url}/ui/login`, { ...post, headers: { ...post.headers, 'x-forwarded-for': '6.6.6.1, 203.0.113.5' } })).status).toBe(401);
    expect((await from('127.0.0.2')(`${d.url}/ui/login`, { ...post, headers: { ...post.headers, 'x-forwarded-for': '6.6.6.249' } })).status).toBe(401);
    expect((await proxy(`${d.url}/ui/login`, post)).status).toBe(401);
    expect(logLines(d, 'ui login refused: wrong admin token').slice(before).map((l) => l.ip)).toEqual(['6.6.6.248', '203.0.113.5', '127.0.0.2', '127.0.0.1']);
    const events = (await auditEvents(d, 'auth.failed')).filter((e) => e.details.api === 'ui');
    expect(events.map((e) => e.sourceIp).sort()).toEqual(['127.0.0.1', '127.0.0.2', '203.0.113.5', '6.6.6.248']);
  });

  it('limits each forwarded client on its own, so one client behind the proxy cannot lock out the others', async () => {
    const proxy = from('127.0.0.1');
    const api = (token: string, client: string) => proxy(`${d.url}/api/v1/sites`, { headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': client } });
    for (let i = 0; i < 10; i++) expect((await api(`wrong-${i}`, '198.51.100.1')).status).toBe(403);
    expect((await api(d.adminToken, '198.51.100.1')).status).toBe(429);
    expect((await api(d.adminToken, '198.51.100.2')).status).toBe(200);
  });

  it('a client token\'s allowed_cidrs see the forwarded address through the proxy, and only through it', async () => {
    await d.addProvider({ name: 'by hand', provider_type: 'manual', credentials: {}, is_default: true });
    const res = await d.admin('/client-tokens', { method: 'POST', body: { name: 'behind-proxy', allowed_domains: ['example.com'], allowed_cidrs: ['203.0.113.0/24'] } });
    expect(res.status).toBe(201);
    const { token } = (await res.json()) as { token: string };
    const present = (peer: FetchFrom, client: string) => peer(`${d.url}/internal/dns-challenge/present`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-forwarded-for': client },
      body: JSON.stringify({ fqdn: '_acme-challenge.example.com', value: txtValue(`proxy-${client}`) }),
    });
    const viaProxy = await present(from('127.0.0.1'), '203.0.113.5');
    expect(viaProxy.status, await viaProxy.clone().text()).toBe(200);
    const outside = await present(from('127.0.0.1'), '192.0.2.5');
    expect(outside.status).toBe(403);
    expect(((await outside.json()) as { error: { code: string } }).error.code).toBe('CLIENT_NETWORK_NOT_ALLOWED');
    // A peer that is not a listed proxy cannot claim an address by sending the header.
    const forged = await present(from('127.0.0.2'), '203.0.113.5');
    expect(forged.status).toBe(403);
  });
});
