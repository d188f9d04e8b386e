// The Caddy policy builder: golden JSON for the shapes we ship, skipped providers, and byte-for-byte determinism.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCaddyConfigJson, buildTlsPolicies, goDuration } from '../../src/caddy/builder.js';
import type { BuilderInput } from '../../src/caddy/types.js';
import { TOKEN, credential, input, provider, shuffle, site } from './fixtures.js';

const GOLDEN_DIR = join(import.meta.dirname, 'golden');

/** Compares with test/caddy/golden/<name>.json; UPDATE_GOLDEN=1 rewrites it (review the diff before committing). */
function golden(name: string, i: BuilderInput): void {
  const file = join(GOLDEN_DIR, `${name}.json`);
  const json = `${buildCaddyConfigJson(i)}\n`;
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, json);
  expect(json).toBe(readFileSync(file, 'utf8'));
}

const mixed = () =>
  input(
    [
      provider('p-hook', 'webhook', { url: 'https://hooks.example.test/dns' }),
      provider('p-cf', 'cloudflare', { api_token: 'cf-token-AAAA' }),
      provider('p-r53', 'route53', { access_key_id: 'AKIAEXAMPLE', secret_access_key: 'r53-secret', region: 'eu-west-1' }),
      provider('p-ns1', 'rfc2136', { nameserver: '10.0.0.53', port: 5353, tsig_key_name: 'acme-key', tsig_algorithm: 'HMAC-SHA256', tsig_key_secret: 'c2VjcmV0' }, {
        caddyMode: 'native', propagationTimeout: 90, resolvers: ['10.0.0.53:5353'],
      }),
      provider('p-ns2', 'rfc2136', { nameserver: '10.0.0.54', tsig_key_name: 'k', tsig_algorithm: 'hmac-sha512', tsig_key_secret: 'eA==' }),
      provider('p-script', 'script', { script_path: '/scripts/dns.sh' }, { propagationTimeout: -1 }),
    ],
    [
      site('s1', 'p-cf', ['example.com', '*.example.com']),
      site('s2', 'p-hook', ['internal.example.net', 'API.Internal.Example.NET.']),
      site('s3', 'p-r53', ['aws.example.org']),
      site('s4', 'p-ns1', ['lab.example.test']),
      site('s5', 'p-ns2', ['lab2.example.test']),
      site('s6', 'p-script', ['legacy.example.test']),
    ],
  );

