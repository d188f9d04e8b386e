// Provider auto-detection against a real BIND whose zones' NS records imitate Cloudflare's and Route 53's, and an unknown one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Detector } from '../../src/detect/detector.js';
import { matchNameservers, NAMESERVER_PATTERNS } from '../../src/detect/patterns.js';
import { ZoneFinder } from '../../src/dns/zone-finder.js';
import { shippedPlugins } from '../../src/plugins/index.js';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { startBind, type RunningDnsServer } from '../support/dns-servers/index.js';

describe('the nameserver pattern table', () => {
  it('names only built-in provider types', () => {
    const builtin = new Set(shippedPlugins.map((p) => p.metadata.type));
    for (const { type } of NAMESERVER_PATTERNS) expect(builtin, type).toContain(type);
  });

  it.each([
    ['cloudflare', ['amy.ns.cloudflare.com.', 'bob.ns.cloudflare.com']],
    ['route53', ['ns-1536.awsdns-00.co.uk', 'ns-0.awsdns-00.com', 'ns-1024.awsdns-00.org', 'ns-512.awsdns-00.net']],
    ['digitalocean', ['ns1.digitalocean.com', 'ns2.digitalocean.com', 'ns3.digitalocean.com']],
    ['hetzner', ['hydrogen.ns.hetzner.com', 'oxygen.ns.hetzner.com', 'helium.ns.hetzner.de']],
    ['googleclouddns', ['ns-cloud-a1.googledomains.com', 'ns-cloud-a2.googledomains.com']],
    ['azure', ['ns1-01.azure-dns.com', 'ns2-01.azure-dns.net', 'ns3-01.azure-dns.org', 'ns4-01.azure-dns.info']],
    ['namecheap', ['dns1.registrar-servers.com', 'dns2.registrar-servers.com']],
    ['godaddy', ['ns01.domaincontrol.com', 'ns02.domaincontrol.com']],
    ['vultr', ['ns1.vultr.com', 'ns2.vultr.com']],
    ['dnsimple', ['ns1.dnsimple.com', 'ns2.dnsimple-edge.net', 'ns3.dnsimple.com', 'ns4.dnsimple-edge.org']],
  ])('%s: its real nameserver names match with high confidence', (type, ns) => {
    expect(matchNameservers(ns)).toEqual({ providerType: type, confidence: 'high' });
  });

  it('look-alikes do not match; a mix is medium; two providers are low', () => {
    expect(matchNameservers(['ns.cloudflare.com.evil.test', 'awsdns-1.example.com', 'ns1.digitalocean.com.example'])).toEqual({ providerType: null, confidence: 'none' });
    expect(matchNameservers(['amy.ns.cloudflare.com', 'ns1.example.net'])).toEqual({ providerType: 'cloudflare', confidence: 'medium' });
    expect(matchNameservers(['amy.ns.cloudflare.com', 'ns-1.awsdns-01.com', 'ns-2.awsdns-02.net'])).toEqual({ providerType: 'route53', confidence: 'low' });
  });
});

