// Re-encrypts every encrypted column under the write key: batched and online, one replica at a time, resumable, with its history.
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { and, asc, desc, eq, gt, inArray, sql, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Logger } from 'pino';
import type { AuditSink } from '../audit/writer.js';
import { rowsOf, type Database } from '../db/client.js';
import { clientTsigKeys, dnsProviderCredentials, dnsProviders, encryptionRotations, type EncryptionRotationRow } from '../db/schema.js';
import { AppError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { Keyring } from './keyring.js';

/** A column holding `keyring.seal()` output, with the column of its key version and the column that was its AAD. */
export interface EncryptedColumn {
  /** `table.column`, as status and the metric name it. */
  name: string;
  table: PgTable;
  /** Unique and ordered: the job walks the table by it, so a run never re-reads a row it has passed. */
  id: PgColumn;
  ciphertext: PgColumn;
  version: PgColumn;
  aad: PgColumn;
}

/**
 * Every encrypted column there is; the job, the status counts and the metric walk exactly this list. A new one is one
 * entry: its table's unique id, the ciphertext, the key-version column, and the column `keyring.seal()` got as AAD.
 */
export const ENCRYPTED_COLUMNS: readonly EncryptedColumn[] = [
  {
    name: 'dns_providers.credentials_encrypted',
    table: dnsProviders,
    id: dnsProviders.id,
    ciphertext: dnsProviders.credentialsEncrypted,
    version: dnsProviders.keyVersion,
    aad: dnsProviders.id,
  },
  {
    name: 'dns_provider_credentials.credentials_encrypted',
    table: dnsProviderCredentials,
    id: dnsProviderCredentials.id,
    ciphertext: dnsProviderCredentials.credentialsEncrypted,
    version: dnsProviderCredentials.keyVersion,
    aad: dnsProviderCredentials.id,
  },
  {
    name: 'client_tsig_keys.secret_encrypted',
    table: clientTsigKeys,
    id: clientTsigKeys.id,
    ciphertext: clientTsigKeys.secretEncrypted,
    version: clientTsigKeys.keyVersion,
    aad: clientTsigKeys.id,
  },
];

const LOCK = 'job:key-rotation';

export interface RotationOptions {
  batchSize: number;
  /** Pause between batches, so a rotation never crowds out challenge traffic. */
  batchPauseMs: number;
  /** `hostname:pid` by default. */
  replica?: string;
  /** Where each run's start and end are recorded. */
  audit?: AuditSink;
  /** After each batch that re-encrypted rows: a replica without the new key must learn its rows moved (crypto/coverage.ts). */
  onRewrite?: () => void;
}

export interface VersionCount {
  version: string;
  /** The variable holding that key, or null when no configured key has that fingerprint. */
  slot: string | null;
  rows: number;
}

export interface EncryptionCounts {
  total: number;
  /** Under the write key. */
  current: number;
  /** Under another configured key: what a rotation will rewrite. */
  pending: number;
  /** Under a key that is not configured. */
  unreadable: number;
  versions: VersionCount[];
  columns: { name: string; total: number; current: number; pending: number; unreadable: number }[];
}

export type RotationState = 'idle' | 'running' | 'interrupted';


export class KeyRotation {
  private current: { abort: AbortController; done: Promise<unknown> } | null = null;
  private stopped = false;
  private readonly replica: string;

  constructor(
    private readonly database: Database,
    private readonly keyring: Keyring,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly opts: RotationOptions,
  ) {
    this.replica = opts.replica ?? `${hostname()}:${process.pid}`;
  }

  private audited(action: string, run: EncryptionRotationRow, outcome: 'success' | 'failure', details: Record<string, unknown>): void {
    this.opts.audit?.record({ action, category: 'encryption', resourceType: 'encryption_rotation', resourceId: run.id, outcome, details: { replica: run.replica, ...details } });
  }

  private get db() {
    return this.database.db;
  }

  /** Rows per key version in every encrypted column; also sets the unreadable-rows metric. */
  async counts(): Promise<EncryptionCounts> {
    const write = this.keyring.writeVersion;
    const slots = new Map(this.keyring.keys.map((k) => [k.version, k.slot]));
    const byVersion = new Map<string, number>();
    const columns: EncryptionCounts['columns'] = [];
    for (const col of ENCRYPTED_COLUMNS) {
      const rows = await this.db.select({ version: sql<string>`${col.version}`, n: sql<number>`count(*)::int` }).from(col.table).groupBy(col.version);
      const c = { name: col.name, total: 0, current: 0, pending: 0, unreadable: 0 };
      for (const { version, n } of rows) {
        byVersion.set(version, (byVersion.get(version) ?? 0) + n);
        c.total += n;
        if (version === write) c.current += n;
        else if (slots.has(version)) c.pending += n;
        else c.unreadable += n;
      }
      this.metrics.encryptionRowsUnreadable.labels(col.name).set(c.unreadable);
      columns.push(c);
    }
    const sum = (k: 'total' | 'current' | 'pending' | 'unreadable') => columns.reduce((a, c) => a + c[k], 0);
    const versions = [...new Set([...slots.keys(), ...byVersion.keys()])].map((version) => ({ version, slot: slots.get(version) ?? null, rows: byVersion.get(version) ?? 0 }));
    return { total: sum('total'), current: sum('current'), pending: sum('pending'), unreadable: sum('unreadable'), versions, columns };
  }

  /** The newest run and whether it is still going: a 'running' row nobody holds the lock for was cut off (crash, SIGKILL). */
  async state(): Promise<{ state: RotationState; last: EncryptionRotationRow | null }> {
    const [last] = await this.db.select().from(encryptionRotations).orderBy(desc(encryptionRotations.startedAt)).limit(1);
    if (!last || last.outcome !== 'running') return { state: 'idle', last: last ?? null };
    return { state: (await this.database.lockHeld(LOCK)) ? 'running' : 'interrupted', last };
  }

  async history(limit: number): Promise<EncryptionRotationRow[]> {
    return this.db.select().from(encryptionRotations).orderBy(desc(encryptionRotations.startedAt)).limit(limit);
  }

  /**
   * Starts a run in the background and resolves with its history row once it holds the rotation lock;
   * ROTATION_IN_PROGRESS when a run (on any replica) holds it.
   */
  async start(trigger: 'startup' | 'api'): Promise<EncryptionRotationRow> {
    if (this.stopped) throw new AppError('SERVICE_UNAVAILABLE', 'the daemon is stopping');
    const abort = new AbortController();
    let began!: (row: EncryptionRotationRow | null) => void;
    let failed!: (err: unknown) => void;
    const begun = new Promise<EncryptionRotationRow | null>((res, rej) => {
      began = res;
      failed = rej;
    });
    const done = this.database.tryLock(LOCK, async () => {
      if (this.stopped) throw new AppError('SERVICE_UNAVAILABLE', 'the daemon is stopping');
      // Holding the lock, any 'running' row is a run whose replica died: its rows stay as they are, and this run carries on from them.
      await this.db
        .update(encryptionRotations)
        .set({ outcome: 'interrupted', finishedAt: new Date(), error: 'its replica stopped before it finished' })
        .where(eq(encryptionRotations.outcome, 'running'));
      const counts = await this.counts();
      const [row] = await this.db
        .insert(encryptionRotations)
        .values({
          trigger, replica: this.replica, toVersion: this.keyring.writeVersion,
          fromVersions: counts.versions.filter((v) => v.rows > 0 && v.slot !== null && v.version !== this.keyring.writeVersion).map((v) => v.version),
          rowsTotal: counts.pending, rowsUnreadable: counts.unreadable,
        })
        .returning();
      // `done` is assigned by now: tryLock calls this only after an await.
      this.current = { abort, done };
      began(row!);
      await this.walk(row!, abort.signal);
    });
    // Once begun, the walk records its own failure; before that, the caller gets the error (503 when the database is away).
    done.then((r) => r === null && began(null), failed).finally(() => {
      if (this.current?.done === done) this.current = null;
    });
    const row = await begun;
    if (!row) {
      const { last } = await this.state();
      throw new AppError('ROTATION_IN_PROGRESS', 'a key rotation is running already; see GET /api/v1/admin/encryption/status', {
        ...(last?.outcome === 'running' ? { details: { rotation_id: last.id, replica: last.replica } } : {}),
      });
    }
    return row;
  }

  /** Stops a run between rows; it is recorded as interrupted and the next run carries on. */
  async stop(): Promise<void> {
    this.stopped = true;
    const cur = this.current;
    if (!cur) return;
    cur.abort.abort();
    await cur.done.catch(() => undefined);
  }

  private async walk(run: EncryptionRotationRow, signal: AbortSignal): Promise<void> {
    const write = this.keyring.writeVersion;
    const readable = this.keyring.keys.map((k) => k.version).filter((v) => v !== write);
    let done = 0;
    let skipped = 0;
    let unreadable = run.rowsUnreadable;
    const progress = () => ({ rowsDone: done, rowsSkipped: skipped, rowsUnreadable: unreadable, updatedAt: new Date() });
    const finish = async (outcome: EncryptionRotationRow['outcome'], error: string | null) => {
      await this.db.update(encryptionRotations).set({ ...progress(), outcome, error, finishedAt: new Date() }).where(eq(encryptionRotations.id, run.id));
      this.audited('encryption.rotation_finish', run, outcome === 'completed' ? 'success' : 'failure', { result: outcome, rows_done: done, rows_skipped: skipped, rows_unreadable: unreadable, ...(error ? { error } : {}) });
      await this.counts();
    };
    this.log.info({ rotation: run.id, keyVersion: write, rows: run.rowsTotal }, 'key rotation started');
    this.audited('encryption.rotation_start', run, 'success', { trigger: run.trigger, to_version: write, from_versions: run.fromVersions, rows_total: run.rowsTotal });
    try {
      for (const col of ENCRYPTED_COLUMNS) {
        if (readable.length === 0) break;
        let after: unknown;
        for (;;) {
          if (signal.aborted) {
            await finish('interrupted', 'the daemon stopped before it finished');
            this.log.info({ rotation: run.id, rotated: done }, 'key rotation interrupted; the next run carries on');
            return;
          }
          const batch = await this.db
            .select({ id: col.id, ciphertext: col.ciphertext, version: col.version, aad: col.aad })
            .from(col.table)
            .where(and(inArray(col.version, readable), after === undefined ? undefined : gt(col.id, after)))
            .orderBy(asc(col.id))
            .limit(this.opts.batchSize);
          if (batch.length === 0) break;
          const rewrites: SQL[] = [];
          for (const r of batch) {
            const old = { ciphertext: String(r.ciphertext), keyVersion: String(r.version) };
            let plain: string;
            try {
              plain = this.keyring.open(old, String(r.aad));
            } catch {
              unreadable += 1;
              continue;
            }
            const sealed = this.keyring.seal(plain, String(r.aad));
            rewrites.push(sql`(${String(r.id)}, ${old.ciphertext}, ${old.keyVersion}, ${sealed.ciphertext}, ${sealed.keyVersion})`);
          }
          if (rewrites.length > 0) {
            // One statement for the batch, each row only over the ciphertext just read: a writer that got there first keeps its write.
            const res = await this.db.execute(sql`update ${col.table} set ${sql.identifier(col.ciphertext.name)} = v.ct, ${sql.identifier(col.version.name)} = v.kv
              from (values ${sql.join(rewrites, sql`, `)}) as v(id, old_ct, old_kv, ct, kv)
              where ${col.id} in (${sql.join(batch.map((r) => sql`${r.id}`), sql`, `)}) and ${col.id}::text = v.id and ${col.ciphertext} = v.old_ct and ${col.version} = v.old_kv
              returning 1 as ok`);
            const n = rowsOf(res).length;
            done += n;
            skipped += rewrites.length - n;
            this.metrics.encryptionRowsRotated.inc(n);
            if (n > 0) this.opts.onRewrite?.();
          }
          after = batch.at(-1)!.id;
          await this.db.update(encryptionRotations).set(progress()).where(eq(encryptionRotations.id, run.id));
          if (this.opts.batchPauseMs > 0) await sleep(this.opts.batchPauseMs, undefined, { signal }).catch(() => undefined);
        }
      }
      await finish('completed', null);
      if (done > 0) this.log.info({ rotation: run.id, rotated: done, keyVersion: write }, 'credentials re-encrypted under the current key');
      if (unreadable > run.rowsUnreadable) this.log.warn({ rows: unreadable - run.rowsUnreadable }, 'some credentials did not decrypt with their configured key; left as they are');
    } catch (err) {
      // Database errors name no parameter values; the text is safe to keep.
      const message = (err as Error).message;
      this.log.error({ rotation: run.id, err: message }, 'key rotation failed; rows done so far stay done');
      await finish('failed', message).catch(() => undefined);
    }
  }
}
