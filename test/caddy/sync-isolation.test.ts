// One provider's policy that Caddy refuses (a DNS module it lacks) no longer stops the sync for everyone:
// against the built Caddy (dns.providers.acmeproxy, no cloudflare/route53), alone and through the daemon.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaddyAdminClient, CaddyAdminError } from '../../src/caddy/admin-client.js';
import { buildTlsPolicies } from '../../src/caddy/builder.js';
import { CaddySync } from '../../src/caddy/sync.js';
import type { CaddyPolicy } from '../../src/caddy/types.js';
import { buildCaddyWithAcmeproxy, startCaddy, type RunningCaddy } from '../support/caddy.js';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { freePort } from '../support/ports.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { input, provider, site } from './fixtures.js';
import { OPERATOR_POLICY, countingClient, eventually, operatorConfig, recordingLog } from './helpers.js';

const CF_TOKEN = 'cf-secret-token-value';
const R53_SECRET = 'r53-secret-access-key-value';

let binary: string;
let caddy: RunningCaddy;

beforeAll(async () => {
  binary = await buildCaddyWithAcmeproxy();
  caddy = await startCaddy({ binary, config: operatorConfig() });
}, 900_000);
afterAll(async () => {
  await caddy?.stop();
});

/**
 * Caddy's policies, read on a fresh connection each time: Caddy restarts its admin listener on config
 * loads (also on a refused one), so a pooled keep-alive socket, or a read at that moment, can be cut.
 */
