// Key rotation: at start-up and on demand (PGlite here; PostgreSQL with a SIGKILL in test/faults); old keys still read; an unknown key is reported, never fatal.
import { randomBytes, randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keyring } from '../../src/crypto/keyring.js';
import { dnsProviders } from '../../src/db/schema.js';
import { refusal } from '../support/api.js';
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

  /** Each provider's key version, by name, as the API shows it. */
  async function versions(d: Awaited<ReturnType<typeof startTestDaemon>>): Promise<string[]> {
    return (await d.api.providers.list()).map((p) => p.key_version);
  }

  it('moves every row to the new key at start-up and keeps working', async () => {
    const first = await startTestDaemon({ databaseUrl: db.url, env: { DNS01_ENCRYPTION_KEY: oldKey } });
    const id = await first.addProvider({ name: 'rot', provider_type: 'webhook', credentials: { create_url: hook.url, auth_value: 'Bearer rotate-me-123456' } });
    const before = await versions(first);
    await first.stop();

    // Phase 2 of the runbook: the new key is current, the old one is still readable as V1.
    const second = await startTestDaemon({ databaseUrl: db.url, env: { DNS01_ENCRYPTION_KEY: newKey, DNS01_ENCRYPTION_KEY_V1: oldKey } });
    // The start-up run is the rotation job in the background: wait for its history row to finish.
    await expect.poll(async () => (await second.api.encryption.history())[0])
      .toMatchObject({ outcome: 'completed', trigger: 'startup' });
    const after = await versions(second);
    expect(after[0]).not.toBe(before[0]);
    expect(second.logs()).toContain('credentials re-encrypted under the current key');
    await second.stop();

    // The old key can now be dropped.
    const third = await startTestDaemon({ databaseUrl: db.url, env: { DNS01_ENCRYPTION_KEY: newKey } });
    await third.api.internal.create({ provider_id: id, fqdn: '_acme-challenge.rot.example.com', value: txtValue('rot') }, { status: 201 });
    expect(hook.calls.at(-1)!.headers.authorization).toBe('Bearer rotate-me-123456');
    await third.stop();
  });

  it('runs on demand with PGlite: one run at a time in the process, history and status', async () => {
    // One row per batch and a long pause, so the run is still going when the second request comes.
    const env = { DNS01_ENCRYPTION_KEY: oldKey, DNS01_ENCRYPTION_KEY_NEXT: newKey, DNS01_ROTATE_ON_START: 'false', DNS01_ROTATION_BATCH_SIZE: '1', DNS01_ROTATION_BATCH_PAUSE: '300ms' };
    const d = await startTestDaemon({ db: 'pglite', env });
    const db = d.daemon.database.db;
    const old = new Keyring(oldKey);
    const secrets = ['a', 'b', 'c'].map((n) => `Bearer pglite-${n}-secret`);
    for (const [i, secret] of secrets.entries()) {
      const id = randomUUID();
      const sealed = old.seal(JSON.stringify({ create_url: hook.url, auth_value: secret }), id);
      await db.insert(dnsProviders).values({ id, name: `p-${i}`, providerType: 'webhook', credentialsEncrypted: sealed.ciphertext, keyVersion: sealed.keyVersion });
    }
    const status = () => d.api.encryption.status();
    expect((await status()).rows).toEqual({ total: 3, current: 0, pending: 3, unreadable: 0 });
    await d.api.encryption.rotate();
    expect(await refusal(d.api.encryption.rotate())).toMatchObject({ status: 409, code: 'ROTATION_IN_PROGRESS' });
    await expect.poll(async () => (await status()).rotation.state).toBe('idle');
    const s = await status();
    expect(s.rows).toEqual({ total: 3, current: 3, pending: 0, unreadable: 0 });
    const [run] = await d.api.encryption.history(1);
    expect(run).toMatchObject({ outcome: 'completed', trigger: 'api', to_version: s.current_version, rows_total: 3, rows_done: 3, progress: 1 });
    expect((await d.admin('/admin/encryption/history?limit=0')).status).toBe(400);

    // The new key alone opens every row.
    const only = new Keyring(newKey);
    const rows = await db.select().from(dnsProviders).orderBy(dnsProviders.name);
    expect(rows.map((r) => JSON.parse(only.open({ ciphertext: r.credentialsEncrypted, keyVersion: r.keyVersion }, r.id)).auth_value)).toEqual(secrets);
    await d.stop();
    // PGlite's start (WASM, migrations) alone takes tens of seconds on a loaded machine.
  }, 180_000);

  it('an edit that lands while the job rewrites its row is kept: the job skips that row', async () => {
    const fresh = await createTestDatabase();
    const pg = postgres(fresh.url, { max: 2, onnotice: () => {} });
    const env = { DNS01_ENCRYPTION_KEY: oldKey, DNS01_ENCRYPTION_KEY_NEXT: newKey, DNS01_ROTATE_ON_START: 'false' };
    const d = await startTestDaemon({ databaseUrl: fresh.url, env });
    try {
      const old = new Keyring(oldKey);
      const ids = [randomUUID(), randomUUID(), randomUUID()];
      for (const [i, id] of ids.entries()) {
        const sealed = old.seal(JSON.stringify({ create_url: hook.url, auth_value: `Bearer before-${i}-secret` }), id);
        await pg`insert into dns_providers (id, name, provider_type, credentials_encrypted, key_version) values (${id}, ${`e-${i}`}, 'webhook', ${sealed.ciphertext}, ${sealed.keyVersion})`;
      }
      // An admin's write to row 1, held uncommitted until the job's UPDATE is waiting on its row lock.
      const edit = new Keyring(newKey).seal(JSON.stringify({ create_url: hook.url, auth_value: 'Bearer edited-secret' }), ids[1]!);
      await pg.begin(async (tx) => {
        await tx`update dns_providers set credentials_encrypted = ${edit.ciphertext}, key_version = ${edit.keyVersion} where id = ${ids[1]!}`;
        await d.api.encryption.rotate();
        await expect.poll(async () => (await pg`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query like 'update "dns_providers"%'`)[0]!.n).toBe(1);
      });
      await expect.poll(async () => (await d.api.encryption.history())[0]!.outcome).toBe('completed');
      const [run] = await d.api.encryption.history();
      expect(run).toMatchObject({ rows_total: 3, rows_done: 2, rows_skipped: 1 });
      const only = new Keyring(newKey);
      const rows = await pg<{ id: string; credentials_encrypted: string; key_version: string }[]>`select id, credentials_encrypted, key_version from dns_providers`;
      const secrets = new Map(rows.map((r) => [r.id, JSON.parse(only.open({ ciphertext: r.credentials_encrypted, keyVersion: r.key_version }, r.id)).auth_value]));
      expect(ids.map((id) => secrets.get(id))).toEqual(['Bearer before-0-secret', 'Bearer edited-secret', 'Bearer before-2-secret']);
      expect(rows.find((r) => r.id === ids[1])!.credentials_encrypted).toBe(edit.ciphertext);
    } finally {
      await d.stop();
      await pg.end({ timeout: 5 });
      await fresh.drop();
    }
  });

  it('a key that is not configured is reported, not fatal, and the provider answers CREDENTIALS_UNREADABLE', async () => {
    const d = await startTestDaemon({ databaseUrl: db.url, env: { DNS01_ENCRYPTION_KEY: randomBytes(32).toString('base64') } });
    expect(d.logs()).toContain('use a key that is not configured');
    const [provider] = await d.api.providers.list();
    expect(provider!.credentials_readable).toBe(false);
    const refused = await refusal(d.api.internal.create({ provider_id: provider!.id, fqdn: '_acme-challenge.k.example.com', value: txtValue('k') }));
    expect(refused).toMatchObject({ status: 500, code: 'CREDENTIALS_UNREADABLE' });
    await d.stop();
  });
});
