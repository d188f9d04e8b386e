// Two daemons sharing one PostgreSQL: janitors never work a row twice, name locks and idempotency hold across replicas.
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

let hook: WebhookReceiver;
let db: TestDatabase;
let a: TestDaemon;
let b: TestDaemon;
let providerId: string;

beforeAll(async () => {
  hook = await startWebhookReceiver();
  db = await createTestDatabase();
  // Both replicas must read each other's encrypted credentials: one key, as an operator would deploy it.
  const env = { DNS01_ENCRYPTION_KEY: randomBytes(32).toString('base64') };
  a = await startTestDaemon({ databaseUrl: db.url, env, challenge: { expiryGraceMs: 0 } });
  b = await startTestDaemon({ databaseUrl: db.url, env, challenge: { expiryGraceMs: 0 } });
  providerId = await a.addProvider({
    name: 'replicated',
    provider_type: 'webhook',
    credentials: { create_url: hook.url, max_retries: 0 },
    propagation_timeout: 1,
    // The limit is per replica without Redis; this file is about locks, not limits.
    settings: { rate_limit_per_minute: 1000 },
  });
});
afterEach(() => {
  hook.setBehaviour({ kind: 'ok' });
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await db?.drop();
  await hook?.stop();
});

async function create(d: TestDaemon, fqdn: string, value: string): Promise<{ status: number; id: string; state: string }> {
  const res = await d.internal('/create', { body: { provider_id: providerId, fqdn, value } });
  const body = (await res.json()) as { challenge_id: string; status: string };
  return { status: res.status, id: body.challenge_id, state: body.status };
}

async function rowsFor(filter: ReturnType<typeof sql>): Promise<{ id: string; status: string; value: string; record_state: string }[]> {
  const res = await a.daemon.database.db.execute(sql`select id, status, value, record_state from challenges where ${filter}`);
  return (Array.isArray(res) ? res : (res as unknown as { rows: unknown[] }).rows) as never;
}

const callsFor = (action: string, value: string) => hook.calls.filter((c) => c.body?.action === action && c.body?.value === value);

