// Key rotation on demand with real PostgreSQL and real daemon processes: 1,000 providers and 200 zone credentials rotated while challenges are created, SIGKILL halfway, resumed to completion.
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keyring } from '../../src/crypto/keyring.js';
import { txtValue } from '../support/daemon.js';
import { startDaemonProcess, type DaemonProcess } from '../support/daemon-process.js';
import { freePort } from '../support/ports.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const run = promisify(execFile);
const PG_DUMP = existsSync('/usr/lib/postgresql/15/bin/pg_dump') ? '/usr/lib/postgresql/15/bin/pg_dump' : 'pg_dump';
const PROVIDERS = 1000;
/** Zone-specific credentials of one more provider; challenge k%4 === 3 goes through credential k%CREDS. */
const CREDS = 200;
/** Rows under V1 at the start: the providers, the zoned provider's own row, its credentials. */
const READABLE = PROVIDERS + 1 + CREDS;
const COLUMN = 'dns_providers.credentials_encrypted';

interface Status {
  current_version: string;
  keys: { version: string; slot: string | null; rows: number }[];
  rows: { total: number; current: number; pending: number; unreadable: number };
  rotation: { state: string; last: Rotation | null };
}
interface Rotation {
  id: string; outcome: string; trigger: string; replica: string; from_versions: string[]; to_version: string;
  rows_total: number; rows_done: number; rows_unreadable: number; rows_skipped: number;
}

