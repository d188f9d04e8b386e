// Online key rotation: a restart with a new write key re-encrypts every row; old keys still read; an unknown key is reported, never fatal.
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, txtValue } from '../support/daemon.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

describe('encryption key rotation', () => {
  let db: TestDatabase;
  let hook: WebhookReceiver;
  const oldKey = randomBytes(32).toString('base64');
  const newKey = randomBytes(32).toString('base64');

  beforeAll(async () => {
    db = await createTestDatabase();
    hook = await startWebhookReceiver();
  });
  afterAll(async () => {
    await hook?.stop();
    await db?.drop();
  });

  async function versions(d: Awaited<ReturnType<typeof startTestDaemon>>): Promise<string[]> {
    const r = await d.daemon.database.db.execute(sql`select key_version from dns_providers order by name`);
    return (Array.isArray(r) ? r : (r as unknown as { rows: unknown[] }).rows).map((x) => (x as { key_version: string }).key_version);
  }

  it('moves every row to the new key at start-up and keeps working', async () => {
    const first = await startTestDaemon({ databaseUrl: db.url, env: { DNS01_ENCRYPTION_KEY: oldKey } });
    const id = await first.addProvider({ name: 'rot', provider_type: 'webhook', credentials: { create_url: hook.url, auth_value: 'Bearer rotate-me-123456' } });
    const before = await versions(first);
    await first.stop();

    // Phase 2 of the runbook: the new key is current, the old one is still readable as V1.
    const second = await startTestDaemon({ databaseUrl: db.url, env: { DNS01_ENCRYPTION_KEY: newKey, DNS01_ENCRYPTION_KEY_V1: oldKey } });
    // The start-up run is the rotation job in the background: wait for its history row to finish.
    await expect.poll(async () => ((await (await second.admin('/admin/encryption/history')).json()) as { rotations: { outcome: string; trigger: string }[] }).rotations[0])
      .toMatchObject({ outcome: 'completed', trigger: 'startup' });
    const after = await versions(second);
    expect(after[0]).not.toBe(before[0]);
    expect(second.logs()).toContain('credentials re-encrypted under the current key');
    await second.stop();

    // The old key can now be dropped.
    const third = await startTestDaemon({ databaseUrl: db.url, env: { DNS01_ENCRYPTION_KEY: newKey } });
    expect((await third.internal('/create', { body: { provider_id: id, fqdn: '_acme-challenge.rot.example.com', value: txtValue('rot') } })).status).toBe(201);
    expect(hook.calls.at(-1)!.headers.authorization).toBe('Bearer rotate-me-123456');
    await third.stop();
  });

  it('a key that is not configured is reported, not fatal, and the provider answers CREDENTIALS_UNREADABLE', async () => {
    const d = await startTestDaemon({ databaseUrl: db.url, env: { DNS01_ENCRYPTION_KEY: randomBytes(32).toString('base64') } });
    expect(d.logs()).toContain('use a key that is not configured');
    const list = (await (await d.admin('/dns-providers')).json()) as { providers: { id: string; credentials_readable: boolean }[] };
    expect(list.providers[0]!.credentials_readable).toBe(false);
    const res = await d.internal('/create', { body: { provider_id: list.providers[0]!.id, fqdn: '_acme-challenge.k.example.com', value: txtValue('k') } });
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('CREDENTIALS_UNREADABLE');
    await d.stop();
  });
});
