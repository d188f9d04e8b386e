// SIGTERM on a real daemon process: the in-flight create finishes (201), new requests are refused, exit code 0.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { txtValue } from '../support/daemon.js';
import { probe, startDaemonProcess, type DaemonProcess } from '../support/daemon-process.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

let hook: WebhookReceiver;
let db: TestDatabase;
let proc: DaemonProcess | undefined;
/** Opens the gate that holds every create at the receiver. */
let release: () => void = () => {};
const gate = new Promise<void>((r) => (release = r));

beforeAll(async () => {
  // A slow DNS API: every create is held until the test opens the gate (instead of a fixed ~1.5 s, which would race
  // with the checks made while the daemon drains).
  hook = await startWebhookReceiver({
    handler: async (body: { action?: string }) => {
      if (body?.action === 'create') await gate;
      return { success: true, message: 'ok', record_id: 'rec-slow' };
    },
  });
  db = await createTestDatabase();
});
afterAll(async () => {
  release();
  try {
    await proc?.stop();
  } finally {
    await db?.drop();
    await hook?.stop();
  }
});

describe('graceful shutdown', () => {
  it('drains the in-flight create on SIGTERM, refuses new requests, and exits 0', async () => {
    proc = await startDaemonProcess({ databaseUrl: db.url, env: { DNS01_SHUTDOWN_TIMEOUT: '30s' } });
    const pid = await proc.addProvider({ name: 'slow', provider_type: 'webhook', credentials: { create_url: hook.url, max_retries: 0, timeout_seconds: 30 } });
    const value = txtValue(`drain-${randomBytes(4).toString('hex')}`);

    const inFlight = proc.internal('/create', { body: { provider_id: pid, fqdn: '_acme-challenge.drain.example.com', value } }).then(
      async (r) => ({ status: r.status, body: (await r.json()) as { status?: string } }),
      (e: Error) => ({ status: 0, body: { error: e.message } as { status?: string } }),
    );
    // The create is in flight once the receiver holds it.
    for (let i = 0; !hook.calls.some((c) => c.body?.value === value); i++) {
      if (i > 600) throw new Error(`create never reached the receiver:\n${proc.output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    proc.child.kill('SIGTERM');

    // New connections are refused (or answered 503) while the old request is still being served.
    let refused: { status: number } | { error: string } | undefined;
    for (let i = 0; i < 400; i++) {
      const r = await probe(`${proc.url}/health`);
      // ECONNRESET is the instant the listener closes with a connection still in its backlog: look again.
      if (('error' in r && r.error !== 'ECONNRESET') || ('status' in r && r.status === 503)) { refused = r; break; }
      await new Promise((res) => setTimeout(res, 25));
    }
    expect(refused, 'a request after SIGTERM was still served').toBeDefined();
    if (refused && 'error' in refused) expect(refused.error).toBe('ECONNREFUSED');
    expect(proc.child.exitCode).toBeNull();

    // Let the receiver answer: the drained request completes normally.
    release();
    const res = await inFlight;
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.status).toBe('PENDING');
    expect(await proc.exited).toEqual({ code: 0, signal: null });
    expect(proc.output()).toContain('stopping: draining in-flight requests');
  });
});
