// The real-Caddy rig: Debian's Caddy 2.6.2 built with upstream's dns.providers.acmeproxy module accepts what the builder writes.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaddyAdminClient } from '../../src/caddy/admin-client.js';
import { buildTlsPolicies } from '../../src/caddy/builder.js';
import { CaddySync } from '../../src/caddy/sync.js';
import { makeLocalhostTls } from '../support/openssl.js';
import { buildCaddyWithAcmeproxy, startCaddy, type RunningCaddy } from '../support/caddy.js';
import { z } from 'zod';
import { builtin } from '../../src/plugins/shared.js';
import type { ProviderPlugin } from '../../src/plugin-api/index.js';
import { PLUGINS, SETTINGS, TOKEN, credential, input, provider, site } from './fixtures.js';
import { OPERATOR_POLICY, caddyGet, operatorConfig, recordingLog } from './helpers.js';

let binary: string;
let caddy: RunningCaddy;
let tlsDir: string;
let caPem: string;

beforeAll(async () => {
  // Cold: apt source + build-dep + go build (one to two minutes); afterwards the cached binary.
  binary = await buildCaddyWithAcmeproxy();
  caddy = await startCaddy({ binary, config: operatorConfig() });
  tlsDir = await mkdtemp(join(tmpdir(), 'dns01-caddy-roots-'));
  caPem = (await makeLocalhostTls(tlsDir)).caCertPath;
}, 900_000);

afterAll(async () => {
  await caddy?.stop();
  if (tlsDir) await rm(tlsDir, { recursive: true, force: true });
});

/** Every issuer shape and proxied type the builder writes, pointed at a custom CA as a Pebble test would. */
function everythingProxied() {
  return input(
    [
      provider('p-hook', 'webhook', {}, { resolvers: ['127.0.0.1:1053'] }),
      provider('p-script', 'script', {}, { propagationTimeout: -1 }),
      provider('p-manual', 'manual', {}, { propagationTimeout: 600 }),
      provider('p-ext', 'external', {}),
      provider('p-rfc', 'rfc2136', { nameserver: '127.0.0.1', tsig_key_name: 'k', tsig_algorithm: 'hmac-sha256', tsig_key_secret: 'c2VjcmV0' }),
    ],
    [
      site('s1', 'p-hook', ['hook.example.test', '*.hook.example.test']),
      site('s2', 'p-script', ['script.example.test']),
      site('s3', 'p-manual', ['manual.example.test']),
      site('s4', 'p-ext', ['ext.example.test']),
      site('s5', 'p-rfc', ['rfc.example.test']),
    ],
    { acmeIssuer: 'both', acmeCa: 'https://127.0.0.1:14000/dir', acmeTrustedRootsPemFiles: [caPem] },
  );
}