async function policies(): Promise<CaddyPolicy[]> {
  const client = new CaddyAdminClient(caddy.adminUrl, { timeoutMs: 5000 });
  for (let attempt = 1; ; attempt++) {
    try {
      return (await client.readPolicies()) as CaddyPolicy[];
    } catch (err) {
      // A read that raced the daemon's push into a listener restart: read again.
      if (!(err instanceof CaddyAdminError && err.kind === 'unreachable') || attempt >= 20) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
const ids = (ps: { '@id': string }[]) => ps.map((p) => p['@id']);

/** Three webhook providers (acmeproxy: Caddy has it) around a cloudflare and a route53 one (Caddy lacks both). */
function mixed(cfNames = ['cf.example.test']) {
  return buildTlsPolicies(input(
    [
      provider('p-a', 'webhook', {}),
      provider('p-cf', 'cloudflare', { api_token: CF_TOKEN }),
      provider('p-m', 'webhook', {}),
      provider('p-r53', 'route53', { access_key_id: 'AKIAEXAMPLE', secret_access_key: R53_SECRET, region: 'eu-west-1' }),
      provider('p-z', 'webhook', {}),
    ],
    [
      site('s-a', 'p-a', ['a.example.test']),
      site('s-cf', 'p-cf', cfNames),
      site('s-m', 'p-m', ['m.example.test']),
      site('s-r53', 'p-r53', ['r53.example.test']),
      site('s-z', 'p-z', ['z.example.test']),
    ],
  ));
}

/**
 * One sync run as asked, then again while it failed only because Caddy's admin listener was restarting
 * (Caddy restarts it on config loads, refused ones too). `pushes` counts the last, successful run only.
 */
async function settled(sync: CaddySync, client: { pushes: number }, opts: { verify?: boolean; retryRefused?: boolean } = {}) {
  let before = client.pushes;
  let state = await sync.syncNow(opts);
  for (let i = 0; i < 10 && state.consecutiveFailures > 0 && /unreachable/.test(state.lastError ?? ''); i++) {
    before = client.pushes;
    state = await sync.syncNow({ ...opts, verify: true });
  }
  expect(state, 'a sync run that did not fail').toMatchObject({ consecutiveFailures: 0, lastError: null });
  return { state, pushes: client.pushes - before };
}

describe('CaddySync isolates the policies Caddy refuses', () => {
  it('pushes the rest, names each refused provider with Caddy\'s reason, bounded and deterministic; no flapping', async () => {
    await caddy.restart();
    const log = recordingLog();
    const client = countingClient(new CaddyAdminClient(caddy.adminUrl, { timeoutMs: 5000 }));
    const box = { built: mixed() };
    const runs: string[] = [];
    const sync = new CaddySync({
      client, build: async () => box.built, intervalMs: 60_000, log,
      metrics: { onRun: (o) => { runs.push(o); } },
    });

    const { state: st, pushes: firstPushes } = await settled(sync, client);
    expect(st.inSync).toBe(false);
    expect(st.refused.map((r) => [r.providerId, r.name])).toEqual([['p-cf', 'cloudflare-p-cf'], ['p-r53', 'route53-p-r53']]);
    expect(st.refused[0]!.reason).toMatch(/unknown module: dns\.providers\.cloudflare/);
    expect(st.refused[1]!.reason).toMatch(/unknown module: dns\.providers\.route53/);
    const want = box.built.policies.filter((p) => !['dns01-proxy-p-cf', 'dns01-proxy-p-r53'].includes(p['@id']));
    expect(await policies()).toEqual([...want, OPERATOR_POLICY]);
    // 5 new policies, 2 refused: at most 2 pushes per new policy.
    expect(firstPushes).toBeLessThanOrEqual(2 * 5);
    expect(runs.filter((r) => r !== 'failed')).toEqual(['refused']);
    expect(JSON.stringify([st, log.lines])).not.toContain(CF_TOKEN);
    expect(JSON.stringify([st, log.lines])).not.toContain(R53_SECRET);

    // Unchanged refused policies are not offered again: a change notification and the periodic check push nothing.
    const quiet = [await settled(sync, client, { verify: false }), await settled(sync, client, { verify: true })];
    expect(quiet.map((q) => q.pushes)).toEqual([0, 0]);
    expect(runs.filter((r) => r !== 'failed').slice(1)).toEqual(['unchanged', 'unchanged']);
    expect(sync.state().refused.map((r) => r.providerId)).toEqual(['p-cf', 'p-r53']);

    // A change to the refused provider's policy is offered at once: refused again, the others untouched.
    const before = sync.state().refused[0]!.refusedAt;
    box.built = mixed(['cf.example.test', 'cf2.example.test']);
    const { state: again, pushes: retryPushes } = await settled(sync, client, { verify: false });
    expect(retryPushes).toBeGreaterThan(0);
    expect(again.refused.map((r) => r.providerId)).toEqual(['p-cf', 'p-r53']);
    expect(again.refused[0]!.refusedAt.getTime()).toBeGreaterThanOrEqual(before.getTime());
    expect(again.refused[0]!.refusedAt).not.toBe(before);
    expect(await policies()).toEqual([...want, OPERATOR_POLICY]);

    // The same input against the same Caddy state gives the same result.
    await sync.stop();
    await caddy.restart();
    const client2 = countingClient(new CaddyAdminClient(caddy.adminUrl, { timeoutMs: 5000 }));
    box.built = mixed();
    const sync2 = new CaddySync({ client: client2, build: async () => box.built, intervalMs: 60_000, log: recordingLog() });
    const { state: st2, pushes: pushes2 } = await settled(sync2, client2);
    expect(pushes2).toBeLessThanOrEqual(2 * 5);
    // Caddy's own path to the error depends on Go map order (http or tls app first); its cause does not.
    const cause = (r: { providerId: string; reason: string }) => [r.providerId, r.reason.slice(r.reason.lastIndexOf('unknown module'))];
    expect(st2.refused.map(cause)).toEqual(st.refused.map(cause));
    expect(await policies()).toEqual([...want, OPERATOR_POLICY]);

    // The provider is gone: its report goes, and nothing needs pushing for it.
    box.built = { ...box.built, policies: box.built.policies.filter((p) => p['@id'] !== 'dns01-proxy-p-r53') };
    const gone = await settled(sync2, client2, { verify: false });
    expect(gone.state.refused.map((r) => r.providerId)).toEqual(['p-cf']);
    expect(gone.pushes).toBe(0);
    await sync2.stop();
  });

  it('offers an unchanged refused policy again once its retry is due, and on demand', async () => {
    await caddy.restart();
    const client = countingClient(new CaddyAdminClient(caddy.adminUrl, { timeoutMs: 5000 }));
    const built = mixed();
    const log = recordingLog();
    const sync = new CaddySync({ client, build: async () => built, intervalMs: 60_000, retryRefusedMs: 0, log });
    const { state: first } = await settled(sync, client);
    // Due at once (retryRefusedMs 0): the full set is offered, then each refused one alone, then the known-good rest.
    const retried = await settled(sync, client, { verify: false });
    expect(retried.pushes, JSON.stringify([first, retried, log.lines])).toBe(4);
    expect(retried.state.refused.map((r) => r.providerId)).toEqual(first.refused.map((r) => r.providerId));
    await sync.stop();

    const slowLog = recordingLog();
    const slow = new CaddySync({ client, build: async () => built, intervalMs: 60_000, log: slowLog });
    await settled(slow, client);
    expect((await settled(slow, client)).pushes, JSON.stringify(slowLog.lines)).toBe(0);
    expect((await settled(slow, client, { retryRefused: true })).pushes).toBe(4);
    await slow.stop();
  });
});

/** One sample of a Prometheus metric, or undefined when that series is absent. */
async function sample(d: TestDaemon, series: string): Promise<number | undefined> {
  const text = await (await fetch(`${d.url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : undefined;
}

interface Refused { id: string; name: string; reason: string; refused_at: string }

async function readyCaddy(d: TestDaemon): Promise<{ in_sync: boolean; consecutive_failures: number; refused_providers: Refused[] }> {
  const res = await fetch(`${d.url}/ready`, { signal: AbortSignal.timeout(5000) });
  return ((await res.json()) as { checks: { caddy: { in_sync: boolean; consecutive_failures: number; refused_providers: Refused[] } } }).checks.caddy;
}

async function apiRefused(d: TestDaemon): Promise<Refused[]> {
  const res = await d.admin('/caddy/config');
  expect(res.status).toBe(200);
  const text = await res.text();
  // The preview masks what Caddy gets in clear: the provider's token and the internal token.
  expect(text).not.toContain(CF_TOKEN);
  expect(text).not.toContain(d.internalToken);
  return (JSON.parse(text) as { refused: Refused[] }).refused;
}

async function addSite(d: TestDaemon, providerId: string, names: string[]): Promise<string> {
  const res = await d.admin('/sites', { method: 'POST', body: { domain_names: names, dns_provider_id: providerId } });
  const body = (await res.json()) as { site?: { id: string } };
  if (res.status !== 201 || !body.site) throw new Error(`site: ${res.status} ${JSON.stringify(body)}`);
  return body.site.id;
}

const policyIds = async () => ids(await policies());

describe('the daemon with a cloudflare provider its Caddy cannot load', () => {
  let d: TestDaemon;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    await caddy.restart();
    receiver = await startWebhookReceiver();
    const port = await freePort();
    d = await startTestDaemon({
      jobs: true,
      env: {
        DNS01_PORT: String(port),
        DNS01_INTERNAL_URL: `http://127.0.0.1:${port}`,
        DNS01_CADDY_ADMIN_URL: caddy.adminUrl,
        DNS01_CADDY_SYNC_INTERVAL: '60s',
        DNS01_DNS_RESOLVERS: `127.0.0.1:${await freePort()}`,
      },
    });
  }, 120_000);
  afterAll(async () => {
    await d?.stop();
    await receiver?.stop();
  });

  it('refuses cloudflare alone, lands the acmeproxy policies, reports it in /ready, the API and /metrics; deleting it clears the report', async () => {
    const hook = await d.addProvider({ name: 'hook-1', provider_type: 'webhook', credentials: { create_url: receiver.url, max_retries: 0, timeout_seconds: 5 } });
    await addSite(d, hook, ['hook.example.test']);
    await eventually('the webhook policy in Caddy', async () => (await policyIds()).includes(`dns01-proxy-${hook}`));

    const cf = await d.addProvider({ name: 'cf-1', provider_type: 'cloudflare', credentials: { api_token: CF_TOKEN } });
    const cfSite = await addSite(d, cf, ['cf.example.test']);
    await eventually('the refusal in /ready', async () => (await readyCaddy(d)).refused_providers.length === 1);

    // A provider added after the refusal still lands: cloudflare no longer blocks the others.
    const hook2 = await d.addProvider({ name: 'hook-2', provider_type: 'webhook', credentials: { create_url: receiver.url, max_retries: 0, timeout_seconds: 5 } });
    await addSite(d, hook2, ['hook2.example.test']);
    await eventually('the second webhook policy in Caddy', async () => (await policyIds()).includes(`dns01-proxy-${hook2}`));
    const inCaddy = await policies();
    expect(ids(inCaddy).sort()).toEqual([`dns01-proxy-${hook}`, `dns01-proxy-${hook2}`, 'operator-policy'].sort());
    const endpoint = (p: CaddyPolicy) => (p.issuers[0] as { challenges: { dns: { provider: { name: string; endpoint: string } } } }).challenges.dns.provider;
    expect(endpoint(inCaddy.find((p) => p['@id'] === `dns01-proxy-${hook2}`)!)).toMatchObject({
      name: 'acmeproxy', endpoint: `${d.url}/internal/dns-challenge/providers/${hook2}`,
    });

    const ready = await readyCaddy(d);
    expect(ready).toMatchObject({ in_sync: false, consecutive_failures: 0 });
    expect(ready.refused_providers).toEqual([{ id: cf, name: 'cf-1', reason: expect.stringMatching(/unknown module: dns\.providers\.cloudflare/), refused_at: expect.any(String) }]);
    expect(await apiRefused(d)).toEqual(ready.refused_providers);
    expect(await sample(d, `dns01_caddy_policies_refused{provider="cf-1"}`)).toBe(1);
    expect(await sample(d, 'dns01_caddy_sync_pushes_total{outcome="refused"}')).toBeGreaterThanOrEqual(1);
    for (const text of [JSON.stringify(ready), d.logs()]) {
      expect(text).not.toContain(CF_TOKEN);
      expect(text).not.toContain(d.internalToken);
    }

    // On demand it is offered again (and refused again); the others stay.
    const res = await d.admin('/caddy/sync', { method: 'POST' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { sync: { refused_providers: Refused[] } };
    expect(body.sync.refused_providers.map((r) => r.id)).toEqual([cf]);
    expect(body.sync.refused_providers[0]!.refused_at >= ready.refused_providers[0]!.refused_at).toBe(true);

    expect((await d.admin(`/sites/${cfSite}`, { method: 'DELETE' })).status).toBeLessThan(300);
    const del = await d.admin(`/dns-providers/${cf}`, { method: 'DELETE' });
    expect(del.status, await del.clone().text()).toBeLessThan(300);
    await eventually('the refusal cleared in /ready', async () => (await readyCaddy(d)).refused_providers.length === 0);
    expect(await readyCaddy(d)).toMatchObject({ in_sync: true, consecutive_failures: 0 });
    expect(await apiRefused(d)).toEqual([]);
    expect(await sample(d, `dns01_caddy_policies_refused{provider="cf-1"}`)).toBeUndefined();
    expect((await policyIds()).sort()).toEqual([`dns01-proxy-${hook}`, `dns01-proxy-${hook2}`, 'operator-policy'].sort());
  });
});
