// The daemon's Caddy sync against real Caddy admin APIs: the built Caddy (has dns.providers.acmeproxy) and
// Debian's stock Caddy (rejects it). Pushes on start and on change (LISTEN/NOTIFY, also from another
// replica), no-op runs, undecryptable providers, a rejected push, Caddy down and back.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaddyPolicy } from '../../src/caddy/types.js';
import { startCaddy, buildCaddyWithAcmeproxy, caddyAdmin, DEBIAN_CADDY, type RunningCaddy } from '../support/caddy.js';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { freePort } from '../support/ports.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { OPERATOR_LISTEN, acmeproxyPasswords, caddyGet, eventually, masked } from './helpers.js';

const PREFIX = 'dns01-proxy-';

/**
 * Someone else's policy. An acme issuer (never used: nothing asks for that name), not `internal`: the
 * internal issuer makes Caddy install its local root into the system trust store when run as root.
 */
const OPERATOR_POLICY = {
  '@id': 'operator-policy',
  subjects: ['operator.example.test'],
  issuers: [{ module: 'acme', ca: 'https://127.0.0.1:9/directory' }],
};

/** Caddy's own config the daemon must leave alone: an HTTP server and the operator's policy. */
function operatorConfig(): Record<string, unknown> {
  return {
    apps: {
      http: {
        servers: {
          web: { listen: [OPERATOR_LISTEN], routes: [{ handle: [{ handler: 'static_response', body: 'operator' }] }] },
        },
      },
      tls: { automation: { policies: [OPERATOR_POLICY] } },
      pki: { certificate_authorities: { local: { install_trust: false } } },
    },
  };
}

/** Caddy's automation policies right now (none yet -> []). */
async function caddyPolicies(caddy: RunningCaddy): Promise<Record<string, unknown>[]> {
  const { status, text } = await caddyAdmin(caddy.adminUrl, '/config/apps/tls/automation/policies');
  if (status === 400 && /invalid traversal/.test(text)) return [];
  if (status !== 200) throw new Error(`GET policies: ${status} ${text}`);
  return (JSON.parse(text) as Record<string, unknown>[] | null) ?? [];
}

const owned = (ps: Record<string, unknown>[]) => ps.filter((p) => String(p['@id'] ?? '').startsWith(PREFIX));
const policyOf = (ps: Record<string, unknown>[], providerId: string) =>
  ps.find((p) => p['@id'] === `${PREFIX}${providerId}`) as CaddyPolicy | undefined;

