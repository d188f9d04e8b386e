// PostgreSQL stopped and started five times under eight clients doing create+delete pairs: the daemon process
// never exits, answers 503 + Retry-After only around the outages, recovers on its own, and loses nothing.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { txtValue } from '../support/daemon.js';
import { startDaemonProcess, type DaemonProcess } from '../support/daemon-process.js';
import { startPostgres, type PgServer } from '../support/postgres.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const CLIENTS = 8;
const OUTAGES = 5;

let pg: PgServer;
let hook: WebhookReceiver;
let proc: DaemonProcess;
let providerId: string;

beforeAll(async () => {
  [pg, hook] = await Promise.all([startPostgres(), startWebhookReceiver()]);
  // A janitor every second, so rows of creates that were cut off by an outage are finished within the test.
  proc = await startDaemonProcess({ databaseUrl: pg.url, env: { DNS01_JANITOR_INTERVAL: '1s' } });
  providerId = await proc.addProvider({
    name: 'outage', provider_type: 'webhook', credentials: { create_url: hook.url, max_retries: 0 }, settings: { rate_limit_per_minute: 10_000 },
  });
});
afterAll(async () => {
  try {
    await proc?.stop();
  } finally {
    await pg?.stop();
    await hook?.stop();
  }
});

interface Reply { status: number; retryAfter: string | null; startedAt: number; endedAt: number; body: Record<string, any> }

/** The daemon's own account of the 503s it gave (when, and which error it mapped), for failure messages. */
const unavailableLog = () => proc.output().split('\n').filter((l) => l.includes('database unavailable')).slice(-30).join('\n');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Fails the test with the daemon's last words if the process has exited. */
function alive(): void {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
    throw new Error(`the daemon exited (${proc.child.exitCode ?? proc.child.signalCode}):\n${proc.output().slice(-6000)}`);
  }
}

async function call(path: string, init: { method?: string; body?: unknown }): Promise<Reply> {
  const startedAt = Date.now();
  try {
    const res = await proc.internal(path, init);
    const body = (await res.json()) as Record<string, any>;
    return { status: res.status, retryAfter: res.headers.get('retry-after'), startedAt, endedAt: Date.now(), body };
  } catch (err) {
    // The daemon is gone (or hung up): status 0, reported with its output below.
    return { status: 0, retryAfter: null, startedAt, endedAt: Date.now(), body: { error: String(err) } };
  }
}

