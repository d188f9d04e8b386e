// /ready and the encryption keys: not ready while an enabled provider or zone credential needs a key this replica lacks
// (the missing key's fingerprint named), ready again with the key; one damaged row stays that provider's own error.
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keyring } from '../../src/crypto/keyring.js';
import { dnsProviders } from '../../src/db/schema.js';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

interface Ready { status: string; checks: Record<string, { ok: boolean; error?: string; missing?: { key_version: string; providers: number; credentials: number }[] }> }

async function ready(d: TestDaemon): Promise<{ status: number; body: Ready; text: string }> {
  const res = await fetch(`${d.url}/ready`);
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as Ready, text };
}

async function create(d: TestDaemon, providerId: string): Promise<{ status: number; code?: string; message?: string }> {
  const res = await d.internal('/create', { body: { provider_id: providerId, fqdn: '_acme-challenge.keys.example.com', value: txtValue(randomBytes(8).toString('hex')) } });
  const body = (await res.json()) as { error?: { code: string; message: string } };
  return { status: res.status, ...(body.error ? { code: body.error.code, message: body.error.message } : {}) };
}

describe('/ready and the encryption keys', () => {
  let db: TestDatabase;
  let hook: WebhookReceiver;
  const oldKey = randomBytes(32).toString('base64');
  const newKey = randomBytes(32).toString('base64');
  const newVersion = new Keyring(newKey).writeVersion;
  const started: TestDaemon[] = [];
  const start = async (env: Record<string, string>) => {
    const d = await startTestDaemon({ databaseUrl: db.url, env });
    started.push(d);
    return d;
  };
  const ids: Record<'a' | 'b' | 'multi', string> = { a: '', b: '', multi: '' };

  beforeAll(async () => {
    db = await createTestDatabase();
    hook = await startWebhookReceiver();
  });
  afterAll(async () => {
    for (const d of started) await d.stop().catch(() => undefined);
    await hook?.stop();
    await db?.drop();
  });

  it('after a rotation, a replica started with the old key only is not ready and names the missing key', async () => {
    const first = await start({ DNS01_ENCRYPTION_KEY: oldKey });
    ids.a = await first.addProvider({ name: 'a', provider_type: 'webhook', credentials: { create_url: hook.url, max_retries: 0 } });
    ids.b = await first.addProvider({ name: 'b', provider_type: 'webhook', credentials: { create_url: hook.url, max_retries: 0 } });
    ids.multi = await first.addProvider({ name: 'multi', provider_type: 'webhook', use_multi_credentials: true, credentials: { create_url: hook.url, max_retries: 0 } });
    expect((await first.admin(`/dns-providers/${ids.multi}/credentials`, { method: 'POST', body: { label: 'zone', zone_filter: 'zone.example', credentials: { create_url: hook.url } } })).status).toBe(201);
    expect((await ready(first)).status).toBe(200);
    await first.stop();

    // The runbook's step 2: the new key current, the old one readable; the start-up rotation moves every row.
    const second = await start({ DNS01_ENCRYPTION_KEY: newKey, DNS01_ENCRYPTION_KEY_V1: oldKey });
    await expect.poll(async () => ((await (await second.admin('/admin/encryption/history')).json()) as { rotations: { outcome: string }[] }).rotations[0]?.outcome).toBe('completed');
    expect((await ready(second)).status).toBe(200);
    await second.stop();

    // Rolled back to the old key alone: every row is under a key this replica lacks.
    const third = await start({ DNS01_ENCRYPTION_KEY: oldKey });
    const r = await ready(third);
    expect(r.status).toBe(503);
    expect(r.body.checks.database!.ok).toBe(true);
    expect(r.body.checks.keys).toMatchObject({ ok: false, error: expect.stringContaining('not configured') });
    // The fingerprint an operator compares with their keys; 3 providers, the multi provider's catch-all and zone rows.
    expect(r.body.checks.keys!.missing).toEqual([{ key_version: newVersion, providers: 3, credentials: 2 }]);
    for (const key of [newKey, oldKey]) expect(r.text).not.toContain(key);
    expect(await create(third, ids.a)).toMatchObject({ status: 500, code: 'CREDENTIALS_UNREADABLE' });

    // A provider whose credentials this replica can read still works meanwhile (docs/operations.md, key rotation).
    const readable = await third.addProvider({ name: 'readable', provider_type: 'webhook', credentials: { create_url: hook.url, max_retries: 0 } });
    expect(await create(third, readable)).toMatchObject({ status: 201 });
    expect((await ready(third)).body.checks.keys!.missing).toEqual([{ key_version: newVersion, providers: 3, credentials: 2 }]);

    // Only enabled rows count: with the three providers disabled it is ready; enabling one makes it not ready again.
    for (const id of Object.values(ids)) expect((await third.admin(`/dns-providers/${id}`, { method: 'PUT', body: { enabled: false } })).status).toBe(200);
    expect((await ready(third)).status).toBe(200);
    expect((await third.admin(`/dns-providers/${ids.a}`, { method: 'PUT', body: { enabled: true } })).status).toBe(200);
    const again = await ready(third);
    expect(again.status).toBe(503);
    expect(again.body.checks.keys!.missing).toEqual([{ key_version: newVersion, providers: 1, credentials: 0 }]);
    for (const id of [ids.b, ids.multi]) expect((await third.admin(`/dns-providers/${id}`, { method: 'PUT', body: { enabled: true } })).status).toBe(200);
    await third.stop();
  });

  it('is ready with the right keys, and one damaged row under a configured key is that provider\'s error alone', async () => {
    const d = await start({ DNS01_ENCRYPTION_KEY: newKey, DNS01_ENCRYPTION_KEY_V1: oldKey });
    expect((await ready(d)).status).toBe(200);
    expect((await ready(d)).body.checks.keys).toEqual({ ok: true });

    // One ciphertext damaged (a byte of its body flipped), its key version still a configured one.
    const [row] = await d.daemon.database.db.select().from(dnsProviders).where(eq(dnsProviders.id, ids.a));
    const raw = Buffer.from(row!.credentialsEncrypted, 'base64');
    raw[raw.length - 1]! ^= 0xff;
    await d.daemon.database.db.update(dnsProviders).set({ credentialsEncrypted: raw.toString('base64') }).where(eq(dnsProviders.id, ids.a));
    d.daemon.providers.cache?.clear();

    const r = await ready(d);
    expect(r.status, r.text).toBe(200);
    expect(await create(d, ids.a)).toMatchObject({ status: 500, code: 'CREDENTIALS_UNREADABLE', message: expect.stringContaining('did not decrypt') });
    expect(await create(d, ids.b)).toMatchObject({ status: 201 });
  });

  it('a replica without the key a rotation on another replica moves rows to becomes not ready as the rows move', async () => {
    const fresh = await createTestDatabase();
    try {
      const lacking = await startTestDaemon({ databaseUrl: fresh.url, env: { DNS01_ENCRYPTION_KEY: oldKey } });
      started.push(lacking);
      await lacking.addProvider({ name: 'moved', provider_type: 'webhook', credentials: { create_url: hook.url } });
      expect((await ready(lacking)).status).toBe(200);
      const rotating = await startTestDaemon({ databaseUrl: fresh.url, env: { DNS01_ENCRYPTION_KEY: oldKey, DNS01_ENCRYPTION_KEY_NEXT: newKey, DNS01_ROTATE_ON_START: 'false' } });
      started.push(rotating);
      expect((await rotating.admin('/admin/encryption/rotate', { method: 'POST' })).status).toBe(202);
      await expect.poll(async () => (await ready(lacking)).body.checks.keys!.missing).toEqual([{ key_version: newVersion, providers: 1, credentials: 0 }]);
      expect((await ready(lacking)).status).toBe(503);
      await lacking.stop();
      await rotating.stop();
    } finally {
      await fresh.drop();
    }
  });
});