/** One sample of a Prometheus metric (0 when absent). */
async function metric(d: TestDaemon, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${d.url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `) || (labels === '' && l.startsWith(`${name} `)));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

interface CaddyCheck {
  enabled: boolean;
  in_sync: boolean;
  consecutive_failures: number;
  last_error: string | null;
  skipped_providers: { id: string; reason: string }[];
  refused_providers: { id: string; name: string; reason: string }[];
}

async function ready(d: TestDaemon): Promise<{ status: number; caddy: CaddyCheck }> {
  const res = await fetch(`${d.url}/ready`, { signal: AbortSignal.timeout(5000) });
  const body = (await res.json()) as { checks: { caddy: CaddyCheck } };
  return { status: res.status, caddy: body.checks.caddy };
}

/** The daemon's view of what it pushes (GET /api/v1/caddy/config). */
async function desired(d: TestDaemon): Promise<{ policies: CaddyPolicy[]; skipped: { providerId: string; reason: string }[] }> {
  const res = await d.admin('/caddy/config');
  expect(res.status).toBe(200);
  const body = (await res.json()) as { apps: { tls: { automation: { policies: CaddyPolicy[] } } }; skipped: { providerId: string; reason: string }[] };
  return { policies: body.apps.tls.automation.policies, skipped: body.skipped };
}

async function addSite(d: TestDaemon, providerId: string, names: string[]): Promise<string> {
  const res = await d.admin('/sites', { method: 'POST', body: { domain_names: names, dns_provider_id: providerId } });
  const body = (await res.json()) as { site?: { id: string } };
  if (res.status !== 201 || !body.site) throw new Error(`site: ${res.status} ${JSON.stringify(body)}`);
  return body.site.id;
}

const webhookProvider = (name: string, receiver: WebhookReceiver, extra: Record<string, unknown> = {}) => ({
  name, provider_type: 'webhook', credentials: { create_url: receiver.url, max_retries: 0, timeout_seconds: 5 }, ...extra,
});

/** A daemon that Caddy can call back: its port is chosen first so DNS01_INTERNAL_URL is right. */
async function daemonFor(caddy: RunningCaddy | null, opts: { interval: string; databaseUrl?: string; env?: Record<string, string> }): Promise<TestDaemon> {
  const port = await freePort();
  return startTestDaemon({
    jobs: true,
    ...(opts.databaseUrl ? { databaseUrl: opts.databaseUrl } : {}),
    env: {
      DNS01_PORT: String(port),
      DNS01_INTERNAL_URL: `http://127.0.0.1:${port}`,
      DNS01_CADDY_SYNC_INTERVAL: opts.interval,
      // Loopback only: the propagation checker and Caddy's resolvers never ask a server off this machine.
      DNS01_DNS_RESOLVERS: `127.0.0.1:${await freePort()}`,
      ...(caddy ? { DNS01_CADDY_ADMIN_URL: caddy.adminUrl } : {}),
      ...opts.env,
    },
  });
}

/**
 * Waits until this daemon LISTENs on the config channel, so a NOTIFY sent now reaches it. Every LISTEN of a daemon
 * runs on one connection, one after another, the config channel's first: pg_stat_activity shows that connection's
 * latest, so any of its LISTENs there means the config channel's is done.
 */
