// Provider statistics (counted per plugin call, written in batches) and the honest credential test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

interface Stats { success_count: number; failure_count: number; last_used_at: string | null; last_error: string | null }

describe('provider statistics and the credential test', () => {
  let db: TestDatabase;
  let d: TestDaemon;
  let hook: WebhookReceiver;
  // No timed write during the test: the batch is written when the test says so (flush) or at stop.
  const start = () => startTestDaemon({ databaseUrl: db.url, statsIntervalMs: 3_600_000 });
  beforeAll(async () => {
    db = await createTestDatabase();
    hook = await startWebhookReceiver();
    d = await start();
  });
  afterAll(async () => {
    await d?.stop();
    await hook?.stop();
    await db?.drop();
  });

  const stats = async (daemon: TestDaemon, id: string): Promise<Stats> => {
    const { provider } = (await (await daemon.admin(`/dns-providers/${id}`)).json()) as { provider: Stats };
    return { success_count: provider.success_count, failure_count: provider.failure_count, last_used_at: provider.last_used_at, last_error: provider.last_error };
  };
  const test = async (id: string) => ((await (await d.admin(`/dns-providers/${id}/test`, { method: 'POST' })).json()) as { result: Record<string, unknown> }).result;

  it('counts successes and failures per call, writes them in one batch (not per call), and keeps them across a restart', async () => {
    const id = await d.addProvider({ name: 'counted', provider_type: 'webhook', credentials: { create_url: hook.url, max_retries: 0 } });
    expect(await stats(d, id)).toEqual({ success_count: 0, failure_count: 0, last_used_at: null, last_error: null });

    for (const n of [1, 2]) {
      expect((await d.internal('/create', { body: { provider_id: id, fqdn: `_acme-challenge.s${n}.example.com`, value: txtValue(`s${n}`) } })).status).toBe(201);
    }
    expect(await test(id)).toMatchObject({ tested: true, ok: true });
    hook.setBehaviour({ kind: 'fail', times: 2 });
    expect((await d.internal('/create', { body: { provider_id: id, fqdn: '_acme-challenge.f.example.com', value: txtValue('f') } })).status).toBe(502);
    expect(await test(id)).toMatchObject({ tested: true, ok: false });
    hook.setBehaviour({ kind: 'ok' });

    const shown = await stats(d, id);
    expect(shown).toMatchObject({ success_count: 3, failure_count: 2, last_error: expect.stringMatching(/^test: /) });
    expect(Date.parse(shown.last_used_at!)).toBeGreaterThan(0);
    // Nothing written yet: the calls did not touch the row.
    const row = await d.daemon.providers.get(id);
    expect([row.successCount, row.failureCount, row.lastUsedAt, row.lastError]).toEqual([0, 0, null, null]);

    await d.daemon.providers.stats.flush();
    const written = await d.daemon.providers.get(id);
    expect([written.successCount, written.failureCount, written.lastError]).toEqual([3, 2, shown.last_error]);
    expect(written.lastUsedAt?.toISOString()).toBe(shown.last_used_at);
    // The reply neither loses nor doubles what was written.
    expect(await stats(d, id)).toEqual(shown);

    // One more failure, then a stop: the stop writes it, and a new daemon on the same database shows it.
    hook.setBehaviour({ kind: 'fail', times: 1 });
    expect((await d.internal('/create', { body: { provider_id: id, fqdn: '_acme-challenge.g.example.com', value: txtValue('g') } })).status).toBe(502);
    hook.setBehaviour({ kind: 'ok' });
    await d.stop();
    d = await start();
    expect(await stats(d, id)).toMatchObject({ success_count: 3, failure_count: 3, last_error: expect.stringMatching(/^WEBHOOK_\w+: /) });
  });

  it('a type with nothing to test says so instead of ok, and counts nothing', async () => {
    const cf = await d.addProvider({ name: 'cf', provider_type: 'cloudflare', credentials: { api_token: 'tok' } });
    expect(await test(cf)).toEqual({ tested: false, reason: expect.stringMatching(/^provider type cloudflare has no credential test: Caddy's own module/) });
    const manual = await d.addProvider({ name: 'by-hand', provider_type: 'manual', credentials: {} });
    expect(await test(manual)).toEqual({ tested: false, reason: expect.stringMatching(/^provider type manual has no credential test/) });
    for (const id of [cf, manual]) expect(await stats(d, id)).toEqual({ success_count: 0, failure_count: 0, last_used_at: null, last_error: null });
  });

  it('the statistics are read-only: a PUT carrying them is refused and changes nothing', async () => {
    const id = await d.addProvider({ name: 'ro', provider_type: 'manual', credentials: {} });
    const res = await d.admin(`/dns-providers/${id}`, { method: 'PUT', body: { success_count: 99 } });
    expect(res.status).toBe(400);
    expect((await stats(d, id)).success_count).toBe(0);
  });
});