describe('Caddy 2.6.2 with upstream dns.providers.acmeproxy (caddy-dns/acmeproxy v1.0.6)', () => {
  it('lists the module', async () => {
    const { stdout } = await promisify(execFile)(binary, ['list-modules'], { timeout: 30_000 });
    expect(stdout.split('\n')).toContain('dns.providers.acmeproxy');
    expect(stdout.split('\n')).toContain('tls.issuance.acme');
  });

  it("loads every acmeproxy policy shape the builder writes (Caddy's strict decoder accepts our field names)", async () => {
    const { policies, skipped } = buildTlsPolicies(everythingProxied());
    expect(skipped).toEqual([]);
    expect(policies).toHaveLength(5);
    const log = recordingLog();
    const sync = new CaddySync({
      client: new CaddyAdminClient(caddy.adminUrl, { timeoutMs: 10_000, secrets: () => [TOKEN] }),
      build: async () => ({ policies, skipped }),
      intervalMs: 60_000,
      log,
    });
    const st = await sync.syncNow();
    expect(st.lastError).toBeNull();
    expect(st.inSync).toBe(true);
    const have = (await caddyGet(caddy.adminUrl, 'apps/tls/automation/policies')) as unknown[];
    expect(have).toEqual([...policies, OPERATOR_POLICY]);
    expect(JSON.stringify(log.lines)).not.toContain(TOKEN);
    // Upstream's module (not a stand-in) provisioned each policy's provider: it logs user and endpoint, never the password.
    const endpoint = `${SETTINGS.daemonUrl}/internal/dns-challenge/providers/p-hook`;
    expect(caddy.output()).toContain(`Provisioning with username: [caddy] to endpoint [${endpoint}]`);
    expect(caddy.output()).not.toContain(TOKEN);
    await sync.stop();
  });

  it('still rejects a module it does not have (cloudflare), naming it, and keeps the acmeproxy policies', async () => {
    const good = buildTlsPolicies(everythingProxied()).policies;
    const cf = buildTlsPolicies(input([provider('p-cf', 'cloudflare', { api_token: 'cf-secret-token-value' })], [site('s', 'p-cf', ['cf.example.test'])])).policies;
    const client = new CaddyAdminClient(caddy.adminUrl, { timeoutMs: 10_000 });
    await client.replaceOwnedPolicies(good);
    const err = await client.replaceOwnedPolicies([...good, ...cf]).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/unknown module: dns\.providers\.cloudflare/);
    expect((err as Error).message).not.toContain('cf-secret-token-value');
    expect(await client.readOwnedPolicies()).toEqual(good);
  });

  it('loads the per-credential policies of a Caddy-native type with zone-specific credentials, each provisioning its own credential', async () => {
    // A native type (its own Caddy module, no present) whose module this Caddy has: acmeproxy, configured from the credential.
    const zonedNative: ProviderPlugin<{ endpoint: string; username: string; password: string }> = {
      metadata: builtin('zoned-native', 'Zoned native', 'stand-in for a Caddy-native type'),
      credentials: z.object({ endpoint: z.string(), username: z.string(), password: z.string().meta({ secret: true }) }).strict(),
      defaults: { propagationTimeout: 120, pollingInterval: 5, ttl: 60 },
      caddyConfig: (c) => ({ name: 'acmeproxy', endpoint: c.endpoint, username: c.username, password: c.password }),
    };
    const creds = (user: string) => ({ endpoint: `http://127.0.0.1:9/${user}`, username: user, password: `secret-of-${user}` });
    const base = input(
      [provider('p-zoned', 'zoned-native', creds('own'), {
        credentialSets: [
          credential('c-all', 1, '', creds('catch-all')),
          credential('c-wild', 2, '*.zone-a.test', creds('zone-a'), { propagationTimeout: 300 }),
          credential('c-exact', 3, 'exact.zone-b.test', creds('zone-b')),
        ],
      })],
      [site('s1', 'p-zoned', ['zone-a.test', '*.zone-a.test', 'exact.zone-b.test', 'other.test'])],
      { acmeCa: 'https://127.0.0.1:14000/dir', acmeTrustedRootsPemFiles: [caPem] },
    );
    const { policies, skipped } = buildTlsPolicies({ ...base, plugins: { ...PLUGINS, 'zoned-native': zonedNative } });
    expect(skipped).toEqual([]);
    expect(policies.map((p) => [p['@id'], p.subjects])).toEqual([
      ['dns01-proxy-p-zoned-c-all', ['other.test']],
      ['dns01-proxy-p-zoned-c-wild', ['*.zone-a.test', 'zone-a.test']],
      ['dns01-proxy-p-zoned-c-exact', ['exact.zone-b.test']],
    ]);
    const client = new CaddyAdminClient(caddy.adminUrl, { timeoutMs: 10_000 });
    await client.replaceOwnedPolicies(policies);
    expect(await client.readOwnedPolicies()).toEqual(policies);
    // Caddy provisioned each policy's module with that policy's own credential.
    for (const user of ['catch-all', 'zone-a', 'zone-b']) {
      await expect.poll(() => caddy.output()).toContain(`Provisioning with username: [${user}] to endpoint [http://127.0.0.1:9/${user}]`);
    }
    expect(caddy.output()).not.toContain('username: [own]');
  });
});