async function listening(db: TestDatabase): Promise<void> {
  const sql = postgres(db.url, { max: 1, onnotice: () => {} });
  try {
    await eventually('the daemon LISTENs for config changes', async () => {
      const rows = await sql`select 1 from pg_stat_activity where datname = current_database() and query ilike 'listen%dns01_%'`;
      return rows.length > 0;
    });
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Create and delete a challenge through the internal API (the daemon's real job), via a webhook provider. */
async function challengeRoundTrip(d: TestDaemon, providerId: string, seed: string): Promise<void> {
  const value = txtValue(seed);
  const created = await d.internal('/create', { body: { provider_id: providerId, fqdn: `_acme-challenge.${seed}.example.test`, value } });
  expect(created.status, await created.clone().text()).toBe(201);
  const { challenge_id: id } = (await created.json()) as { challenge_id: string };
  const del = await d.internal(`/${id}`, { method: 'DELETE' });
  expect(del.status).toBe(200);
  expect(await del.json()).toEqual({ success: true, status: 'deleted' });
  const row = (await (await d.internal(`/${id}`, { method: 'GET' })).json()) as { challenge: { status: string; record_state: string } };
  expect(row.challenge).toMatchObject({ status: 'DELETED', record_state: 'removed' });
}

describe('daemon sync with the built Caddy (dns.providers.acmeproxy), two replicas on one database', () => {
  let caddy: RunningCaddy;
  let db: TestDatabase;
  let d1: TestDaemon; // Caddy URL, interval 60 s: every push seen here within seconds is change-driven
  let d2: TestDaemon; // same database, no Caddy URL, a different encryption key
  let receiver: WebhookReceiver;
  let initialHttp: unknown;
  let p1: string;

  beforeAll(async () => {
    const binary = await buildCaddyWithAcmeproxy();
    caddy = await startCaddy({ binary, config: operatorConfig() });
    initialHttp = await caddyGet(caddy.adminUrl, 'apps/http');
    receiver = await startWebhookReceiver();
    db = await createTestDatabase();
    d1 = await daemonFor(caddy, { interval: '60s', databaseUrl: db.url });
    d2 = await startTestDaemon({ databaseUrl: db.url, env: { DNS01_ENCRYPTION_KEY: randomBytes(32).toString('base64') } });
    await listening(db);
  }, 900_000);

  afterAll(async () => {
    await d2?.stop();
    await d1?.stop();
    await db?.drop();
    await receiver?.stop();
    await caddy?.stop();
  });

  it('pushes a provider\'s policy (our @id, subjects, acmeproxy back to this daemon) on change', async () => {
    p1 = await d1.addProvider(webhookProvider('hook-1', receiver));
    await addSite(d1, p1, ['www.example.test', 'Example.test']);

    await eventually('our policy in Caddy', async () => policyOf(await caddyPolicies(caddy), p1) !== undefined, 20_000);
    const policy = policyOf(await caddyPolicies(caddy), p1)!;
    expect(policy.subjects).toEqual(['example.test', 'www.example.test']);
    expect(policy.issuers).toHaveLength(1);
    const issuer = policy.issuers[0] as { module: string; challenges: { http: unknown; 'tls-alpn': unknown; dns: { provider: Record<string, unknown> } } };
    expect(issuer.module).toBe('acme');
    expect(issuer.challenges.http).toEqual({ disabled: true });
    expect(issuer.challenges['tls-alpn']).toEqual({ disabled: true });
    expect(issuer.challenges.dns.provider).toEqual({
      name: 'acmeproxy',
      endpoint: `${d1.url}/internal/dns-challenge/providers/${p1}`,
      username: 'caddy',
      password: expect.stringMatching(/^dns01ct_/),
    });
    // Caddy's own client token, not the shared one: scoped to what its acmeproxy policies reach, kept by the daemon.
    const [token] = acmeproxyPasswords([policy]);
    expect(token).not.toBe(d1.internalToken);
    const rows = (await d1.api.clientTokens.list()).filter((t) => t.managed_by === 'caddy-sync');
    expect(rows).toEqual([expect.objectContaining({ allowed_domains: ['example.test', 'www.example.test'], providers: [p1], state: 'active' })]);
    expect(JSON.stringify(rows)).not.toContain(token);

    // The admin API shows exactly what Caddy holds as ours, the token masked.
    const { policies } = await desired(d1);
    expect(masked(owned(await caddyPolicies(caddy)), [token!])).toEqual(policies);
    expect(JSON.stringify(policies)).not.toContain(token);
    expect((await ready(d1)).caddy).toMatchObject({ enabled: true, in_sync: true, consecutive_failures: 0, last_error: null });
  });

  it('pushes a new site on change (LISTEN/NOTIFY), not at the 60 s interval', async () => {
    const pushed = await metric(d1, 'dns01_caddy_sync_pushes_total', '{outcome="pushed"}');
    await addSite(d1, p1, ['api.example.test']);
    await eventually('the new subject in Caddy', async () => policyOf(await caddyPolicies(caddy), p1)?.subjects.includes('api.example.test') === true, 20_000);
    expect(await metric(d1, 'dns01_caddy_sync_pushes_total', '{outcome="pushed"}')).toBe(pushed + 1);
  });

  it('pushes a change made through another replica (which has no Caddy URL)', async () => {
    expect((await ready(d2)).caddy).toEqual({ ok: true, enabled: false });
    await addSite(d2, p1, ['other.example.test']);
    await eventually('the other replica\'s subject in Caddy', async () => policyOf(await caddyPolicies(caddy), p1)?.subjects.includes('other.example.test') === true, 20_000);
    expect(policyOf(await caddyPolicies(caddy), p1)!.subjects).toEqual(['api.example.test', 'example.test', 'other.example.test', 'www.example.test']);
  });

  it('pushes nothing when nothing changed, and leaves Caddy\'s other config alone', async () => {
    const pushed = await metric(d1, 'dns01_caddy_sync_pushes_total', '{outcome="pushed"}');
    const unchanged = await metric(d1, 'dns01_caddy_sync_pushes_total', '{outcome="unchanged"}');
    const pushLogs = () => d1.logs().split('\n').filter((l) => l.includes('caddy TLS policies pushed')).length;
    const logged = pushLogs();
    const before = await caddyGet(caddy.adminUrl, '');
    for (let i = 0; i < 3; i++) {
      const res = await d1.admin('/caddy/sync', { method: 'POST' });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ success: true, sync: { in_sync: true, consecutive_failures: 0 } });
    }
    expect(await metric(d1, 'dns01_caddy_sync_pushes_total', '{outcome="pushed"}')).toBe(pushed);
    expect(await metric(d1, 'dns01_caddy_sync_pushes_total', '{outcome="unchanged"}')).toBe(unchanged + 3);
    expect(pushLogs()).toBe(logged);
    expect(await caddyGet(caddy.adminUrl, '')).toEqual(before);

    // Ours first (Caddy takes the first matching policy), then the operator's, untouched; the HTTP server too.
    const all = await caddyPolicies(caddy);
    expect(all.map((p) => p['@id'])).toEqual([`${PREFIX}${p1}`, 'operator-policy']);
    expect(all[1]).toEqual(OPERATOR_POLICY);
    expect(await caddyGet(caddy.adminUrl, 'apps/http')).toEqual(initialHttp);
  });

  it('rotates Caddy\'s token on demand: the new one pushed, the old one working through its grace, no secret in the reply', async () => {
    const [old] = acmeproxyPasswords([policyOf(await caddyPolicies(caddy), p1)]);
    const before = (await d1.api.clientTokens.list()).filter((t) => t.managed_by === 'caddy-sync' && t.expires_at === null);
    expect(before).toHaveLength(1);
    const started = Date.now();
    const res = await d1.admin('/caddy/token/rotate', { method: 'POST' });
    const text = await res.text();
    expect(res.status, text).toBe(200);
    const body = JSON.parse(text) as { success: boolean; retired: { id: string; expires_at: string; state: string }[]; client_token: { id: string; expires_at: string | null; allowed_domains: string[] }; sync: { in_sync: boolean } };
    expect(body).toMatchObject({ success: true, sync: { in_sync: true } });
    expect(body.retired).toEqual([expect.objectContaining({ id: before[0]!.id, state: 'active' })]);
    // The grace: an hour (the interval is 60 s, so the floor of an hour wins).
    expect(Date.parse(body.retired[0]!.expires_at) - started).toBeGreaterThanOrEqual(3_600_000 - 5_000);
    expect(body.client_token.id).not.toBe(before[0]!.id);
    expect(body.client_token).toMatchObject({ expires_at: null, allowed_domains: before[0]!.allowed_domains });

    // Caddy holds the new token now; neither token is in the reply.
    const [fresh] = acmeproxyPasswords([policyOf(await caddyPolicies(caddy), p1)]);
    expect(fresh).toMatch(/^dns01ct_/);
    expect(fresh).not.toBe(old);
    expect(text).not.toContain(fresh!);
    expect(text).not.toContain(old!);

    // Both work while the old one is in its grace: Caddy's of another replica may still hold it.
    for (const [i, token] of [old!, fresh!].entries()) {
      const auth = { authorization: `Basic ${Buffer.from(`caddy:${token}`).toString('base64')}` };
      const body = { fqdn: `_acme-challenge.${['www', 'api'][i]}.example.test.`, value: txtValue(`rotate${i}`) };
      const present = await d1.internal(`/providers/${p1}/present`, { body, headers: auth });
      expect(present.status, await present.clone().text()).toBe(200);
      const cleanup = await d1.internal(`/providers/${p1}/cleanup`, { body, headers: auth });
      expect(cleanup.status).toBe(200);
    }

    await d1.daemon.audit!.flush();
    const audit = await (await d1.admin(`/audit-logs?${new URLSearchParams({ action: 'caddy.token_rotate' })}`)).json() as { audit_logs: { outcome: string; resource_id: string; details: Record<string, unknown> }[] };
    expect(audit.audit_logs[0]).toMatchObject({ outcome: 'success', resource_id: body.client_token.id, details: { retired: [before[0]!.id], current: body.client_token.id, pushed: true } });
    expect(JSON.stringify(audit)).not.toContain(fresh!);
  });

  it('refuses a token rotation with the sync off (503), on a replica without a Caddy URL', async () => {
    const res = await d2.admin('/caddy/token/rotate', { method: 'POST' });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: 'SERVICE_UNAVAILABLE' } });
  });

  it('skips a provider whose credentials it cannot decrypt (warning + metric), and still pushes the others', async () => {
    // d2 seals with its own key: d1 can read the row but not the credentials.
    const foreign = await d2.addProvider(webhookProvider('hook-foreign-key', receiver));
    await addSite(d2, foreign, ['foreign.example.test']);
    await eventually('d1 counts the skipped provider', async () => (await metric(d1, 'dns01_caddy_providers_skipped')) === 1);
    await eventually('d1 reports it in /ready', async () => (await ready(d1)).caddy.skipped_providers.some((s) => s.id === foreign));
    expect((await ready(d1)).caddy.skipped_providers).toEqual([{ id: foreign, reason: 'credentials_unreadable' }]);
    expect(d1.logs()).toContain('provider left out of Caddy config: credentials could not be decrypted');
    const warn = d1.logs().split('\n').find((l) => l.includes('provider left out of Caddy config'))!;
    expect(JSON.parse(warn)).toMatchObject({ level: 'warn', provider: foreign, reason: 'credentials_unreadable' });

    // A later change for a readable provider still lands; the unreadable one never gets a policy.
    await addSite(d1, p1, ['later.example.test']);
    await eventually('the later subject in Caddy', async () => policyOf(await caddyPolicies(caddy), p1)?.subjects.includes('later.example.test') === true, 20_000);
    const all = await caddyPolicies(caddy);
    expect(policyOf(all, foreign)).toBeUndefined();
    expect(all.flatMap((p) => (p.subjects as string[]) ?? [])).not.toContain('foreign.example.test');
    const view = await desired(d1);
    expect(view.skipped).toEqual([expect.objectContaining({ providerId: foreign, reason: 'credentials_unreadable' })]);
    const secrets = acmeproxyPasswords(all);
    expect(secrets).toHaveLength(1);
    expect(masked(owned(all), secrets)).toEqual(view.policies);
    // The token's scope followed the sites (not the unreadable provider's).
    const [row] = (await d1.api.clientTokens.list()).filter((t) => t.managed_by === 'caddy-sync' && t.expires_at === null);
    expect(row!.allowed_domains).toEqual(policyOf(all, p1)!.subjects);
    expect(row!.providers).toEqual([p1]);
    expect((await ready(d1)).caddy).toMatchObject({ in_sync: true, consecutive_failures: 0 });
    expect((await fetch(`${d1.url}/health`, { signal: AbortSignal.timeout(5000) })).status).toBe(200);
    // Nothing secret in either log.
    for (const d of [d1, d2]) for (const secret of [d1.internalToken, ...secrets]) expect(d.logs()).not.toContain(secret);
  });
});

