// Per-provider guards through the HTTP API: rate limit (local and shared via Redis), circuit breaker, and their metrics.
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Cleanups } from '../support/cleanup.js';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { createTestDatabase } from '../support/postgres.js';
import { startRedis } from '../support/redis.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

let hook: WebhookReceiver;
const cleanups = new Cleanups();

beforeAll(async () => {
  hook = await startWebhookReceiver();
});
afterEach(async () => {
  // Every step runs even when one fails, so no server outlives the test (test/support/cleanup.ts).
  try {
    await cleanups.run();
  } finally {
    hook.setBehaviour({ kind: 'ok' });
  }
});
afterAll(async () => {
  await hook?.stop();
});

async function daemon(opts: Parameters<typeof startTestDaemon>[0] = {}): Promise<TestDaemon> {
  const d = await startTestDaemon(opts);
  cleanups.add(() => d.stop());
  return d;
}

function provider(name: string, settings: Record<string, unknown>) {
  return { name, provider_type: 'webhook', credentials: { create_url: hook.url, max_retries: 0 }, settings };
}

interface Reply { status: number; body: { challenge_id?: string; status?: string; error?: { code: string } }; retryAfter: string | null }

async function create(d: TestDaemon, providerId: string, fqdn: string, value: string): Promise<Reply> {
  const res = await d.internal('/create', { body: { provider_id: providerId, fqdn, value } });
  return { status: res.status, body: (await res.json()) as Reply['body'], retryAfter: res.headers.get('retry-after') };
}

const unique = (tag: string) => txtValue(`${tag}-${randomBytes(6).toString('hex')}`);
const callsFor = (action: string, providerFqdn: string) => hook.calls.filter((c) => c.body?.action === action && c.body?.fqdn === providerFqdn);

async function rowCount(d: TestDaemon, value: string): Promise<number> {
  const res = await d.daemon.database.db.execute(sql`select count(*)::int as n from challenges where value = ${value}`);
  return ((Array.isArray(res) ? res : (res as unknown as { rows: unknown[] }).rows) as { n: number }[])[0]!.n;
}

