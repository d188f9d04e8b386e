// PostgreSQL not up at start-up: the daemon process waits for it (alive, not ready, 503 elsewhere) and serves once it
// comes; with no database for DNS01_DATABASE_WAIT it exits non-zero saying so; SIGTERM ends the wait at once.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { txtValue } from '../support/daemon.js';
import { startDaemonProcess, type DaemonProcess } from '../support/daemon-process.js';
import { freePort } from '../support/ports.js';
import { startPostgres, type PgServer } from '../support/postgres.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

let hook: WebhookReceiver;
const procs: DaemonProcess[] = [];
let pg: PgServer | undefined;

beforeAll(async () => {
  hook = await startWebhookReceiver();
});
afterAll(async () => {
  try {
    await Promise.all(procs.map((p) => p.stop()));
  } finally {
    await pg?.stop();
    await hook?.stop();
  }
});

async function start(opts: Parameters<typeof startDaemonProcess>[0]): Promise<DaemonProcess> {
  const p = await startDaemonProcess(opts);
  procs.push(p);
  return p;
}

/** A URL whose server is not there: a free port, and a password to look for in the output. */
async function absentDatabase(): Promise<{ url: string; password: string }> {
  const password = `pw-${randomBytes(12).toString('hex')}`;
  return { url: `postgres://postgres:${password}@127.0.0.1:${await freePort()}/postgres`, password };
}

/** The `attempt` and `nextTryInMs` of each logged try. */
function tries(output: string): { attempt: number; nextTryInMs: number }[] {
  return output.split('\n').filter((l) => l.includes('database not reachable; trying again')).map((l) => JSON.parse(l) as { attempt: number; nextTryInMs: number });
}

describe('start-up before PostgreSQL', () => {
  it('answers /health 200 and /ready 503 while it waits, then becomes ready when PostgreSQL comes up and serves a challenge', async () => {
    // A real server's port and password with nothing listening on it yet: started, then stopped (it keeps both).
    pg = await startPostgres();
    await pg.shutdown();
    const password = decodeURIComponent(new URL(pg.url).password);
    const proc = await start({ databaseUrl: pg.url, until: 'listening' });

    expect((await fetch(`${proc.url}/health`)).status).toBe(200);
    const ready = await fetch(`${proc.url}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'starting', checks: { database: { ok: false, kind: 'postgres' } } });
    expect((await fetch(`${proc.url}/metrics`)).status).toBe(200);
    // Every other route: a clear 503, whatever the credentials, nothing else.
    for (const res of [await proc.admin('/dns-providers'), await proc.internal('/create', { body: { fqdn: '_acme-challenge.late.example.com', value: txtValue('early') } })]) {
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('SERVICE_UNAVAILABLE');
    }
    // Each try is logged with its number and the delay before the next; the delays grow.
    await expect.poll(() => tries(proc.output()).length, { timeout: 30_000 }).toBeGreaterThanOrEqual(3);
    const [first, second] = tries(proc.output());
    expect(first).toMatchObject({ attempt: 1 });
    expect(second!.attempt).toBe(2);
    expect(second!.nextTryInMs).toBeGreaterThan(first!.nextTryInMs);
    expect((await (await fetch(`${proc.url}/ready`)).json()) as { checks: { database: { attempts: number; error: string } } })
      .toMatchObject({ checks: { database: { error: expect.stringContaining('ECONNREFUSED') } } });

    await pg.start();
    await expect.poll(async () => (await fetch(`${proc.url}/ready`)).status, { timeout: 60_000 }).toBe(200);
    const providerId = await proc.addProvider({ name: 'late', provider_type: 'webhook', credentials: { create_url: hook.url, max_retries: 0 } });
    const value = txtValue(`late-${randomBytes(4).toString('hex')}`);
    const created = await proc.internal('/create', { body: { provider_id: providerId, fqdn: '_acme-challenge.late.example.com', value } });
    expect(created.status, await created.clone().text()).toBe(201);
    expect(hook.calls.some((c) => c.body?.value === value)).toBe(true);
    expect(proc.output()).toContain('"msg":"database reachable"');
    expect(proc.output()).not.toContain(password);
  }, 180_000);

  it('gives up after DNS01_DATABASE_WAIT with a message naming it, and exits 1', async () => {
    const db = await absentDatabase();
    const proc = await start({ databaseUrl: db.url, env: { DNS01_DATABASE_WAIT: '2s' }, until: 'spawned' });
    expect(await proc.exited).toEqual({ code: 1, signal: null });
    expect(proc.output()).toMatch(/dns01-proxy: failed to start: the database did not answer within 2s \(DNS01_DATABASE_WAIT; \d+ attempts, last error: .*ECONNREFUSED/);
    expect(tries(proc.output()).length).toBeGreaterThanOrEqual(1);
    expect(proc.output()).not.toContain(db.password);
  });

  it('stops waiting on SIGTERM and exits 0', async () => {
    const db = await absentDatabase();
    // The default wait (5 minutes) is far longer than the test may take: only SIGTERM can end it in time.
    const proc = await start({ databaseUrl: db.url, until: 'listening' });
    await expect.poll(() => tries(proc.output()).length).toBeGreaterThanOrEqual(1);
    expect(await proc.kill('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(proc.output()).toContain('stopped before start-up finished');
  });
});