describe('daemon sync while the built Caddy is down and when it comes back', () => {
  let caddy: RunningCaddy;
  let d: TestDaemon;
  let receiver: WebhookReceiver;
  let providerId: string;

  beforeAll(async () => {
    const binary = await buildCaddyWithAcmeproxy();
    caddy = await startCaddy({ binary, config: operatorConfig() });
    receiver = await startWebhookReceiver();
    d = await daemonFor(caddy, { interval: '2s' });
    providerId = await d.addProvider(webhookProvider('hook-down', receiver));
    await addSite(d, providerId, ['down.example.test']);
    await eventually('the first push', async () => policyOf(await caddyPolicies(caddy), providerId) !== undefined);
  }, 900_000);

  afterAll(async () => {
    await d?.stop();
    await receiver?.stop();
    await caddy?.stop();
  });

  it('keeps answering challenges with Caddy down, and puts the policies back once Caddy returns', async () => {
    await caddy.kill();
    await eventually('a failed sync seen in /ready', async () => (await ready(d)).caddy.consecutive_failures > 0);
    const down = await ready(d);
    expect(down.status).toBe(200);
    expect(down.caddy).toMatchObject({ in_sync: false });
    expect(down.caddy.last_error).toMatch(/unreachable/);
    expect(await metric(d, 'dns01_caddy_sync_consecutive_failures')).toBeGreaterThan(0);
    await challengeRoundTrip(d, providerId, 'while-down');

    // Caddy comes back from its config file, without the policies we pushed: the sync notices and pushes again.
    await caddy.restart();
    await eventually('in sync again', async () => (await ready(d)).caddy.in_sync);
    expect(policyOf(await caddyPolicies(caddy), providerId)?.subjects).toEqual(['down.example.test']);
    expect((await ready(d)).caddy).toMatchObject({ consecutive_failures: 0, last_error: null });
    expect(await metric(d, 'dns01_caddy_sync_consecutive_failures')).toBe(0);
    expect((await caddyPolicies(caddy)).map((p) => p['@id'])).toEqual([`${PREFIX}${providerId}`, 'operator-policy']);
  });
});