describe('POST /api/v1/dns-providers/detect', () => {
  let bind: RunningDnsServer;
  let d: TestDaemon;
  let cloudflareId: string;

  beforeAll(async () => {
    bind = await startBind({
      zones: ['cf.test', 'aws.test', 'plain.test'],
      tsigKeys: [],
      nameservers: {
        'cf.test': ['amy.ns.cloudflare.com.', 'bob.ns.cloudflare.com.'],
        'aws.test': ['ns-1.awsdns-01.com.', 'ns-600.awsdns-11.net.', 'ns1.aws.test.'],
      },
      records: { 'cf.test': ['www IN A 127.0.0.1'] },
    });
    d = await startTestDaemon({ env: { DNS01_DNS_RESOLVERS: `${bind.host}:${bind.port}` } });
    await d.addProvider({ name: 'cf-off', provider_type: 'cloudflare', credentials: { api_token: 'tok-off' }, enabled: false });
    cloudflareId = await d.addProvider({ name: 'cf-on', provider_type: 'cloudflare', credentials: { api_token: 'tok-on' } });
    await d.addProvider({ name: 'r53-off', provider_type: 'route53', credentials: { access_key_id: 'AKIA', secret_access_key: 'x' }, enabled: false });
  });
  afterAll(async () => {
    await d?.stop();
    await bind?.stop();
  });

  const detect = async (domain: unknown) => {
    const res = await d.admin('/dns-providers/detect', { method: 'POST', body: { domain } });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  it('cloudflare: found by a name inside the zone, and the enabled provider of that type suggested', async () => {
    for (const domain of ['www.cf.test', '*.cf.test', 'CF.test.']) {
      const { status, body } = await detect(domain);
      expect(status).toBe(200);
      expect(body).toMatchObject({
        zone: 'cf.test', detected: true, provider_type: 'cloudflare', confidence: 'high',
        nameservers: ['amy.ns.cloudflare.com', 'bob.ns.cloudflare.com'],
        suggested_provider: { id: cloudflareId, name: 'cf-on', provider_type: 'cloudflare' },
      });
    }
  });

  it('route53 beside a server of its own: medium, and no suggestion when the only route53 provider is disabled', async () => {
    const { status, body } = await detect('aws.test');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      zone: 'aws.test', detected: true, provider_type: 'route53', confidence: 'medium',
      nameservers: ['ns-1.awsdns-01.com', 'ns-600.awsdns-11.net', 'ns1.aws.test'], suggested_provider: null,
    });
  });

  it('an unknown provider: detected false with its nameservers', async () => {
    const { status, body } = await detect('plain.test');
    expect(status).toBe(200);
    expect(body).toMatchObject({ zone: 'plain.test', detected: false, provider_type: null, confidence: 'none', nameservers: ['ns1.plain.test'], suggested_provider: null });
  });

  it('a domain no resolver serves: DNS_ZONE_NOT_FOUND', async () => {
    const { status, body } = await detect('nothing.example');
    expect(status).toBe(400);
    expect(body.error.code).toBe('DNS_ZONE_NOT_FOUND');
  });

  it.each([['not a domain'], [''], ['com'], ['*.*.cf.test'], [42], [null]])('a bad domain %j is 400 VALIDATION_ERROR', async (domain) => {
    const { status, body } = await detect(domain);
    expect(status).toBe(400);
    expect(body.error.code).toBe('VALIDATION_ERROR');
  });

  it('needs the admin token and a body with only "domain"', async () => {
    expect((await fetch(`${d.url}/api/v1/dns-providers/detect`, { method: 'POST', body: '{"domain":"cf.test"}' })).status).toBe(401);
    expect((await d.admin('/dns-providers/detect', { method: 'POST', body: { domain: 'cf.test', extra: 1 } })).status).toBe(400);
  });
});

describe('the detection cache', () => {
  let bind: RunningDnsServer;
  beforeAll(async () => {
    bind = await startBind({ zones: ['cf.test'], tsigKeys: [], nameservers: { 'cf.test': ['amy.ns.cloudflare.com.', 'bob.ns.cloudflare.com.'] } });
  });
  afterAll(async () => {
    await bind?.stop();
  });

  it('asks DNS once an hour per domain, while the suggestion follows the providers as they are now', async () => {
    let clock = 0;
    let walks = 0;
    const finder = new ZoneFinder({ resolvers: [bind], maxTtlS: 0 });
    const zones = { find: (name: string) => (walks++, finder.find(name)) };
    let providers: any[] = [];
    const detector = new Detector({ zones, resolvers: [bind], providers: async () => providers, now: () => clock });
    expect((await detector.detect('cf.test')).suggested).toBeNull();
    providers = [{ id: 'p', enabled: true, providerType: 'cloudflare', isDefault: false, createdAt: new Date() }];
    clock = 3_599_999;
    const second = await detector.detect('cf.test');
    expect(second.suggested?.id).toBe('p');
    expect(walks).toBe(1);
    clock = 3_600_000;
    expect((await detector.detect('cf.test')).detection.providerType).toBe('cloudflare');
    expect(walks).toBe(2);
  });
});