describe('PostgreSQL outages under load', () => {
  it('keeps the process up, answers 503 only around outages, recovers without restart and loses nothing', { timeout: 600_000 }, async () => {
    const acknowledged = new Map<string, string>(); // challenge id -> value
    const replies: Reply[] = [];
    const unexpected: string[] = [];
    let running = true;

    const client = async (n: number) => {
      for (let i = 0; running; i++) {
        const value = txtValue(`c${n}-${i}-${randomBytes(4).toString('hex')}`);
        const created = await call('/create', { body: { provider_id: providerId, fqdn: `_acme-challenge.c${n}.outage.example.com`, value } });
        replies.push(created);
        if (created.status !== 201) {
          if (created.status !== 503) unexpected.push(`create ${created.status} ${JSON.stringify(created.body)}`);
          if (created.status === 0) running = false;
          await sleep(50);
          continue;
        }
        acknowledged.set(created.body.challenge_id, value);
        // Like a client that keeps its cleanup promise: the delete is retried until it lands.
        for (;;) {
          const del = await call(`/${created.body.challenge_id}`, { method: 'DELETE' });
          replies.push(del);
          if (del.status === 200) break;
          if (del.status !== 503) { unexpected.push(`delete ${del.status} ${JSON.stringify(del.body)}`); running = del.status !== 0 && running; break; }
          await sleep(50);
        }
      }
    };

    const outages: { down: number; up: number; back: number }[] = [];
    /** When the first request sent after `t` succeeded. */
    const firstSuccessAfter = async (t: number) => {
      for (let i = 0; ; i++) {
        const ok = replies.filter((r) => r.startedAt >= t && (r.status === 201 || r.status === 200));
        if (ok.length > 0) return Math.min(...ok.map((r) => r.endedAt));
        alive();
        if (i > 1200) throw new Error(`no request succeeded within 60 s of the database returning\n${proc.output().slice(-3000)}`);
        await sleep(50);
      }
    };

    // How often a provider call's outcome had to wait in memory for the database (the daemon logs each).
    let deferred = 0;
    proc.child.stdout?.on('data', (b: Buffer) => { deferred += b.toString().split('kept until the database is back').length - 1; });
    const clients = Array.from({ length: CLIENTS }, (_, n) => client(n));
    const waitForTraffic = async (n: number) => {
      const target = acknowledged.size + n;
      for (let i = 0; acknowledged.size < target; i++) {
        alive();
        if (i > 1200) throw new Error(`no progress: ${acknowledged.size} acknowledged\n${proc.output().slice(-3000)}`);
        await sleep(50);
      }
    };
    for (let k = 0; k < OUTAGES; k++) {
      await waitForTraffic(CLIENTS);
      const down = Date.now();
      await pg.shutdown();
      // Some requests must meet the outage.
      const before = replies.length;
      for (let i = 0; replies.length < before + CLIENTS && i < 400; i++) await sleep(25);
      alive();
      expect((await fetch(`${proc.url}/health`)).status).toBe(200);
      await pg.start();
      const up = Date.now();
      outages.push({ down, up, back: await firstSuccessAfter(up) });
    }
    await waitForTraffic(CLIENTS);
    running = false;
    await Promise.all(clients);

    // The process never exited and is fully ready again.
    expect(proc.child.exitCode, proc.output().slice(-3000)).toBeNull();
    expect(proc.child.signalCode).toBeNull();
    expect((await fetch(`${proc.url}/ready`)).status).toBe(200);
    expect(unexpected).toEqual([]);

    // Every 503 carries Retry-After and belongs to an outage: the request was sent before the first success
    // after the database was back, and answered after the stop began.
    const unavailable = replies.filter((r) => r.status === 503);
    expect(unavailable.length).toBeGreaterThan(0);
    const t0 = outages[0]!.down;
    const timeline = outages.map((o) => `down ${o.down - t0} up ${o.up - t0} back ${o.back - t0}`).join('; ');
    for (const r of unavailable) {
      expect(r.body.error?.code).toBe('SERVICE_UNAVAILABLE');
      expect(r.retryAfter).toMatch(/^\d+$/);
      expect(outages.some((o) => r.endedAt >= o.down && r.startedAt <= o.back),
        `503 for a request sent at ${r.startedAt - t0} ms, answered at ${r.endedAt - t0} ms (${timeline})\n${unavailableLog()}`).toBe(true);
    }

    // Every row ends terminal with no record left: rows of creates cut off by an outage are the janitor's.
    const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
    type Row = { id: string; status: string; record_state: string; value: string };
    const unsettled = (rows: Row[]) => rows.filter((r) => !['VERIFIED', 'DELETED', 'EXPIRED', 'FAILED'].includes(r.status) || !['none', 'removed'].includes(r.record_state));
    let rows: Row[] = [];

    try {
      for (let i = 0; ; i++) {
        rows = await sql<Row[]>`select id, status, record_state, value from challenges`;
        if (unsettled(rows).length === 0) break;
        if (i > 600) throw new Error(`rows still open after 2 min: ${JSON.stringify(unsettled(rows))}\n${proc.output().slice(-3000)}`);
        await sleep(200);
      }
    } finally {
      await sql.end({ timeout: 5 });
    }

    // Nothing lost: every acknowledged create is tracked and was deleted exactly once; no record written to
    // the receiver was left behind, acknowledged or not.
    const count = (action: string, value: string) => hook.calls.filter((c) => c.body?.action === action && c.body?.value === value).length;
    for (const [id, value] of acknowledged) {
      expect(rows.find((r) => r.id === id), id).toMatchObject({ status: 'DELETED', record_state: 'removed' });
      expect([id, count('create', value), count('delete', value)]).toEqual([id, 1, 1]);
    }
    const written = new Set(hook.calls.filter((c) => c.body?.action === 'create').map((c) => c.body.value as string));
    for (const value of written) expect(count('delete', value), value).toBeGreaterThanOrEqual(1);

    const deletes = hook.calls.filter((c) => c.body?.action === 'delete').length;
    console.log(`outages: ${outages.map((o) => `back ${o.back - o.up} ms after pg_ctl start returned (down for ${o.up - o.down} ms)`).join('; ')}; ` +
      `${acknowledged.size} acknowledged pairs, ${replies.length} replies, ${unavailable.length} 503s, ${deferred} outcomes held for the database, ${written.size} creates and ${deletes} deletes at the receiver, ${rows.length} rows`);
  });
});
