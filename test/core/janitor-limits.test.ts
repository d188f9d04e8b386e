// The janitor's limits with real processes and servers: hanging scripts leave nothing behind, hopeless rows stop being retried, undelivered rows need no cleanup.
import { randomBytes } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.js';
import { Cleanups } from '../support/cleanup.js';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { hostPidsWithEnv } from '../support/host-procs.js';
import { freeDnsPort, freePort } from '../support/ports.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/scripts/', import.meta.url));
interface Row { id: string; status: string; record_state: string; cleanup_attempts: number; error: string | null }

let root: string;
let scriptsDir: string;
let hook: WebhookReceiver;
const cleanups = new Cleanups();

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dns01-janitor-limits-'));
  await chmod(root, 0o755);
  scriptsDir = join(root, 'scripts');
  await mkdir(scriptsDir, { mode: 0o755 });
  await copyFile(join(FIXTURES, 'hang-delete.sh'), join(scriptsDir, 'hang-delete.sh'));
  await chmod(join(scriptsDir, 'hang-delete.sh'), 0o755);
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
  await rm(root, { recursive: true, force: true });
});

async function daemon(opts: Parameters<typeof startTestDaemon>[0]): Promise<TestDaemon> {
  const d = await startTestDaemon(opts);
  cleanups.add(() => d.stop());
  return d;
}

async function rowsWhere(d: TestDaemon, value: string): Promise<Row[]> {
  return rowsOf<Row>(await d.daemon.database.db.execute(sql`select id, status, record_state, cleanup_attempts, error from challenges where value = ${value}`));
}

/** Makes the row due for the janitor now: past its backoff and its lease. */
async function due(d: TestDaemon, id: string): Promise<void> {
  await d.daemon.database.db.execute(sql`update challenges set updated_at = now() - interval '2 hours', claimed_until = null where id = ${id}`);
}

async function create(d: TestDaemon, providerId: string, fqdn: string, value: string): Promise<{ status: number; code?: string }> {
  const res = await d.internal('/create', { body: { provider_id: providerId, fqdn, value } });
  const body = (await res.json()) as { error?: { code: string } };
  return { status: res.status, ...(body.error ? { code: body.error.code } : {}) };
}

describe('janitor and a hanging cleanup script', () => {
  it('50 retries leave no process behind', async () => {
    const out = await mkdtemp(join(root, 'out-'));
    await chmod(out, 0o777);
    const marker = `OUT_DIR=${out}`;
    const d = await daemon({ env: { DNS01_SCRIPTS_DIR: scriptsDir }, janitor: { maxCleanupAttempts: 100 } });
    const pid = await d.addProvider({
      name: 'hanging-cleanup', provider_type: 'script',
      credentials: { script_path: 'hang-delete.sh', timeout_seconds: 1, env_vars: { OUT_DIR: out } },
    });
    const value = txtValue(`hang-${randomBytes(4).toString('hex')}`);
    expect(await create(d, pid, '_acme-challenge.hang.example.com', value)).toEqual({ status: 201 });
    const [row] = await rowsWhere(d, value);
    // Past its expiry: the janitor's first run expires it and tries the cleanup.
    await d.daemon.database.db.execute(sql`update challenges set expires_at = now() - interval '1 second' where id = ${row!.id}`);
    expect(await d.daemon.janitor.runOnce()).toMatchObject({ expired: 1, cleanupFailures: 1 });
    expect(hostPidsWithEnv(marker)).toEqual([]);
    for (let i = 1; i < 50; i++) {
      await due(d, row!.id);
      // A fresh guard each time: the circuit breaker would soon stop calling the script, and this test wants every retry to run it.
      d.daemon.calls.forget(pid);
      expect(await d.daemon.janitor.runOnce()).toMatchObject({ cleanupFailures: 1, recordsRemoved: 0 });
      expect(hostPidsWithEnv(marker)).toEqual([]);
    }
    // Every retry really ran the script (and its setsid grandchild).
    expect((await readFile(join(out, 'runs'), 'utf8')).split('\n').filter(Boolean)).toHaveLength(50);
    const [after] = await rowsWhere(d, value);
    expect(after).toMatchObject({ status: 'EXPIRED', record_state: 'present', cleanup_attempts: 50 });
    expect(after!.error).toMatch(/^cleanup SCRIPT_TIMEOUT/);
  }, 300_000);
});

