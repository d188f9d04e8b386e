// Peers that never answer: a hanging webhook, a wedged DNS server and a hanging script each end within their
// timeouts with their documented 504 codes, while another provider keeps answering; a shutdown cuts off what still hangs.
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.js';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

let hanging: WebhookReceiver;
// A DNS server that is up but wedged: it takes every UDP query and never answers (a closed port is
// DNS_SERVER_ERROR at once instead; test/dns/transport.test.ts covers that).
let silentDns: Socket;
let good: WebhookReceiver;
let root: string;
let d: TestDaemon;
const ids: Record<string, string> = {};

beforeAll(async () => {
  [hanging, good] = await Promise.all([startWebhookReceiver(), startWebhookReceiver()]);
  silentDns = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    silentDns.once('error', reject);
    silentDns.bind(0, '127.0.0.1', () => resolve());
  });
  hanging.setBehaviour({ kind: 'hang' });
  root = await mkdtemp(join(tmpdir(), 'dns01-fault-script-'));
  await chmod(root, 0o755);
  const scriptsDir = join(root, 'scripts');
  await mkdir(scriptsDir, { mode: 0o755 });
  await writeFile(join(scriptsDir, 'hang.sh'), '#!/bin/sh\nsleep 600\n', { mode: 0o755 });
  d = await startTestDaemon({ env: { DNS01_SCRIPTS_DIR: scriptsDir, DNS01_SHUTDOWN_TIMEOUT: '1s' } });
  const settings = { rate_limit_per_minute: 10_000 };
  ids.webhook = await d.addProvider({ name: 'hanging-hook', provider_type: 'webhook', credentials: { create_url: hanging.url, max_retries: 0, timeout_seconds: 5 }, settings });
  ids.dns = await d.addProvider({
    name: 'dead-dns', provider_type: 'rfc2136', settings,
    credentials: { nameserver: '127.0.0.1', port: silentDns.address().port, zone: 'example.test', tsig_key_name: 'k', tsig_key_secret: randomBytes(32).toString('base64'), tsig_algorithm: 'hmac-sha256' },
  });
  ids.script = await d.addProvider({ name: 'hanging-script', provider_type: 'script', credentials: { script_path: 'hang.sh', timeout_seconds: 5 }, settings });
  ids.good = await d.addProvider({ name: 'answering', provider_type: 'webhook', credentials: { create_url: good.url, max_retries: 0 }, settings });
});
afterAll(async () => {
  try {
    await d?.stop().catch(() => undefined);
  } finally {
    await hanging?.stop();
    await good?.stop();
    silentDns?.close();
    if (root) await rm(root, { recursive: true, force: true });
  }
});

async function create(providerId: string, label: string): Promise<{ status: number; code?: string; endedAt: number }> {
  const res = await d.internal('/create', { body: { provider_id: providerId, fqdn: `_acme-challenge.${label}.example.test`, value: txtValue(`${label}-${randomBytes(4).toString('hex')}`) } });
  const body = (await res.json()) as { error?: { code: string } };
  return { status: res.status, ...(body.error ? { code: body.error.code } : {}), endedAt: Date.now() };
}

describe('hanging peers', () => {
  it('each times out with its own code while another provider keeps answering', { timeout: 120_000 }, async () => {
    const stuck = { webhook: create(ids.webhook!, 'hook'), dns: create(ids.dns!, 'dns'), script: create(ids.script!, 'script') };
    // While all three hang, the answering provider works.
    const ok = await create(ids.good!, 'good');
    expect(ok.status).toBe(201);
    const [webhook, dns, script] = await Promise.all([stuck.webhook, stuck.dns, stuck.script]);
    expect(webhook).toMatchObject({ status: 504, code: 'WEBHOOK_TIMEOUT' });
    expect(dns).toMatchObject({ status: 504, code: 'DNS_TIMEOUT' });
    expect(script).toMatchObject({ status: 504, code: 'SCRIPT_TIMEOUT' });
    // The good create was answered before any of the hanging ones gave up.
    expect(ok.endedAt).toBeLessThanOrEqual(Math.min(webhook.endedAt, dns.endedAt, script.endedAt));
    // A timeout may have written the record: each failed row keeps record_state 'unknown' for the janitor.
    const rows = rowsOf<{ status: string; record_state: string }>(await d.daemon.database.db.execute(sql`select status, record_state from challenges where provider_id in (${ids.webhook}, ${ids.dns}, ${ids.script})`));
    expect(rows).toHaveLength(3);
    for (const r of rows) expect(r).toEqual({ status: 'FAILED', record_state: 'unknown' });
  });

  it('a shutdown aborts a plugin call still hanging at the drain deadline and leaves its row for the janitor', { timeout: 120_000 }, async () => {
    const slow = await d.addProvider({ name: 'slow-hook', provider_type: 'webhook', credentials: { create_url: hanging.url, max_retries: 0, timeout_seconds: 60 }, settings: { rate_limit_per_minute: 10_000 } });
    const before = hanging.calls.length;
    const pending = create(slow, 'slow');
    for (let i = 0; hanging.calls.length === before; i++) {
      if (i > 600) throw new Error('create never reached the webhook');
      await new Promise((r) => setTimeout(r, 20));
    }
    // Past the 1 s drain deadline the webhook call is aborted instead of running out its 60 s timeout.
    const rowsBefore = rowsOf<{ id: string; status: string; record_state: string }>(await d.daemon.database.db.execute(sql`select id, status, record_state from challenges where provider_id = ${slow}`));
    expect(rowsBefore).toEqual([expect.objectContaining({ status: 'CREATED', record_state: 'unknown' })]);
    const stopped = d.daemon.stop().then(() => Date.now());
    const started = Date.now();
    await pending.catch(() => undefined);
    const stoppedAt = await stopped;
    expect(d.daemon.calls.stopping.aborted).toBe(true);
    console.log(`shutdown with a 60 s webhook call in flight took ${stoppedAt - started} ms (drain deadline 1 s)`);
    expect(stoppedAt - started).toBeLessThan(30_000);
    // The row was not marked done: it is still CREATED/unknown, which the janitor fails and cleans up.
    const restarted = await startTestDaemon({ databaseUrl: (d.daemon.config.databaseUrl)!, env: { DNS01_ENCRYPTION_KEY: d.daemon.config.encryptionKey! } });
    try {
      const [row] = rowsOf<{ status: string; record_state: string }>(await restarted.daemon.database.db.execute(sql`select status, record_state from challenges where id = ${rowsBefore[0]!.id}`));
      expect(row).toEqual({ status: 'CREATED', record_state: 'unknown' });
    } finally {
      await restarted.daemon.stop();
    }
  });
});
