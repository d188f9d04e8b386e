// Row updates recording what a provider already did, held in memory while the database is away and retried until it is back.
import { eq, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { isConnectionError, type Database } from '../db/client.js';
import { challenges, type ChallengeRow, type RecordState } from '../db/schema.js';
import type { Metrics } from '../metrics.js';
import { guardOf, nextStatus, type LifecycleEvent, type TransitionSet } from './lifecycle.js';

type Change = Partial<Omit<ChallengeRow, 'id'>>;
type PreparedUpdate = { execute(params: Record<string, unknown>): Promise<{ id: string }[]> };

interface Entry {
  row: ChallengeRow;
  /** The move, and the record state read when the provider was called: a row someone else has moved on since is theirs. */
  event: LifecycleEvent;
  recordState: RecordState;
  /** What lands: the status the lifecycle table gives, and the columns beside it. */
  set: Change;
  inflight?: Promise<void>;
}

export interface PendingWritesOptions {
  /** Entries kept at most; past that a lost write is answered with 503 again (default 10 000). */
  max?: number;
  retryMs?: number;
}

/**
 * A provider call that succeeded must not be answered with a failure, or the client repeats it (a second
 * delete, a second record). So when the row update after it cannot reach the database, the outcome is kept
 * here, the client gets the row as it will be, and the update is retried in the background. Whoever acts on
 * a name next flushes that name's entries first (under the name lock), so nobody decides on a stale row.
 * If the process dies meanwhile, the janitor's recovery of CREATED and record-holding rows covers the loss.
 */
export class PendingWrites {
  private readonly entries = new Map<string, Entry>();
  private timer: NodeJS.Timeout | undefined;
  /** The UPDATE for each shape of change (columns set, which of them to NULL, the event's guard), built once. */
  private readonly updates = new Map<string, PreparedUpdate>();

  constructor(
    private readonly database: Database,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly opts: PendingWritesOptions = {},
  ) {}

  /**
   * Moves the row by `event` with `set` beside the status (if it is still in a status the event applies to, with the
   * record state it had; `row` is as read under the name lock); if the database is unreachable, keeps it for later.
   */
  async write(row: ChallengeRow, event: LifecycleEvent, set: TransitionSet): Promise<ChallengeRow> {
    const entry: Entry = { row, event, recordState: row.recordState, set: { ...set, status: nextStatus(row.status, event) } };
    try {
      const landed = await this.apply(entry);
      if (landed) return landed;
      const [now] = await this.database.db.select().from(challenges).where(eq(challenges.id, row.id));
      return now ?? { ...row, ...set };
    } catch (err) {
      if (!isConnectionError(err) || this.entries.size >= (this.opts.max ?? 10_000)) throw err;
      this.entries.set(row.id, entry);
      this.metrics.pendingWrites.set(this.entries.size);
      this.log.warn({ challenge: row.id, err: (err as Error).message }, 'database unavailable; the provider call is done and its record is kept until the database is back');
      this.timer ??= setInterval(() => void this.flushAll(), this.opts.retryMs ?? 500).unref();
      return { ...row, ...set };
    }
  }

  /** The row as it will be once its pending update lands. */
  overlay(row: ChallengeRow): ChallengeRow {
    const e = this.entries.get(row.id);
    return e ? { ...row, ...e.set } : row;
  }

  /** Lands every pending update for `fqdn`; throws while the database is still unreachable. */
  async flushName(fqdn: string): Promise<void> {
    for (const e of [...this.entries.values()]) if (e.row.fqdn === fqdn) await this.flush(e);
  }

  /** One last try at shutdown; what is left is recovered by the janitor. */
  async stop(): Promise<void> {
    await this.flushAll();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  get size(): number {
    return this.entries.size;
  }

  private async flushAll(): Promise<void> {
    try {
      for (const e of [...this.entries.values()]) await this.flush(e);
    } catch {
      // Still away: the timer tries again.
    }
  }

  /** Single-flight per entry, so a background try and a request never write the same entry twice at once. */
  private flush(e: Entry): Promise<void> {
    e.inflight ??= this.apply(e).then(
      (landed) => {
        if (this.entries.get(e.row.id) === e) this.entries.delete(e.row.id);
        this.metrics.pendingWrites.set(this.entries.size);
        if (this.entries.size === 0 && this.timer) {
          clearInterval(this.timer);
          this.timer = undefined;
        }
        if (!landed) this.log.warn({ challenge: e.row.id }, 'a pending challenge update was dropped: the row had been changed meanwhile');
      },
      (err: unknown) => {
        e.inflight = undefined;
        if (!isConnectionError(err)) {
          this.entries.delete(e.row.id);
          this.metrics.pendingWrites.set(this.entries.size);
          this.log.error({ challenge: e.row.id, err: (err as Error).message }, 'a pending challenge update failed');
          return;
        }
        throw err;
      },
    );
    return e.inflight;
  }

  /** The row as updated, or undefined when it was no longer in a status the event applies to, or had another record state. Only the id comes back: the rest is known here. */
  private async apply(e: Entry): Promise<ChallengeRow | undefined> {
    // Relaxed: lost in a database crash, the row keeps the state it had before the provider call, which the janitor
    // repairs (an `unknown` record is removed, a `present` one removed again), so a record is never left behind.
    const columns = (Object.keys(e.set) as (keyof Change)[]).filter((c) => e.set[c] !== undefined).sort();
    // A NULL is written as such, not as a parameter: a column's encoder (a timestamp's) takes no null.
    const shape = `${columns.map((c) => (e.set[c] === null ? `${c}=null` : c)).join(',')}|${e.event}`;
    let update = this.updates.get(shape);
    if (!update) this.updates.set(shape, (update = this.prepareUpdate(e, columns)));
    const params: Record<string, unknown> = { id: e.row.id, expectRecordState: e.recordState };
    for (const c of columns) if (e.set[c] !== null) params[`set_${c}`] = e.set[c];
    const [updated] = await update.execute(params);
    return updated ? { ...e.row, ...e.set } : undefined;
  }

  private prepareUpdate(e: Entry, columns: readonly (keyof Change)[]): PreparedUpdate {
    return this.database.relaxed
      .update(challenges)
      .set(Object.fromEntries(columns.map((c) => [c, e.set[c] === null ? null : sql.placeholder(`set_${c}`)])))
      .where(guardOf(e.event, sql.placeholder('id'), sql.placeholder('expectRecordState')))
      .returning({ id: challenges.id })
      .prepare(`pending_write_${this.updates.size}`);
  }
}