describe('key rotation on demand, across a SIGKILL', () => {
  let db: TestDatabase;
  let hook: WebhookReceiver;
  let sql: postgres.Sql;
  const daemons: DaemonProcess[] = [];
  const v1 = randomBytes(32).toString('base64');
  const v2 = randomBytes(32).toString('base64');
  const lostKey = randomBytes(32).toString('base64');
  // Every secret shares this marker, so one search of a dump finds any of them in plain text.
  const marker = `plainsecret${randomBytes(6).toString('hex')}`;
  const secretOf = (i: number) => `Bearer ${marker}-${i}`;
  const ids: string[] = [];
  const credIds: string[] = [];
  const zonedId = randomUUID();
  /** Every encrypted row's id and the secret it holds (the zoned provider's own row holds secretOf(-1)). */
  const secretById = new Map<string, string>();
  const lostId = randomUUID();
  let lostCiphertext = '';

  beforeAll(async () => {
    db = await createTestDatabase();
    hook = await startWebhookReceiver();
    sql = postgres(db.url, { max: 2, onnotice: () => {} });
  });
  afterAll(async () => {
    for (const d of daemons) await d.stop();
    await sql?.end({ timeout: 5 });
    await hook?.stop();
    await db?.drop();
  });

  async function start(): Promise<DaemonProcess> {
    const d = await startDaemonProcess({
      databaseUrl: db.url,
      env: {
        DNS01_ENCRYPTION_KEY: v1, DNS01_ENCRYPTION_KEY_NEXT: v2, DNS01_ROTATE_ON_START: 'false',
        DNS01_ROTATION_BATCH_SIZE: '20', DNS01_ROTATION_BATCH_PAUSE: '100ms',
        // Nothing listens there: the zone walk fails at once and the webhook gets no zone.
        DNS01_DNS_RESOLVERS: `127.0.0.1:${await freePort()}`, LOG_LEVEL: 'info',
      },
    });
    daemons.push(d);
    return d;
  }
  const status = async (d: DaemonProcess) => (await (await d.admin('/admin/encryption/status')).json()) as Status;
  const history = async (d: DaemonProcess) => ((await (await d.admin('/admin/encryption/history')).json()) as { rotations: Rotation[] }).rotations;

  /** Every encrypted row there is: providers' and zone credentials'. */
  const encryptedRows = () => sql<{ id: string; credentials_encrypted: string; key_version: string }[]>`
    select id, credentials_encrypted, key_version from dns_providers
    union all select id, credentials_encrypted, key_version from dns_provider_credentials`;

  /** Data-only pg_dump of the whole database; the marker must never be in it. */
  async function dumpHasPlaintext(): Promise<boolean> {
    const { stdout } = await run(PG_DUMP, ['--data-only', `--dbname=${db.url}`], { timeout: 60_000, maxBuffer: 256 * 1024 * 1024 });
    expect(stdout).toContain('COPY public.dns_providers');
    return stdout.includes(marker);
  }

  /** Creates challenges through the internal API, each through another of the providers being rotated, until stopped. */
  function challengeLoad(d: DaemonProcess, from: number) {
    const results: { fqdn: string; provider: number; status: number; code?: string }[] = [];
    let stopped = false;
    const done = (async () => {
      for (let k = from; !stopped; k++) {
        const zoned = k % 4 === 3;
        const provider = zoned ? PROVIDERS + (k % CREDS) : (k * 37) % PROVIDERS;
        const fqdn = zoned ? `_acme-challenge.n${k}.z${k % CREDS}.example.net` : `_acme-challenge.n${k}.example.com`;
        const res = await d.internal('/create', { body: { provider_id: zoned ? zonedId : ids[provider], fqdn, value: txtValue(k) } });
        const body = (await res.json()) as { error?: { code: string } };
        results.push({ fqdn, provider, status: res.status, ...(body.error ? { code: body.error.code } : {}) });
      }
    })();
    // Seen by stop(); not an unhandled rejection when the test fails before stopping the load.
    done.catch(() => undefined);
    return { results, stop: async () => { stopped = true; await done; } };
  }

  it('rotates every row while challenges are served, survives a SIGKILL halfway, and finishes on the next run', async () => {
    const first = await start();

    // Set-up: 1,000 providers sealed under V1 as the daemon seals them, and one under a key no daemon has.
    const k1 = new Keyring(v1);
    const rows = Array.from({ length: PROVIDERS }, (_, i) => {
      const id = randomUUID();
      ids.push(id);
      const sealed = k1.seal(JSON.stringify({ create_url: hook.url, auth_value: secretOf(i) }), id);
      return { id, name: `rot-${String(i).padStart(4, '0')}`, provider_type: 'webhook', credentials_encrypted: sealed.ciphertext, key_version: sealed.keyVersion };
    });
    const lost = new Keyring(lostKey).seal(JSON.stringify({ create_url: hook.url, auth_value: `Bearer ${marker}-lost` }), lostId);
    lostCiphertext = lost.ciphertext;
    rows.push({ id: lostId, name: 'lost-key', provider_type: 'webhook', credentials_encrypted: lost.ciphertext, key_version: lost.keyVersion });
    const zonedOwn = k1.seal(JSON.stringify({ create_url: hook.url, auth_value: secretOf(-1) }), zonedId);
    rows.push({ id: zonedId, name: 'zoned', provider_type: 'webhook', credentials_encrypted: zonedOwn.ciphertext, key_version: zonedOwn.keyVersion });
    for (let i = 0; i < rows.length; i += 250) await sql`insert into dns_providers ${sql(rows.slice(i, i + 250))}`;
    // A quarter of the load goes through this one provider: its rate limit must not be what fails a challenge.
    await sql`update dns_providers set use_multi_credentials = true, settings = ${sql.json({ rateLimitPerMinute: 10_000 })} where id = ${zonedId}`;
    const creds = Array.from({ length: CREDS }, (_, j) => {
      const id = randomUUID();
      credIds.push(id);
      const sealed = k1.seal(JSON.stringify({ create_url: hook.url, auth_value: secretOf(PROVIDERS + j) }), id);
      return { id, dns_provider_id: zonedId, label: `z${j}`, zone_filter: `*.z${j}.example.net`, credentials_encrypted: sealed.ciphertext, key_version: sealed.keyVersion };
    });
    for (let i = 0; i < creds.length; i += 250) await sql`insert into dns_provider_credentials ${sql(creds.slice(i, i + 250))}`;
    ids.forEach((id, i) => secretById.set(id, secretOf(i)));
    credIds.forEach((id, j) => secretById.set(id, secretOf(PROVIDERS + j)));
    secretById.set(zonedId, secretOf(-1));
    expect(await dumpHasPlaintext()).toBe(false);

    const before = await status(first);
    expect(before.current_version).toBe(new Keyring(v2).writeVersion);
    expect(before.rows).toEqual({ total: READABLE + 1, current: 0, pending: READABLE, unreadable: 1 });
    expect(before.keys).toEqual(expect.arrayContaining([
      expect.objectContaining({ version: k1.writeVersion, slot: 'DNS01_ENCRYPTION_KEY', rows: READABLE }),
      expect.objectContaining({ version: lost.keyVersion, slot: null, rows: 1 }),
    ]));
    expect(before.rotation.state).toBe('idle');
    expect(await (await fetch(`${first.url}/metrics`)).text()).toContain(`dns01_encryption_rows_unreadable{column="${COLUMN}"} 1`);

    // Rotate while challenges are being created; a second request meets the running one.
    const loadA = challengeLoad(first, 0);
    await expect.poll(() => loadA.results.length, { timeout: 60_000 }).toBeGreaterThanOrEqual(5);
    const rotate = await first.admin('/admin/encryption/rotate', { method: 'POST' });
    expect(rotate.status).toBe(202);
    const runA = ((await rotate.json()) as { rotation: Rotation }).rotation;
    expect(runA).toMatchObject({ outcome: 'running', trigger: 'api', to_version: before.current_version, from_versions: [k1.writeVersion], rows_total: READABLE, rows_unreadable: 1 });
    const again = await first.admin('/admin/encryption/rotate', { method: 'POST' });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { code: string; details: { rotation_id: string } } }).error).toMatchObject({ code: 'ROTATION_IN_PROGRESS', details: { rotation_id: runA.id } });

    // Halfway: some rows done, not all. Sample the database meanwhile.
    let dumps = 0;
    for (;;) {
      const s = await status(first);
      expect(s.rotation.state).toBe('running');
      const doneRows = s.rotation.last!.rows_done;
      if (doneRows > 0 && dumps < 3) {
        expect(await dumpHasPlaintext()).toBe(false);
        dumps += 1;
      }
      if (doneRows >= READABLE / 4) break;
    }
    await loadA.stop();
    expect((await first.kill('SIGKILL')).signal).toBe('SIGKILL');
    expect(dumps).toBeGreaterThan(0);

    // After the crash every row is under V1 or V2 and opens with its key: none was left half-written.
    const both = new Keyring(v2, { old: [v1] });
    const afterCrash = (await encryptedRows()).filter((r) => r.id !== lostId);
    expect(afterCrash).toHaveLength(READABLE);
    const moved = afterCrash.filter((r) => r.key_version === both.writeVersion).length;
    expect(moved).toBeGreaterThan(0);
    expect(moved).toBeLessThan(READABLE);
    for (const r of afterCrash) expect(JSON.parse(both.open({ ciphertext: r.credentials_encrypted, keyVersion: r.key_version }, r.id)).auth_value).toBe(secretById.get(r.id));
    expect(await dumpHasPlaintext()).toBe(false);

    // Restart: the cut-off run shows as interrupted; the next run carries on with the rows left.
    const second = await start();
    const resumed = await status(second);
    expect(resumed.rotation.state).toBe('interrupted');
    expect(resumed.rows).toEqual({ total: READABLE + 1, current: moved, pending: READABLE - moved, unreadable: 1 });
    const loadB = challengeLoad(second, 100_000);
    await expect.poll(() => loadB.results.length, { timeout: 60_000 }).toBeGreaterThanOrEqual(5);
    const rotateB = await second.admin('/admin/encryption/rotate', { method: 'POST' });
    expect(rotateB.status).toBe(202);
    const runB = ((await rotateB.json()) as { rotation: Rotation }).rotation;
    expect(runB.rows_total).toBe(READABLE - moved);
    await expect.poll(async () => (await history(second))[0]!.outcome, { timeout: 120_000 }).toBe('completed');
    await loadB.stop();
    expect(await dumpHasPlaintext()).toBe(false);

    // Every row opens with the new key alone; the row under the unknown key is untouched.
    const newOnly = new Keyring(v2);
    const final = await encryptedRows();
    expect(final).toHaveLength(READABLE + 1);
    for (const r of final) {
      if (r.id === lostId) {
        expect(r).toMatchObject({ credentials_encrypted: lostCiphertext, key_version: lost.keyVersion });
        continue;
      }
      expect(JSON.parse(newOnly.open({ ciphertext: r.credentials_encrypted, keyVersion: r.key_version }, r.id)).auth_value).toBe(secretById.get(r.id));
    }
    const after = await status(second);
    expect(after.rows).toEqual({ total: READABLE + 1, current: READABLE, pending: 0, unreadable: 1 });
    expect(after.rotation.state).toBe('idle');
    expect(await (await fetch(`${second.url}/metrics`)).text()).toContain(`dns01_encryption_rows_unreadable{column="${COLUMN}"} 1`);

    // History: the finished run, then the interrupted one, each with its replica.
    const [last, cut] = await history(second);
    expect(last).toMatchObject({ id: runB.id, outcome: 'completed', rows_total: READABLE - moved, rows_done: READABLE - moved, rows_unreadable: 1, rows_skipped: 0 });
    expect(cut).toMatchObject({ id: runA.id, outcome: 'interrupted', rows_done: expect.any(Number) });
    expect(cut!.rows_done).toBeGreaterThan(0);
    expect(cut!.rows_done).toBeLessThanOrEqual(moved);
    expect(last!.replica).toMatch(/:\d+$/);
    expect(last!.replica).not.toBe(cut!.replica);

    // No challenge failed, and each provider's webhook got that provider's own secret.
    const all = [...loadA.results, ...loadB.results];
    expect(all.filter((r) => r.status !== 201).map((r) => `${r.fqdn} ${r.status} ${r.code}`)).toEqual([]);
    const expected = new Map(all.map((r) => [r.fqdn, secretOf(r.provider)]));
    const creates = hook.calls.filter((c) => c.body?.action === 'create');
    expect(creates.length).toBe(all.length);
    for (const c of creates) expect(c.headers.authorization).toBe(expected.get(String(c.body.fqdn).replace(/\.$/, '')));
  }, 300_000);
});
