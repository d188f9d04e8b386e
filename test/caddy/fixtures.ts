// Builder inputs shared by the Caddy tests and the builder benchmark: built-in plugins plus stand-ins for proxied types.
import { z } from 'zod';
import { builtin } from '../../src/plugins/shared.js';
import type { AnyProviderPlugin, ProviderPlugin } from '../../src/plugin-api/index.js';
import type { BuilderCredential, BuilderInput, BuilderProvider, BuilderSettings, BuilderSite } from '../../src/caddy/types.js';
import { cloudflare } from '../../src/plugins/cloudflare/index.js';
import { route53 } from '../../src/plugins/route53/index.js';
import { digitalocean } from '../../src/plugins/digitalocean/index.js';
import { googleclouddns } from '../../src/plugins/googleclouddns/index.js';
import { azure } from '../../src/plugins/azure/index.js';
import { namecheap } from '../../src/plugins/namecheap/index.js';
import { godaddy } from '../../src/plugins/godaddy/index.js';
import { hetzner } from '../../src/plugins/hetzner/index.js';
import { vultr } from '../../src/plugins/vultr/index.js';
import { dnsimple } from '../../src/plugins/dnsimple/index.js';
import { rfc2136 } from '../../src/plugins/rfc2136/index.js';

/**
 * A type with `present` and no Caddy module always becomes acmeproxy, so these stand in for the
 * webhook/script/manual plugins built elsewhere in the tree.
 */
function proxied(type: string): ProviderPlugin<Record<string, unknown>> {
  return {
    metadata: builtin(type, type, `${type} (proxied)`),
    credentials: z.record(z.string(), z.unknown()),
    defaults: { propagationTimeout: 120, pollingInterval: 2, ttl: 60 },
    present: async () => ({}),
    cleanup: async () => undefined,
  };
}

export const BUILTIN_PLUGINS: Record<string, AnyProviderPlugin> = {
  cloudflare, route53, digitalocean, googleclouddns, azure, namecheap, godaddy, hetzner, vultr, dnsimple,
};

export const PLUGINS: Record<string, AnyProviderPlugin> = {
  ...BUILTIN_PLUGINS,
  webhook: proxied('webhook'),
  script: proxied('script'),
  manual: proxied('manual'),
  external: proxied('external'),
  rfc2136,
};

export const TOKEN = 'internal-token-0123456789abcdef';

export const SETTINGS: BuilderSettings = {
  acmeIssuer: 'letsencrypt',
  acmeEmail: 'ops@example.test',
  acmeStaging: false,
  daemonUrl: 'http://127.0.0.1:8053',
  acmeproxyPassword: TOKEN,
};

export function provider(id: string, type: string, credentials: Record<string, unknown> | null, extra: Partial<BuilderProvider> = {}): BuilderProvider {
  return { id, name: `${type}-${id}`, type, enabled: true, credentials, propagationTimeout: 120, pollingInterval: 2, ...extra };
}

/** A zone-specific credential row; `n` orders them by age (created_at). */
export function credential(id: string, n: number, zoneFilter: string, credentials: Record<string, unknown> | null, extra: Partial<BuilderCredential> = {}): BuilderCredential {
  return { id, label: `label-${id}`, zoneFilter, enabled: true, createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(), credentials, propagationTimeout: 120, ...extra };
}

export function site(id: string, providerId: string, domainNames: string[], enabled = true): BuilderSite {
  return { id, providerId, domainNames, enabled };
}

export function input(providers: BuilderProvider[], sites: BuilderSite[], settings: Partial<BuilderSettings> = {}): BuilderInput {
  return { providers, sites, settings: { ...SETTINGS, ...settings }, plugins: PLUGINS };
}

/** One Cloudflare provider: stock Caddy has no dns.providers.cloudflare, so it rejects this (a real 400). */
export function cloudflareInput(domains: string[]): BuilderInput {
  return input([provider('p-cf', 'cloudflare', { api_token: 'cf-secret-token-value' })], [site('s1', 'p-cf', domains)]);
}

/** Deterministic shuffle (seeded) so a failing determinism test can be replayed. */
export function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let x = seed || 1;
  for (let i = out.length - 1; i > 0; i--) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const j = x % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
