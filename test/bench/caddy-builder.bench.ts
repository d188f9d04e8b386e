// Benchmark (plain tsx script, not a vitest test): Caddy policy build time for 10,000 sites across 100 providers.
// Run: npx tsx test/bench/caddy-builder.bench.ts [runs]
import { buildCaddyConfigJson, buildTlsPolicies } from '../../src/caddy/builder.js';
import type { BuilderProvider, BuilderSite } from '../../src/caddy/types.js';
import { input, provider, site } from '../caddy/fixtures.js';
import { busyTag, quietMachine } from './lib.js';

const PROVIDERS = 100;
const SITES = 10_000;
// The first plain argument; `npm run bench` passes --options on, which are not this.
const RUNS = Number(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 20);

const types = ['cloudflare', 'route53', 'hetzner', 'webhook', 'script', 'rfc2136', 'manual', 'dnsimple', 'vultr', 'godaddy'];
const creds: Record<string, Record<string, unknown>> = {
  cloudflare: { api_token: 'cf-token-0123456789' },
  route53: { access_key_id: 'AKIAEXAMPLE', secret_access_key: 'secret-0123456789', region: 'eu-west-1' },
  hetzner: { api_token: 'hz-token-0123456789' },
  dnsimple: { api_access_token: 'dnsimple-0123456789', account_id: '1234' },
  vultr: { api_token: 'vultr-0123456789' },
  godaddy: { api_token: 'key0123:secret0123' },
  rfc2136: { nameserver: '10.0.0.53', tsig_key_name: 'acme', tsig_algorithm: 'hmac-sha256', tsig_key_secret: 'c2VjcmV0' },
};

const providers: BuilderProvider[] = [];
for (let i = 0; i < PROVIDERS; i++) {
  const type = types[i % types.length]!;
  providers.push(provider(`prov-${String(i).padStart(3, '0')}`, type, creds[type] ?? {}, type === 'rfc2136' && i % 2 === 0 ? { caddyMode: 'native' } : {}));
}
const sites: BuilderSite[] = [];
for (let i = 0; i < SITES; i++) {
  const p = providers[i % PROVIDERS]!;
  // Apex + wildcard per site, as most DNS-01 users ask for.
  sites.push(site(`site-${i}`, p.id, [`s${i}.zone${i % 500}.example.com`, `*.s${i}.zone${i % 500}.example.com`]));
}
const data = input(providers, sites, { acmeIssuer: 'both' });

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const quiet = await quietMachine('caddy-builder.bench');
// Warm-up: JIT and zod schema caches, so the first timed run is not an outlier.
buildTlsPolicies(data);

const buildMs: number[] = [];
const jsonMs: number[] = [];
let bytes = 0;
let policies = 0;
for (let r = 0; r < RUNS; r++) {
  const t0 = performance.now();
  const res = buildTlsPolicies(data);
  const t1 = performance.now();
  const json = buildCaddyConfigJson(data, 0);
  const t2 = performance.now();
  buildMs.push(t1 - t0);
  jsonMs.push(t2 - t1);
  bytes = Buffer.byteLength(json);
  policies = res.policies.length;
}
buildMs.sort((a, b) => a - b);
jsonMs.sort((a, b) => a - b);

const f = (n: number) => n.toFixed(1);
console.log(`caddy-builder: ${SITES} sites (${SITES * 2} names), ${PROVIDERS} providers, ${RUNS} runs${busyTag()}`);
console.log(`  buildTlsPolicies      median ${f(percentile(buildMs, 50))} ms  p95 ${f(percentile(buildMs, 95))} ms${busyTag()}`);
console.log(`  buildCaddyConfigJson  median ${f(percentile(jsonMs, 50))} ms  p95 ${f(percentile(jsonMs, 95))} ms (build + stable JSON)${busyTag()}`);
console.log(`  output: ${policies} policies, ${(bytes / 1024).toFixed(0)} KiB of JSON`);
quiet.end();
