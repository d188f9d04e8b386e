// Background clean-up: expires stale challenges, removes records nobody cleaned up, deletes old rows.
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Database } from '../db/client.js';
import { ACTIVE_STATUSES, challenges, type ChallengeRow } from '../db/schema.js';
import type { Metrics } from '../metrics.js';
import type { ChallengeService } from './service.js';

export interface JanitorOptions {
  intervalMs: number;
  /** A CREATED row older than this, found while nobody holds its name lock, is an interrupted present. */
  interruptedAfterMs?: number;
  /** Finished rows are hard-deleted after this long (default 7 days). */
  retentionMs?: number;
  /** How long one replica owns a claimed row before another may take it over. */
  leaseMs?: number;
  batchSize?: number;
}

export interface JanitorReport {
  expired: number;
  interrupted: number;
  recordsRemoved: number;
  cleanupFailures: number;
  rowsDeleted: number;
}

export class Janitor {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  /** Last time a run finished; /health reports the loop as wedged when this falls too far behind. */
  lastRunAt = Date.now();

  constructor(
    private readonly database: Database,
    private readonly service: ChallengeService,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly opts: JanitorOptions,
  ) {}

  start(): void {
    const tick = () => {
      this.running = this.runOnce()
        .catch((err) => {
          this.metrics.janitorRuns.labels('error').inc();
          this.log.error({ err: (err as Error).message }, 'janitor run failed');
        })
        .finally(() => {
          // A run that failed (database down) still proves the loop ticks; liveness is for a wedged loop.
          this.lastRunAt = Date.now();
          this.running = undefined;
          if (this.timer) this.timer = setTimeout(tick, this.opts.intervalMs);
        });
    };
    this.timer = setTimeout(tick, Math.min(1000, this.opts.intervalMs));
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  healthy(now = Date.now()): boolean {
    return now - this.lastRunAt < Math.max(this.opts.intervalMs * 5, 5 * 60_000);
  }

  async runOnce(): Promise<JanitorReport> {
    const report: JanitorReport = { expired: 0, interrupted: 0, recordsRemoved: 0, cleanupFailures: 0, rowsDeleted: 0 };
    const interruptedAfter = `${Math.round((this.opts.interruptedAfterMs ?? 30_000) / 1000)} seconds`;

    for (const row of await this.claim(sql`${challenges.status} = 'CREATED' and ${challenges.createdAt} < now() - ${interruptedAfter}::interval`)) {
      report.interrupted += 1;
      await this.finishClaimed(row, 'FAILED', 'interrupted: the daemon stopped before the record was confirmed', report, (f) => f.status === 'CREATED');
    }
    for (const row of await this.claim(sql`${challenges.status} in ('CREATED', 'PENDING', 'VERIFYING') and ${challenges.expiresAt} < now()`)) {
      report.expired += 1;
      await this.finishClaimed(row, 'EXPIRED', 'expired before cleanup was called', report, (f) => ACTIVE_STATUSES.includes(f.status) && f.expiresAt.getTime() < Date.now());
    }
    // Finished rows whose record may still be in DNS (a cleanup that failed or never came).
    const backoff = sql`${challenges.updatedAt} < now() - (least(power(2, ${challenges.cleanupAttempts}), 60) * interval '1 minute')`;
    for (const row of await this.claim(sql`${challenges.status} in ('VERIFIED', 'DELETED', 'EXPIRED', 'FAILED') and ${challenges.recordState} in ('present', 'unknown') and (${challenges.cleanupAttempts} = 0 or ${backoff})`)) {
      await this.finishClaimed(row, row.status, undefined, report, (f) => !ACTIVE_STATUSES.includes(f.status) && (f.recordState === 'present' || f.recordState === 'unknown'));
    }

    const retention = `${Math.round((this.opts.retentionMs ?? 7 * 86_400_000) / 1000)} seconds`;
    const deleted = await this.database.tryLock('job:retention', async () => {
      const rows = await this.database.db
        .delete(challenges)
        .where(sql`${challenges.status} in ('VERIFIED', 'DELETED', 'EXPIRED', 'FAILED') and ${challenges.recordState} in ('none', 'removed') and ${challenges.completedAt} < now() - ${retention}::interval`)
        .returning({ id: challenges.id });
      return rows.length;
    });
    report.rowsDeleted = deleted ?? 0;
    this.metrics.janitorRowsDeleted.inc(report.rowsDeleted);
    this.metrics.janitorRuns.labels('ok').inc();
    this.lastRunAt = Date.now();
    if (report.expired + report.interrupted + report.recordsRemoved + report.cleanupFailures + report.rowsDeleted > 0) {
      this.log.info(report, 'janitor run');
    }
    return report;
  }

  /** Leases matching rows to this replica; SKIP LOCKED means two replicas never take the same row. */
  private async claim(where: ReturnType<typeof sql>): Promise<ChallengeRow[]> {
    const leaseSeconds = Math.round((this.opts.leaseMs ?? 120_000) / 1000);
    const rows = await this.database.db.execute(sql`
      update ${challenges} set claimed_until = now() + ${`${leaseSeconds} seconds`}::interval
      where id in (
        select id from ${challenges}
        where ${where} and (claimed_until is null or claimed_until < now())
        order by created_at
        limit ${this.opts.batchSize ?? 50}
        for update skip locked)
      returning id`);
    const ids = (Array.isArray(rows) ? rows : (rows as unknown as { rows: { id: string }[] }).rows).map((r) => (r as { id: string }).id);
    const out: ChallengeRow[] = [];
    for (const id of ids) out.push(await this.service.get(id));
    return out;
  }

  private async finishClaimed(
    row: ChallengeRow,
    status: ChallengeRow['status'],
    reason: string | undefined,
    report: JanitorReport,
    onlyIf: (fresh: ChallengeRow) => boolean,
  ): Promise<void> {
    const hadRecord = row.recordState === 'present' || row.recordState === 'unknown';
    try {
      const done = await this.service.finish(row, { cleanupStatus: status, onlyIf, ...(reason ? { reason } : {}) });
      if (hadRecord && done.recordState === 'removed') {
        report.recordsRemoved += 1;
        this.metrics.janitorRecordsRemoved.inc();
        this.log.info({ challenge: row.id, fqdn: row.fqdn, status: done.status }, 'janitor removed a record that was not cleaned up');
      }
    } catch (err) {
      report.cleanupFailures += 1;
      this.log.warn({ challenge: row.id, err: (err as Error).message }, 'janitor could not remove a record; will retry');
    }
  }
}
