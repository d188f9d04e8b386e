// The daemon across a PostgreSQL outage: alive but not ready, clean 5xx errors, and back to work when the database returns.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { startPostgres, type PgServer } from '../support/postgres.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

let pg: PgServer;
let hook: WebhookReceiver;
let d: TestDaemon;
let providerId: string;

beforeAll(async () => {
  [pg, hook] = await Promise.all([startPostgres(), startWebhookReceiver()]);
  d = await startTestDaemon({ databaseUrl: pg.url });
  providerId = await d.addProvider({ name: 'outage', provider_type: 'webhook', credentials: { create_url: hook.url, max_retries: 0 } });
});
afterAll(async () => {
  // The standalone server must go whatever happened to the daemon.
  try {
    await d?.stop();
  } finally {
    await pg?.stop();
    await hook?.stop();
  }
});

interface Ready { status: string; checks: Record<string, { ok: boolean; error?: string }> }

async function ready(): Promise<{ status: number; body: Ready }> {
  const res = await fetch(`${d.url}/ready`);
  return { status: res.status, body: (await res.json()) as Ready };
}

async function create(value: string): Promise<{ status: number; body: Record<string, any>; type: string | null }> {
  const res = await d.internal('/create', { body: { provider_id: providerId, fqdn: '_acme-challenge.outage.example.com', value } });
  return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as Record<string, any> };
}

describe('database outage', () => {
  it('stays alive, reports not ready and answers clean errors while PostgreSQL is down, then recovers', async () => {
    expect((await ready()).status).toBe(200);
    expect((await create(txtValue(`before-${randomBytes(4).toString('hex')}`))).status).toBe(201);

    await pg.shutdown();

    const health = await fetch(`${d.url}/health`);
    expect(health.status).toBe(200);
    const notReady = await ready();
    expect(notReady.status).toBe(503);
    expect(notReady.body.status).toBe('not_ready');
    expect(notReady.body.checks.database?.ok).toBe(false);

    const during = txtValue(`during-${randomBytes(4).toString('hex')}`);
    for (let i = 0; i < 3; i++) {
      const r = await create(during);
      expect(r.status, JSON.stringify(r.body)).toBe(503);
      expect(r.body.error?.code).toBe('SERVICE_UNAVAILABLE');
      expect(r.type).toMatch(/application\/json/);
      expect(r.body.success).toBe(false);
      expect(typeof r.body.error?.code).toBe('string');
      // Nothing about the database's address or credentials leaks into the reply.
      expect(JSON.stringify(r.body)).not.toContain(String(pg.port));
    }
    // Nothing was sent for a challenge that could not be stored.
    expect(hook.calls.some((c) => c.body?.value === during)).toBe(false);
    // Still alive: the process did not crash on the dropped connections.
    expect((await fetch(`${d.url}/health`)).status).toBe(200);
    expect((await fetch(`${d.url}/metrics`)).status).toBe(200);

    await pg.start();
    for (let i = 0; (await ready()).status !== 200; i++) {
      if (i > 300) throw new Error(`never ready again: ${JSON.stringify((await ready()).body)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const after = await create(during);
    expect(after.status, JSON.stringify(after.body)).toBe(201);
    expect(after.body.status).toBe('PENDING');
    expect(hook.calls.filter((c) => c.body?.value === during && c.body?.action === 'create')).toHaveLength(1);
    const del = await d.internal(`/${after.body.challenge_id}`, { method: 'DELETE' });
    expect(del.status).toBe(200);
  });
});