describe('daemon sync with the stock Debian Caddy (no dns.providers modules)', () => {
  let caddy: RunningCaddy;
  let d: TestDaemon;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    caddy = await startCaddy({ binary: DEBIAN_CADDY, config: operatorConfig() });
    receiver = await startWebhookReceiver();
    d = await daemonFor(caddy, { interval: '2s' });
  }, 120_000);

  afterAll(async () => {
    await d?.stop();
    await receiver?.stop();
    await caddy?.stop();
  });

  it('a refused policy is visible in /ready and /metrics, Caddy keeps its config, challenges keep working', async () => {
    const before = await caddyGet(caddy.adminUrl, '');
    const providerId = await d.addProvider(webhookProvider('hook-stock', receiver));
    await addSite(d, providerId, ['stock.example.test']);

    await eventually('a refused policy', async () => (await ready(d)).caddy.refused_providers.length > 0);
    const r = await ready(d);
    expect(r.status).toBe(200); // informational: Caddy trouble never takes the challenge API out of service
    expect(r.caddy).toMatchObject({ in_sync: false, consecutive_failures: 0, last_error: null });
    expect(r.caddy.refused_providers).toEqual([expect.objectContaining({ id: providerId, name: 'hook-stock' })]);
    expect(r.caddy.refused_providers[0]!.reason).toContain('unknown module: dns.providers.acmeproxy');
    expect(JSON.stringify(r.caddy)).not.toContain(d.internalToken);
    expect(await metric(d, 'dns01_caddy_policies_refused', `{provider="hook-stock"}`)).toBe(1);
    expect(await metric(d, 'dns01_caddy_sync_pushes_total', '{outcome="refused"}')).toBeGreaterThan(0);
    expect(await caddyGet(caddy.adminUrl, '')).toEqual(before);

    // The on-demand sync offers it again: refused again, Caddy keeps its previous config.
    const res = await d.admin('/caddy/sync', { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ success: true, sync: { in_sync: false, refused_providers: [{ id: providerId }] } });
    expect(await caddyGet(caddy.adminUrl, '')).toEqual(before);

    await challengeRoundTrip(d, providerId, 'stock');
    expect(receiver.calls.map((c) => c.body.action)).toEqual(['create', 'delete']);
    expect(d.logs()).not.toContain(d.internalToken);
  });
});