describe('buildTlsPolicies', () => {
  it('single built-in provider: golden', () => {
    golden('single', input([provider('p1', 'cloudflare', { api_token: 'cf-token-AAAA' })], [site('s1', 'p1', ['b.example.com', 'a.example.com', 'a.example.com'])]));
  });

  it('mixed built-in, proxied and rfc2136 native: golden', () => {
    golden('mixed', mixed());
  });

  it('issuers: both, staging, custom CA with trusted roots: golden', () => {
    const p = [provider('p1', 'webhook', {})];
    const s = [site('s1', 'p1', ['www.example.com'])];
    golden('issuers-both-staging', input(p, s, { acmeIssuer: 'both', acmeStaging: true }));
    golden('issuers-zerossl', input(p, s, { acmeIssuer: 'zerossl', acmeEmail: undefined }));
    golden('issuers-custom-ca', input(p, s, {
      acmeCa: 'https://127.0.0.1:14000/dir', acmeTrustedRootsPemFiles: ['/tmp/pebble/ca.pem'], daemonUrl: 'http://127.0.0.1:9999/',
    }));
  });

  it('skips unreadable, invalid and unknown providers, reports them without secrets, and never throws', () => {
    const i = input(
      [
        provider('p-bad', 'cloudflare', null, { credentialsUnreadable: true }),
        provider('p-invalid', 'cloudflare', { api_token: '' , zone_token: 'leak-me-not-0001' }),
        provider('p-unknown', 'powerdns-magic', { api_key: 'x' }),
        provider('p-ok', 'hetzner', { api_token: 'hz-token' }),
        provider('p-rfc-broken', 'rfc2136', { nameserver: '10.0.0.1' }, { caddyMode: 'native' }),
      ],
      [
        site('s1', 'p-bad', ['bad.example.com']),
        site('s2', 'p-invalid', ['invalid.example.com']),
        site('s3', 'p-unknown', ['unknown.example.com']),
        site('s4', 'p-ok', ['ok.example.com']),
        site('s5', 'p-rfc-broken', ['rfc.example.com']),
      ],
    );
    const r = buildTlsPolicies(i);
    expect(r.policies.map((p) => p['@id'])).toEqual(['dns01-proxy-p-ok']);
    expect(r.skipped.map((s) => [s.providerId, s.reason])).toEqual([
      ['p-bad', 'credentials_unreadable'],
      ['p-invalid', 'credentials_invalid'],
      ['p-rfc-broken', 'credentials_invalid'],
      ['p-unknown', 'unknown_type'],
    ]);
    expect(JSON.stringify(r.skipped)).not.toContain('leak-me-not');
    golden('skipped', i);
  });

  it('leaves out disabled providers and sites, and providers without names (no catch-all policy)', () => {
    const r = buildTlsPolicies(input(
      [provider('p1', 'webhook', {}), provider('p2', 'webhook', {}, { enabled: false }), provider('p3', 'webhook', {})],
      [site('s1', 'p1', ['on.example.com']), site('s2', 'p1', ['off.example.com'], false), site('s3', 'p2', ['p2.example.com'])],
    ));
    expect(r.policies).toHaveLength(1);
    expect(r.policies[0]!.subjects).toEqual(['on.example.com']);
    expect(r.skipped).toEqual([]);
  });

  it('gives a name claimed by two providers to the first by id, and reports the conflict', () => {
    const r = buildTlsPolicies(input(
      [provider('b', 'webhook', {}), provider('a', 'webhook', {})],
      [site('s1', 'b', ['shared.example.com', 'b.example.com']), site('s2', 'a', ['Shared.example.com'])],
    ));
    expect(r.policies.map((p) => [p['@id'], p.subjects])).toEqual([
      ['dns01-proxy-a', ['shared.example.com']],
      ['dns01-proxy-b', ['b.example.com']],
    ]);
    expect(r.conflicts).toEqual([{ subject: 'shared.example.com', providerIds: ['a', 'b'], chosen: 'a' }]);
  });

  it('writes acmeproxy with the internal token only inside the policy, pointing at the per-provider endpoint', () => {
    const r = buildTlsPolicies(input([provider('id/with space', 'manual', {})], [site('s', 'id/with space', ['m.example.com'])]));
    const dns = (r.policies[0]!.issuers[0]!.challenges as { dns: { provider: Record<string, string> } }).dns;
    expect(dns.provider).toEqual({
      name: 'acmeproxy',
      endpoint: 'http://127.0.0.1:8053/internal/dns-challenge/providers/id%2Fwith%20space',
      username: 'caddy',
      password: TOKEN,
    });
  });

  it('formats durations as Go strings (a bare integer would be nanoseconds)', () => {
    expect([goDuration(120), goDuration(90), goDuration(7200), goDuration(45), goDuration(-1)]).toEqual(['2m', '90s', '2h', '45s', -1]);
  });
});

