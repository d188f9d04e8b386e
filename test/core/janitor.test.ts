// The janitor on real PostgreSQL (and once on PGlite): expiry, crashed and killed daemons, cleanup retries, retention.
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Cleanups } from '../support/cleanup.js';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { startDaemonProcess, type DaemonProcess } from '../support/daemon-process.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

type Client = Pick<TestDaemon, 'internal' | 'addProvider'>;
interface Row { id: string; status: string; record_state: string; cleanup_attempts: number; error: string | null }

let hook: WebhookReceiver;
const cleanups = new Cleanups();

beforeAll(async () => {
  hook = await startWebhookReceiver();
});
afterEach(async () => {
  // Children first (they may hold hanging calls to the receiver), then daemons, then databases.
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function webhook(name: string, creds: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return { name, provider_type: 'webhook', credentials: { create_url: hook.url, max_retries: 0, retry_backoff_ms: 10, ...creds }, ...extra };
}

async function create(c: Client, providerId: string, fqdn: string, value: string): Promise<string> {
  const res = await c.internal('/create', { body: { provider_id: providerId, fqdn, value } });
  const body = (await res.json()) as { challenge_id: string; status: string };
  expect(res.status, JSON.stringify(body)).toBe(201);
  expect(body.status).toBe('PENDING');
  return body.challenge_id;
}

async function row(d: TestDaemon, id: string): Promise<Row> {
  const res = await d.internal(`/${id}`, { method: 'GET' });
  expect(res.status).toBe(200);
  return ((await res.json()) as { challenge: Row }).challenge;
}

const calls = (action: string, value: string) => hook.calls.filter((c) => c.body?.action === action && c.body?.value === value);

async function activeCount(d: TestDaemon): Promise<number> {
  const res = await d.daemon.database.db.execute(sql`select count(*)::int as n from challenges where status in ('CREATED', 'PENDING', 'VERIFYING')`);
  const rows = (Array.isArray(res) ? res : (res as unknown as { rows: unknown[] }).rows) as { n: number }[];
  return rows[0]!.n;
}

async function daemon(opts: Parameters<typeof startTestDaemon>[0]): Promise<TestDaemon> {
  const d = await startTestDaemon(opts);
  cleanups.add(() => d.stop());
  return d;
}

async function child(databaseUrl: string, env: Record<string, string>): Promise<DaemonProcess> {
  const p = await startDaemonProcess({ databaseUrl, env });
  cleanups.add(() => p.stop());
  return p;
}

async function sharedDatabase(): Promise<TestDatabase> {
  const db = await createTestDatabase();
  cleanups.add(() => db.drop());
  return db;
}

/** Case (a), run on either backend: a challenge nobody cleaned up expires and its record goes, exactly once. */
async function expiryCase(db: 'postgres' | 'pglite'): Promise<void> {
  const d = await daemon({ db, challenge: { expiryGraceMs: 0 } });
  // A long timeout, then the clock moved by hand: a loaded machine can take seconds between two steps.
  const pid = await d.addProvider(webhook(`expiry-${db}`, {}, { propagation_timeout: 600 }));
  const value = txtValue(`expiry-${db}-${randomBytes(4).toString('hex')}`);
  const id = await create(d, pid, '_acme-challenge.expiry.example.com', value);
  expect((await row(d, id)).record_state).toBe('present');

  const before = await d.daemon.janitor.runOnce();
  expect(before.expired).toBe(0);
  await d.daemon.database.db.execute(sql`update challenges set expires_at = now() - interval '1 second' where id = ${id}`);

  const report = await d.daemon.janitor.runOnce();
  expect(report).toMatchObject({ expired: 1, recordsRemoved: 1, cleanupFailures: 0 });
  const after = await row(d, id);
  expect(after.status).toBe('EXPIRED');
  expect(after.record_state).toBe('removed');
  // A second run finds nothing left to do: the delete is never sent twice.
  expect(await d.daemon.janitor.runOnce()).toMatchObject({ expired: 0, recordsRemoved: 0 });
  expect(calls('delete', value)).toHaveLength(1);
  expect(calls('delete', value)[0]!.body.fqdn).toBe('_acme-challenge.expiry.example.com');
}

describe('janitor on PostgreSQL', () => {
  it('(a) expires an unfinished challenge and removes its record exactly once', async () => {
    await expiryCase('postgres');
  });

  it('(b) removes the record of a daemon that was SIGKILLed after present', async () => {
    const db = await sharedDatabase();
    const key = randomBytes(32).toString('base64');
    const proc = await child(db.url, { DNS01_ENCRYPTION_KEY: key });
    const pid = await proc.addProvider(webhook('crash-after-present', {}, { propagation_timeout: 1 }));
    const value = txtValue(`crash-${randomBytes(4).toString('hex')}`);
    const id = await create(proc, pid, '_acme-challenge.crash.example.com', value);
    expect(await proc.kill('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    expect(calls('delete', value)).toHaveLength(0);

    const d = await daemon({ databaseUrl: db.url, env: { DNS01_ENCRYPTION_KEY: key }, challenge: { expiryGraceMs: 0 } });
    expect(await row(d, id)).toMatchObject({ status: 'PENDING', record_state: 'present' });
    // The child computed expires_at with the default 10-minute grace; move the clock past it instead of waiting.
    await d.daemon.database.db.execute(sql`update challenges set expires_at = now() - interval '1 second' where id = ${id}`);

    const report = await d.daemon.janitor.runOnce();
    expect(report).toMatchObject({ expired: 1, recordsRemoved: 1, cleanupFailures: 0 });
    expect(calls('delete', value)).toHaveLength(1);
    expect(await row(d, id)).toMatchObject({ status: 'EXPIRED', record_state: 'removed' });
    expect(await activeCount(d)).toBe(0);
  });

  it('(c) fails a present interrupted by SIGKILL and deletes the record that may have been written', async () => {
    const db = await sharedDatabase();
    const key = randomBytes(32).toString('base64');
    const proc = await child(db.url, { DNS01_ENCRYPTION_KEY: key });
    const pid = await proc.addProvider(webhook('killed-mid-flight', { timeout_seconds: 60 }));
    const value = txtValue(`midflight-${randomBytes(4).toString('hex')}`);
    hook.setBehaviour({ kind: 'hang' });
    const inFlight = proc.internal('/create', { body: { provider_id: pid, fqdn: '_acme-challenge.midflight.example.com', value } }).then(
      (r) => ({ status: r.status }),
      (e: Error) => ({ error: e.message }),
    );
    await until('the create to reach the receiver', () => calls('create', value).length === 1);
    await proc.kill('SIGKILL');
    expect(await inFlight).toHaveProperty('error');
    hook.setBehaviour({ kind: 'ok' });

    const d = await daemon({ databaseUrl: db.url, env: { DNS01_ENCRYPTION_KEY: key }, janitor: { interruptedAfterMs: 0 } });
    const res = await d.daemon.database.db.execute(sql`select id from challenges where value = ${value}`);
    const ids = ((Array.isArray(res) ? res : (res as unknown as { rows: unknown[] }).rows) as { id: string }[]).map((r) => r.id);
    expect(ids).toHaveLength(1);
    const id = ids[0]!;
    expect((await row(d, id)).status).toBe('CREATED');

    const report = await d.daemon.janitor.runOnce();
    expect(report).toMatchObject({ interrupted: 1, recordsRemoved: 1, cleanupFailures: 0 });
    const after = await row(d, id);
    expect(after).toMatchObject({ status: 'FAILED', record_state: 'removed' });
    expect(after.error).toMatch(/interrupted/);
    expect(calls('delete', value)).toHaveLength(1);
    expect(await activeCount(d)).toBe(0);
  });

  it('(d) retries a failed cleanup on a later run, after its backoff', async () => {
    const d = await daemon({});
    const pid = await d.addProvider(webhook('failed-cleanup'));
    const value = txtValue(`cleanup-${randomBytes(4).toString('hex')}`);
    const id = await create(d, pid, '_acme-challenge.cleanup.example.com', value);

    hook.setBehaviour({ kind: 'status', status: 500 });
    const del = await d.internal(`/${id}`, { method: 'DELETE' });
    expect(del.status).toBe(502);
    expect(((await del.json()) as { error: { code: string } }).error.code).toBe('WEBHOOK_FAILED');
    expect(await row(d, id)).toMatchObject({ status: 'DELETED', record_state: 'present', cleanup_attempts: 1 });

    hook.setBehaviour({ kind: 'ok' });
    // Within the backoff (2^1 minutes after the last attempt) the janitor leaves the row alone.
    expect(await d.daemon.janitor.runOnce()).toMatchObject({ recordsRemoved: 0, cleanupFailures: 0 });
    expect(calls('delete', value)).toHaveLength(1);
    expect((await row(d, id)).record_state).toBe('present');

    await d.daemon.database.db.execute(sql`update challenges set updated_at = now() - interval '3 minutes' where id = ${id}`);
    expect(await d.daemon.janitor.runOnce()).toMatchObject({ recordsRemoved: 1, cleanupFailures: 0 });
    expect(calls('delete', value)).toHaveLength(2);
    expect(calls('delete', value)[1]!.body.value).toBe(value);
    expect(await row(d, id)).toMatchObject({ status: 'DELETED', record_state: 'removed' });
  });

  it('(e) hard-deletes finished rows after 7 days, but never one whose record may still exist', async () => {
    const d = await daemon({});
    const pid = await d.addProvider(webhook('retention'));
    const ids: Record<string, string> = {};
    for (const name of ['old', 'recent', 'stuck']) {
      ids[name] = await create(d, pid, `_acme-challenge.${name}.example.com`, txtValue(`retention-${name}-${randomBytes(4).toString('hex')}`));
    }
    for (const name of ['old', 'recent']) expect((await d.internal(`/${ids[name]}`, { method: 'DELETE' })).status).toBe(200);
    hook.setBehaviour({ kind: 'status', status: 500 });
    expect((await d.internal(`/${ids.stuck}`, { method: 'DELETE' })).status).toBe(502);
    hook.setBehaviour({ kind: 'ok' });
    expect(await row(d, ids.stuck!)).toMatchObject({ status: 'DELETED', record_state: 'present' });

    const setCompleted = (id: string, age: string) =>
      d.daemon.database.db.execute(sql`update challenges set completed_at = now() - ${age}::interval where id = ${id}`);
    await setCompleted(ids.old!, '8 days');
    await setCompleted(ids.recent!, '6 days');
    await setCompleted(ids.stuck!, '8 days');

    const report = await d.daemon.janitor.runOnce();
    expect(report.rowsDeleted).toBe(1);
    expect((await d.internal(`/${ids.old}`, { method: 'GET' })).status).toBe(404);
    expect((await row(d, ids.recent!)).record_state).toBe('removed');
    expect((await row(d, ids.stuck!)).record_state).toBe('present');
  });
});

describe('janitor on embedded PGlite', () => {
  it('(a) expires an unfinished challenge and removes its record exactly once', async () => {
    await expiryCase('pglite');
  });
});
