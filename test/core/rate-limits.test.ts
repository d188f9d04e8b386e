// Per-type rate limits through the HTTP API with real peers: a 30-name burst on BIND, and a webhook's bounded wait and honest Retry-After.
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBind, type RunningDnsServer } from '../support/dns-servers/index.js';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

// Short windows let the test see a slot free; the limiter treats them as `rate_limit_per_minute`'s minute. Each is
// far longer than the calls that must fit in it take, even on a loaded machine.
const WINDOW_MS = 20_000;
const WAIT_WINDOW_MS = 10_000;
const zone = 'limits.rfc2136.test';
const key = { name: 'acme-limits', algorithm: 'hmac-sha256' as const, secret: randomBytes(32).toString('base64') };

let hook: WebhookReceiver;
let bind: RunningDnsServer;
let d: TestDaemon;
/** A daemon whose window is the default wait (10 s), to see a call wait for a slot. */
let waiting: TestDaemon;

beforeAll(async () => {
  [hook, bind] = await Promise.all([startWebhookReceiver(), startBind({ zones: [zone], tsigKeys: [key] })]);
  [d, waiting] = await Promise.all([startTestDaemon({ rateWindowMs: WINDOW_MS }), startTestDaemon({ rateWindowMs: WAIT_WINDOW_MS })]);
});
afterAll(async () => {
  await Promise.all([d?.stop(), waiting?.stop()]);
  await Promise.all([hook?.stop(), bind?.stop()]);
});

interface Reply { status: number; body: { challenge_id?: string; error?: { code: string; details?: { retry_after_seconds?: number } } }; retryAfter: number | null; sentAt: number; answeredAt: number }