/** The value of one metric sample in /metrics text, e.g. metric(d, 'dns01_provider_breaker_state', 'breaker'). */
async function metric(d: TestDaemon, name: string, provider: string): Promise<number | undefined> {
  const text = await (await fetch(`${d.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`provider="${provider}"`));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

describe('rate limit', () => {
  it('refuses the 4th create of a 3-a-minute provider with 429 and Retry-After, storing and sending nothing', async () => {
    const d = await daemon();
    const pid = await d.addProvider(provider('limited', { rate_limit_per_minute: 3 }));
    const fqdn = '_acme-challenge.limited.example.com';
    const ok: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await create(d, pid, fqdn, unique(`limit-${i}`));
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      ok.push(r.body.challenge_id!);
    }
    const refusedValue = unique('limit-4');
    const refused = await create(d, pid, fqdn, refusedValue);
    expect(refused.status).toBe(429);
    expect(refused.body.error?.code).toBe('WEBHOOK_RATE_LIMITED');
    expect(refused.retryAfter).toMatch(/^\d+$/);
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(refused.retryAfter)).toBeLessThanOrEqual(60);
    expect(await rowCount(d, refusedValue)).toBe(0);
    expect(callsFor('create', fqdn)).toHaveLength(3);
    expect(hook.calls.some((c) => c.body?.value === refusedValue)).toBe(false);

    // Cleanups skip the limit: a limit is never the reason a record stays behind.
    for (const id of ok) expect((await d.internal(`/${id}`, { method: 'DELETE' })).status).toBe(200);
    expect(callsFor('delete', fqdn)).toHaveLength(3);
    // Still limited for creates afterwards, and the refusal is counted.
    expect((await create(d, pid, fqdn, unique('limit-5'))).status).toBe(429);
    expect(await metric(d, 'dns01_rate_limit_rejections_total', 'limited')).toBe(2);
  });

  it('holds one limit across two replicas through Redis', async () => {
    const redis = await startRedis();
    cleanups.add(() => redis.stop());
    const db = await createTestDatabase();
    cleanups.add(() => db.drop());
    const env = { DNS01_ENCRYPTION_KEY: randomBytes(32).toString('base64'), REDIS_URL: redis.url };
    const a = await daemon({ databaseUrl: db.url, env });
    const b = await daemon({ databaseUrl: db.url, env });
    const pid = await a.addProvider(provider('shared-limit', { rate_limit_per_minute: 4 }));
    const fqdn = '_acme-challenge.shared.example.com';

    const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => create(i % 2 === 0 ? a : b, pid, fqdn, unique(`shared-${i}`))));
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((s) => s === 201), JSON.stringify(statuses)).toHaveLength(4);
    expect(statuses.filter((s) => s === 429), JSON.stringify(statuses)).toHaveLength(6);
    for (const r of replies.filter((x) => x.status === 429)) {
      expect(r.body.error?.code).toBe('WEBHOOK_RATE_LIMITED');
      expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
    }
    expect(callsFor('create', fqdn)).toHaveLength(4);
    const rejected = ((await metric(a, 'dns01_rate_limit_rejections_total', 'shared-limit')) ?? 0) + ((await metric(b, 'dns01_rate_limit_rejections_total', 'shared-limit')) ?? 0);
    expect(rejected).toBe(6);
    // Sequential creates through either replica stay refused: the shared budget is spent.
    expect((await create(b, pid, fqdn, unique('shared-late-b'))).status).toBe(429);
    expect((await create(a, pid, fqdn, unique('shared-late-a'))).status).toBe(429);
    // Editing the provider drops its Redis-backed limiter; that must not fail (Bottleneck returns no promise there).
    const put = await a.admin(`/dns-providers/${pid}`, { method: 'PUT', body: { propagation_timeout: 30 } });
    expect(put.status, await put.text()).toBe(200);
  });
});

describe('circuit breaker', () => {
  it('opens after 5 failures of the provider, answers 503 without calling out, and one success closes it', async () => {
    const d = await daemon();
    const pid = await d.addProvider(provider('breaker', { breaker_reset_seconds: 1, rate_limit_per_minute: 100 }));
    const fqdn = '_acme-challenge.breaker.example.com';
    // A 5xx (not retried: max_retries 0); a 4xx about the request would not count (breaker-refusals.test.ts).
    hook.setBehaviour({ kind: 'status', status: 500 });
    for (let i = 0; i < 5; i++) {
      const r = await create(d, pid, fqdn, unique(`breaker-${i}`));
      expect(r.status, JSON.stringify(r.body)).toBe(502);
      expect(r.body.error?.code).toBe('WEBHOOK_FAILED');
    }
    expect(callsFor('create', fqdn)).toHaveLength(5);

    const openValue = unique('breaker-open');
    const open = await create(d, pid, fqdn, openValue);
    expect(open.status).toBe(503);
    expect(open.body.error?.code).toBe('PROVIDER_CIRCUIT_OPEN');
    expect(callsFor('create', fqdn)).toHaveLength(5);
    expect(await rowCount(d, openValue)).toBe(0);
    expect(await metric(d, 'dns01_provider_breaker_state', 'breaker')).toBe(2);

    // After breaker_reset_seconds the breaker lets a trial call through (half-open).
    for (let i = 0; (await metric(d, 'dns01_provider_breaker_state', 'breaker')) !== 1; i++) {
      if (i > 200) throw new Error('breaker never went half-open');
      await new Promise((r) => setTimeout(r, 50));
    }
    hook.setBehaviour({ kind: 'ok' });
    const trial = await create(d, pid, fqdn, unique('breaker-trial'));
    expect(trial.status, JSON.stringify(trial.body)).toBe(201);
    expect(await metric(d, 'dns01_provider_breaker_state', 'breaker')).toBe(0);
    expect(callsFor('create', fqdn)).toHaveLength(6);
    expect((await create(d, pid, fqdn, unique('breaker-after'))).status).toBe(201);
  });
});