describe('zone-specific credentials', () => {
  const zoned = () =>
    input(
      [
        provider('p-cf', 'cloudflare', { api_token: 'cf-own' }, {
          credentialSets: [
            credential('c-all', 1, '', { api_token: 'cf-catch-all' }),
            credential('c-wild', 2, '*.example.com', { api_token: 'cf-wild' }, { propagationTimeout: 300 }),
            credential('c-exact', 3, 'shop.example.com,example.org', { api_token: 'cf-exact' }),
            credential('c-off', 4, 'off.example.com', { api_token: 'cf-off' }, { enabled: false }),
            credential('c-unused', 5, 'unused.example.net', { api_token: 'cf-unused' }),
          ],
        }),
        provider('p-hook', 'webhook', {}, { credentialSets: [credential('h-1', 1, 'a.example.test', {})] }),
      ],
      [
        site('s1', 'p-cf', ['shop.example.com', 'www.example.com', '*.example.com', 'example.org', 'off.example.com', 'other.example.net']),
        site('s2', 'p-hook', ['a.example.test', 'b.example.test']),
      ],
    );
  const tokenOf = (p: { issuers: Record<string, unknown>[] }) => ((p.issuers[0]!.challenges as { dns: { provider: { api_token: string } } }).dns.provider.api_token);

  it('a native type gets one policy per credential, with the names it is chosen for, oldest credential first; a proxied type keeps one', () => {
    const r = buildTlsPolicies(zoned());
    expect(r.policies.map((p) => [p['@id'], p.subjects, p['@id'].startsWith('dns01-proxy-p-cf') ? tokenOf(p) : null])).toEqual([
      ['dns01-proxy-p-cf-c-all', ['other.example.net'], 'cf-catch-all'],
      ['dns01-proxy-p-cf-c-wild', ['*.example.com', 'off.example.com', 'www.example.com'], 'cf-wild'],
      ['dns01-proxy-p-cf-c-exact', ['example.org', 'shop.example.com'], 'cf-exact'],
      // The daemon chooses per challenge, so Caddy sees the proxied provider once, all names included.
      ['dns01-proxy-p-hook', ['a.example.test', 'b.example.test'], null],
    ]);
    // Each policy carries its credential's own propagation timeout.
    const wild = r.policies[1]!.issuers[0]!.challenges as { dns: { propagation_timeout: string } };
    expect(wild.dns.propagation_timeout).toBe('5m');
    expect(r.skipped).toEqual([]);
    expect(Object.keys(r.owners)).toEqual(r.policies.map((p) => p['@id']));
  });

  it('reports names no credential covers and credentials that give no module, without their secrets', () => {
    const r = buildTlsPolicies(input(
      [provider('p-cf', 'cloudflare', { api_token: 'cf-own' }, {
        credentialSets: [credential('c-a', 1, 'a.example.com', { api_token: '' }), credential('c-b', 2, 'b.example.com', null)],
      })],
      [site('s1', 'p-cf', ['a.example.com', 'b.example.com', 'c.example.com'])],
    ));
    expect(r.policies).toEqual([]);
    expect(r.skipped.map((s) => [s.name, s.reason])).toEqual([
      ['cloudflare-p-cf', 'no_matching_credential'],
      ['cloudflare-p-cf / label-c-a', 'credentials_invalid'],
      ['cloudflare-p-cf / label-c-b', 'credentials_unreadable'],
    ]);
    expect(r.skipped[0]!.message).toContain('c.example.com');
  });

  it('same rows and sites in any order give byte-identical JSON', () => {
    const base = zoned();
    const expected = buildCaddyConfigJson(base);
    for (let seed = 1; seed <= 25; seed++) {
      const shuffled: BuilderInput = {
        ...base,
        providers: base.providers.map((p) => ({ ...p, credentialSets: shuffle(p.credentialSets ?? [], seed) })),
        sites: shuffle(base.sites, seed).map((s) => ({ ...s, domainNames: shuffle(s.domainNames, seed * 3) })),
      };
      expect(buildCaddyConfigJson(shuffled)).toBe(expected);
    }
  });
});

describe('determinism', () => {
  it('same input in any order gives byte-identical JSON', () => {
    const base = mixed();
    const expected = buildCaddyConfigJson(base);
    for (let seed = 1; seed <= 25; seed++) {
      const shuffled: BuilderInput = {
        ...base,
        providers: shuffle(base.providers, seed).map((p) => ({ ...p, credentials: p.credentials && Object.fromEntries(shuffle(Object.entries(p.credentials), seed)) })),
        sites: shuffle(base.sites, seed * 7).map((s) => ({ ...s, domainNames: shuffle(s.domainNames, seed * 13) })),
        settings: Object.fromEntries(shuffle(Object.entries(base.settings), seed)) as BuilderInput['settings'],
      };
      expect(buildCaddyConfigJson(shuffled)).toBe(expected);
    }
  });
});