async function create(providerId: string, fqdn: string, value = txtValue(randomBytes(8).toString('hex')), via = d): Promise<Reply> {
  const sentAt = Date.now();
  const res = await via.internal('/create', { body: { provider_id: providerId, fqdn, value } });
  const body = (await res.json()) as Reply['body'];
  const retry = res.headers.get('retry-after');
  return { status: res.status, body, retryAfter: retry === null ? null : Number(retry), sentAt, answeredAt: Date.now() };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rfc2136 = (name: string, settings: Record<string, unknown> = {}) => ({
  name, provider_type: 'rfc2136', settings,
  credentials: { nameserver: bind.host, port: bind.port, tsig_key_name: key.name, tsig_key_secret: key.secret, tsig_algorithm: key.algorithm },
});
const webhook = (name: string, settings: Record<string, unknown> = {}) => ({ name, provider_type: 'webhook', settings, credentials: { create_url: hook.url, max_retries: 0 } });

async function rows(value: string): Promise<number> {
  const res = await d.daemon.database.db.execute(sql`select count(*)::int as n from challenges where value = ${value}`);
  return ((Array.isArray(res) ? res : (res as unknown as { rows: unknown[] }).rows) as { n: number }[])[0]!.n;
}

describe('rfc2136 defaults', () => {
  it('takes a burst of 30 presents on the operator\'s own BIND, every record written', async () => {
    const pid = await d.addProvider(rfc2136('own-bind'));
    const names = Array.from({ length: 30 }, (_, i) => ({ fqdn: `_acme-challenge.site${i}.${zone}`, value: txtValue(`burst-${i}-${Math.random()}`) }));
    const direct = await Promise.all(names.map((n) => d.internal(`/providers/${pid}/present`, { body: { fqdn: n.fqdn, value: n.value } }).then(async (r) => ({ status: r.status, text: await r.text() }))));
    expect(direct.filter((r) => r.status !== 200), JSON.stringify(direct.filter((r) => r.status !== 200))).toEqual([]);
    for (const n of names) expect(await bind.txt(n.fqdn)).toContain(n.value);
  });

  it('refuses an rfc2136 provider over its own lowered budget with PROVIDER_RATE_LIMITED, sending nothing', async () => {
    const pid = await d.addProvider(rfc2136('small-bind', { rate_limit_per_minute: 2, rate_limit_wait_seconds: 0 }));
    const fqdn = `_acme-challenge.small.${zone}`;
    for (let i = 0; i < 2; i++) expect((await create(pid, fqdn)).status).toBe(201);
    const value = txtValue(`small-refused-${Math.random()}`);
    const refused = await create(pid, fqdn, value);
    expect(refused.status).toBe(429);
    expect(refused.body.error?.code).toBe('PROVIDER_RATE_LIMITED');
    expect(refused.retryAfter).toBeGreaterThanOrEqual(1);
    expect(refused.retryAfter).toBeLessThanOrEqual(WINDOW_MS / 1000);
    expect(await bind.txt(fqdn)).not.toContain(value);
    expect(await rows(value)).toBe(0);
  });
});

describe('webhook', () => {
  it('refuses the 11th call in a window with a Retry-After after which a call gets through', async () => {
    // No wait: the refusal comes at once, so its Retry-After can be checked against the first call's time.
    const pid = await d.addProvider(webhook('hook-eleven', { rate_limit_wait_seconds: 0 }));
    const fqdn = '_acme-challenge.eleven.example.com';
    const sentAt = Date.now();
    // Ten names at once, so the budget is spent quickly.
    const ten = await Promise.all(Array.from({ length: 10 }, (_, i) => create(pid, `_acme-challenge.eleven${i}.example.com`)));
    expect(ten.map((r) => r.status)).toEqual(Array(10).fill(201));
    const value = txtValue(`eleven-${Math.random()}`);
    const refused = await create(pid, fqdn, value);
    expect(refused.status).toBe(429);
    expect(refused.body.error?.code).toBe('WEBHOOK_RATE_LIMITED');
    const r = refused.retryAfter!;
    expect(refused.body.error?.details?.retry_after_seconds).toBe(r);
    expect(r).toBeGreaterThanOrEqual(1);
    expect(r).toBeLessThanOrEqual(WINDOW_MS / 1000);
    // The first slot was taken after the first call was sent, so it cannot free before sentAt + window.
    expect(r * 1000).toBeGreaterThanOrEqual(sentAt + WINDOW_MS - refused.answeredAt);
    expect(hook.calls.some((c) => c.body?.value === value)).toBe(false);
    expect(await rows(value)).toBe(0);
    // Honest: after Retry-After seconds a slot is free, even for a call that will not wait.
    await sleep(r * 1000);
    expect((await create(pid, fqdn)).status).toBe(201);
  });

  it('lets a call over the budget wait for a slot, and refuses one whose slot frees only after its wait', async () => {
    // Default wait (10 s) is longer than the window: the first waiter gets the slot that frees.
    const pid = await waiting.addProvider(webhook('hook-wait', { rate_limit_per_minute: 1 }));
    const fqdn = '_acme-challenge.wait.example.com';
    const a = await create(pid, fqdn, undefined, waiting);
    expect(a.status).toBe(201);
    // Two names: one name's calls queue on its lock, not in the limiter.
    const [b, c] = (await Promise.all(['b', 'c'].map((n) => create(pid, `_acme-challenge.wait-${n}.example.com`, undefined, waiting)))) as [Reply, Reply];
    const [won, lost] = b.status === 201 ? [b, c] : [c, b];
    expect(won.status, JSON.stringify(won.body)).toBe(201);
    expect(won.answeredAt).toBeGreaterThanOrEqual(a.sentAt + WAIT_WINDOW_MS);
    // The loser waited too, then learnt that the next slot frees a whole window after the winner's.
    expect(lost.status, JSON.stringify(lost.body)).toBe(429);
    expect(lost.body.error?.code).toBe('WEBHOOK_RATE_LIMITED');
    expect(lost.answeredAt).toBeGreaterThanOrEqual(a.sentAt + WAIT_WINDOW_MS);
    const r = lost.retryAfter!;
    expect(r).toBeGreaterThanOrEqual(1);
    expect(r).toBeLessThanOrEqual(WAIT_WINDOW_MS / 1000);
    expect(r * 1000).toBeGreaterThanOrEqual(a.sentAt + 2 * WAIT_WINDOW_MS - lost.answeredAt);
    // Honest: with waiting turned off (the budget already spent stays spent), a call after Retry-After gets through.
    const put = await waiting.admin(`/dns-providers/${pid}`, { method: 'PUT', body: { settings: { rate_limit_per_minute: 1, rate_limit_wait_seconds: 0 } } });
    expect(put.status, await put.text()).toBe(200);
    await sleep(r * 1000);
    const after = await create(pid, fqdn, undefined, waiting);
    expect(after.status, JSON.stringify(after.body)).toBe(201);
  });
});