describe('two replicas on one database', () => {
  it('run their janitors at once and expire each of 20 challenges exactly once', async () => {
    const fqdn = '_acme-challenge.fleet.example.com';
    const values = Array.from({ length: 20 }, (_, i) => txtValue(`fleet-${i}-${randomBytes(4).toString('hex')}`));
    const ids: string[] = [];
    for (const v of values) {
      const r = await create(a, fqdn, v);
      expect(r.status).toBe(201);
      ids.push(r.id);
    }
    expect(hook.calls.filter((c) => c.body?.action === 'create' && values.includes(c.body.value))).toHaveLength(20);

    // expires_at is creation + 1 s (propagation_timeout 1, no grace): wait until the database says all are due.
    const due = async () => (await rowsFor(sql`fqdn = ${fqdn} and expires_at < now()`)).length === 20;
    for (let i = 0; !(await due()); i++) {
      if (i > 200) throw new Error('challenges never became due');
      await new Promise((r) => setTimeout(r, 50));
    }

    const [ra, rb] = await Promise.all([a.daemon.janitor.runOnce(), b.daemon.janitor.runOnce()]);
    expect(ra.expired + rb.expired).toBe(20);
    expect(ra.recordsRemoved + rb.recordsRemoved).toBe(20);
    expect(ra.cleanupFailures + rb.cleanupFailures).toBe(0);
    for (const v of values) expect(callsFor('delete', v), `deletes for ${v}`).toHaveLength(1);

    const rows = await rowsFor(sql`fqdn = ${fqdn}`);
    expect(rows).toHaveLength(20);
    for (const r of rows) expect(r).toMatchObject({ status: 'EXPIRED', record_state: 'removed' });
    // Nothing left for either replica on a second pass.
    const again = await Promise.all([a.daemon.janitor.runOnce(), b.daemon.janitor.runOnce()]);
    expect(again.map((r) => r.expired + r.recordsRemoved)).toEqual([0, 0]);
    for (const v of values) expect(callsFor('delete', v)).toHaveLength(1);
  });

  it('keep both values when two replicas add different values to one name at once', async () => {
    const fqdn = '_acme-challenge.wild.example.com';
    const [v1, v2] = [txtValue(`wild-1-${randomBytes(4).toString('hex')}`), txtValue(`wild-2-${randomBytes(4).toString('hex')}`)];
    const [r1, r2] = await Promise.all([create(a, fqdn, v1), create(b, fqdn, v2)]);
    expect([r1.status, r2.status]).toEqual([201, 201]);
    expect(r1.id).not.toBe(r2.id);
    expect(callsFor('create', v1)).toHaveLength(1);
    expect(callsFor('create', v2)).toHaveLength(1);
    const rows = await rowsFor(sql`fqdn = ${fqdn}`);
    expect(rows.map((r) => r.value).sort()).toEqual([v1, v2].sort());
    for (const r of rows) expect(r).toMatchObject({ status: 'PENDING', record_state: 'present' });
    // Deleting one through the other replica removes only that value.
    expect((await b.internal(`/${r1.id}`, { method: 'DELETE' })).status).toBe(200);
    expect(callsFor('delete', v1)).toHaveLength(1);
    expect(callsFor('delete', v2)).toHaveLength(0);
    expect((await rowsFor(sql`id = ${r2.id}`))[0]).toMatchObject({ status: 'PENDING', record_state: 'present' });
  });

  it('store one challenge when the same provider, name and value arrive through both replicas at once', async () => {
    const fqdn = '_acme-challenge.same.example.com';
    const value = txtValue(`same-${randomBytes(4).toString('hex')}`);
    const [r1, r2] = await Promise.all([create(a, fqdn, value), create(b, fqdn, value)]);
    expect([r1.status, r2.status].sort()).toEqual([200, 201]);
    expect(r1.id).toBe(r2.id);
    expect([r1.state, r2.state]).toEqual(['PENDING', 'PENDING']);
    expect(callsFor('create', value)).toHaveLength(1);
    const rows = await rowsFor(sql`fqdn = ${fqdn} and value = ${value}`);
    expect(rows).toHaveLength(1);
  });

  it('drop a cached provider row when the other replica changes it (NOTIFY): new credentials, then disabled', async () => {
    const other = await startWebhookReceiver();
    try {
      // b has the provider and its decrypted credentials cached from this create.
      expect((await create(b, '_acme-challenge.cache-1.example.com', txtValue(`c1-${randomBytes(4).toString('hex')}`))).status).toBe(201);
      const put = (body: Record<string, unknown>) => a.admin(`/dns-providers/${providerId}`, { method: 'PUT', body });
      expect((await put({ credentials: { create_url: other.url, max_retries: 0 } })).status).toBe(200);
      // The notice reaches b within milliseconds; until it does, b may still use the old row, so wait for the change.
      let n = 0;
      for (const deadline = Date.now() + 10_000; other.calls.length === 0 && Date.now() < deadline; n++) {
        expect((await create(b, `_acme-challenge.cache-2-${n}.example.com`, txtValue(`c2-${n}`))).status).toBe(201);
      }
      expect(other.calls.filter((c) => c.body?.action === 'create')).toHaveLength(1);
      expect((await put({ enabled: false })).status).toBe(200);
      let refused: { code?: string } | undefined;
      for (const deadline = Date.now() + 10_000; !refused && Date.now() < deadline; n++) {
        const res = await b.internal('/create', { body: { provider_id: providerId, fqdn: `_acme-challenge.cache-3-${n}.example.com`, value: txtValue(`c3-${n}`) } });
        if (res.status !== 201) refused = ((await res.json()) as { error: { code: string } }).error;
      }
      expect(refused?.code).toBe('PROVIDER_DISABLED');
    } finally {
      expect((await a.admin(`/dns-providers/${providerId}`, { method: 'PUT', body: { enabled: true, credentials: { create_url: hook.url, max_retries: 0 } } })).status).toBe(200);
      await other.stop();
    }
  });
});