describe('janitor ceiling', () => {
  it('stops retrying a row after maxCleanupAttempts and reports it in dns01_janitor_stuck_records', async () => {
    const d = await daemon({ janitor: { maxCleanupAttempts: 3 } });
    const pid = await d.addProvider({ name: 'hook-500', provider_type: 'webhook', credentials: { create_url: hook.url, max_retries: 0 } });
    const value = txtValue(`stuck-${randomBytes(4).toString('hex')}`);
    expect(await create(d, pid, '_acme-challenge.stuck.example.com', value)).toEqual({ status: 201 });
    const [row] = await rowsWhere(d, value);
    hook.setBehaviour({ kind: 'status', status: 500 });
    const deletes = () => hook.calls.filter((c) => c.body?.action === 'delete' && c.body?.value === value).length;

    expect((await d.internal(`/${row!.id}`, { method: 'DELETE' })).status).toBe(502);
    for (let i = 2; i <= 3; i++) {
      await due(d, row!.id);
      expect(await d.daemon.janitor.runOnce()).toMatchObject({ cleanupFailures: 1, stuck: i === 3 ? 1 : 0 });
    }
    expect(deletes()).toBe(3);
    expect(d.logs()).toContain('janitor gives up on a record');

    // Due again, but past the ceiling: left alone, and counted.
    await due(d, row!.id);
    expect(await d.daemon.janitor.runOnce()).toMatchObject({ cleanupFailures: 0, recordsRemoved: 0, stuck: 1 });
    expect(deletes()).toBe(3);
    const metrics = await (await fetch(`${d.url}/metrics`)).text();
    expect(metrics).toMatch(/^dns01_janitor_stuck_records 1$/m);
    expect((await rowsWhere(d, value))[0]).toMatchObject({ status: 'DELETED', record_state: 'present', cleanup_attempts: 3 });

    // A DELETE by hand still tries once more, and a success clears the count.
    hook.setBehaviour({ kind: 'ok' });
    expect((await d.internal(`/${row!.id}`, { method: 'DELETE' })).status).toBe(200);
    expect(await d.daemon.janitor.runOnce()).toMatchObject({ stuck: 0 });
    expect(await (await fetch(`${d.url}/metrics`)).text()).toMatch(/^dns01_janitor_stuck_records 0$/m);
  }, 120_000);
});

describe('presents that provably reached nobody', () => {
  it('webhook connection refused: FAILED with record_state none, and the janitor has nothing to clean', async () => {
    const d = await daemon({});
    const refused = await d.addProvider({
      name: 'refused', provider_type: 'webhook',
      credentials: { create_url: `http://127.0.0.1:${await freePort()}/hook`, max_retries: 2, retry_backoff_ms: 1 },
    });
    const value = txtValue(`refused-${randomBytes(4).toString('hex')}`);
    expect(await create(d, refused, '_acme-challenge.refused.example.com', value)).toEqual({ status: 502, code: 'WEBHOOK_FAILED' });
    expect(await rowsWhere(d, value)).toMatchObject([{ status: 'FAILED', record_state: 'none', cleanup_attempts: 0 }]);
    expect(await d.daemon.janitor.runOnce()).toMatchObject({ cleanupFailures: 0, recordsRemoved: 0, stuck: 0 });

    // Contrast: a far side that answered 500 may have written the record; that row stays for the janitor.
    const answered = await d.addProvider({ name: 'answered-500', provider_type: 'webhook', credentials: { create_url: hook.url, max_retries: 0 } });
    hook.setBehaviour({ kind: 'status', status: 500 });
    const v2 = txtValue(`answered-${randomBytes(4).toString('hex')}`);
    expect(await create(d, answered, '_acme-challenge.answered.example.com', v2)).toEqual({ status: 502, code: 'WEBHOOK_FAILED' });
    expect(await rowsWhere(d, v2)).toMatchObject([{ status: 'FAILED', record_state: 'unknown' }]);
  }, 60_000);

  it('rfc2136 to a closed UDP port: DNS_SERVER_ERROR and record_state none', async () => {
    const d = await daemon({});
    const pid = await d.addProvider({
      name: 'closed-ns', provider_type: 'rfc2136',
      credentials: { nameserver: '127.0.0.1', port: await freeDnsPort(), tsig_key_name: 'acme', tsig_key_secret: randomBytes(32).toString('base64'), zone: 'example.test' },
    });
    const value = txtValue(`closed-${randomBytes(4).toString('hex')}`);
    expect(await create(d, pid, '_acme-challenge.closed.example.test', value)).toEqual({ status: 502, code: 'DNS_SERVER_ERROR' });
    expect(await rowsWhere(d, value)).toMatchObject([{ status: 'FAILED', record_state: 'none' }]);
  }, 60_000);
});

describe('webhook save-time check with private webhooks off', () => {
  it('refuses localhost and other special-use names in every spelling with 400 WEBHOOK_TARGET_BLOCKED, saving nothing', async () => {
    const d = await daemon({ env: { DNS01_ALLOW_PRIVATE_WEBHOOKS: 'false' } });
    for (const url of ['https://localhost/', 'https://localhost./', 'https://LOCALHOST./', 'https://foo.localhost./', 'https://printer.local./', 'https://x.invalid/']) {
      const res = await d.admin('/dns-providers', { method: 'POST', body: { name: 'special', provider_type: 'webhook', credentials: { create_url: url } } });
      expect(res.status, url).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code, url).toBe('WEBHOOK_TARGET_BLOCKED');
    }
    const list = (await (await d.admin('/dns-providers')).json()) as { providers: unknown[] };
    expect(list.providers).toEqual([]);
    // /ready also says how scripts are contained here (this machine allows namespaces).
    const ready = (await (await fetch(`${d.url}/ready`)).json()) as { checks: Record<string, unknown> };
    expect(ready.checks.scripts).toEqual({ ok: true, sandbox: 'userns' });
    expect(d.logs()).not.toContain('scripts run without PID and network namespaces');
  }, 60_000);
});
