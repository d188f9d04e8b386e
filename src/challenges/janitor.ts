// Background clean-up: expires stale challenges, removes records nobody cleaned up, deletes old rows.
import { sql, type SQL } from 'drizzle-orm';
import type { Logger } from 'pino';
import { withAuditScope } from '../audit/context.js';
import type { AuditLog } from '../audit/listing.js';
import type { Database } from '../db/client.js';
import { ACTIVE_STATUSES, challenges, type ChallengeRow } from '../db/schema.js';
import { claimChallenges } from '../jobs/claim.js';
import { JobLoop } from '../jobs/loop.js';
import type { Metrics } from '../metrics.js';
import type { ChallengeService, FinishEvent } from './service.js';

export interface JanitorOptions {
  intervalMs: number;
  /** A CREATED row older than this, found while nobody holds its name lock, is an interrupted present. */
  interruptedAfterMs?: number;
  /** Finished rows are hard-deleted after this long (default 7 days). */
  retentionMs?: number;
  /** How long one replica owns a claimed row before another may take it over. */
  leaseMs?: number;
  batchSize?: number;
  /**
   * Failed cleanups after which the janitor stops retrying a row (default 10, about 5 hours with the backoff) and
   * counts it in dns01_janitor_stuck_records instead: a far side that never answers must not be called forever
   * (each try of a hanging script without namespaces may leave a process behind).
   */
  maxCleanupAttempts?: number;
  /** The audit log and DNS01_AUDIT_RETENTION_DAYS: older events are deleted each run, in batches. */
  auditRetention?: { log: AuditLog; days: number };
}

export const DEFAULT_MAX_CLEANUP_ATTEMPTS = 10;

export interface JanitorReport {
  expired: number;
  interrupted: number;
  recordsRemoved: number;
  cleanupFailures: number;
  rowsDeleted: number;
  /** Audit events deleted after their retention. */
  auditDeleted: number;
  /** Rows left alone because their cleanup failed maxCleanupAttempts times. */
  stuck: number;
}

export class Janitor {
  private readonly loop: JobLoop;

  constructor(
    private readonly database: Database,
    private readonly service: ChallengeService,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly opts: JanitorOptions,
  ) {
    this.loop = new JobLoop('janitor', () => opts.intervalMs, () => this.runOnce(), log, () => metrics.janitorRuns.labels('error').inc());
  }

  start(): void {
    this.loop.start(Math.min(1000, this.opts.intervalMs));
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  healthy(now = Date.now()): boolean {
    return this.loop.healthy(now);
  }

  /** One run; every audit event it causes (expiries, cleanups, the records it removes) names the janitor as the actor. */
  runOnce(): Promise<JanitorReport> {
    return withAuditScope({ actor: 'janitor' }, () => this.run());
  }

  private async run(): Promise<JanitorReport> {
    const report: JanitorReport = { expired: 0, interrupted: 0, recordsRemoved: 0, cleanupFailures: 0, rowsDeleted: 0, auditDeleted: 0, stuck: 0 };
    const interruptedAfter = `${Math.round((this.opts.interruptedAfterMs ?? 30_000) / 1000)} seconds`;

    for (const row of await this.claim(sql`${challenges.status} = 'CREATED' and ${challenges.createdAt} < now() - ${interruptedAfter}::interval`)) {
      report.interrupted += 1;
      await this.finishClaimed(row, 'interrupted', 'interrupted: the daemon stopped before the record was confirmed', report, (f) => f.status === 'CREATED');
    }
    for (const row of await this.claim(sql`${challenges.status} in ('CREATED', 'PENDING', 'VERIFYING') and ${challenges.expiresAt} < now()`)) {
      report.expired += 1;
      await this.finishClaimed(row, 'expired', 'expired before cleanup was called', report, (f) => ACTIVE_STATUSES.includes(f.status) && f.expiresAt.getTime() < Date.now());
    }
    // Finished rows whose record may still be in DNS (a cleanup that failed or never came).
    // Backoff doubles from 1 minute up to a ceiling of one try per hour, and stops after maxCleanupAttempts.
    const maxAttempts = this.opts.maxCleanupAttempts ?? DEFAULT_MAX_CLEANUP_ATTEMPTS;
    const orphan = sql`${challenges.status} in ('VERIFIED', 'DELETED', 'EXPIRED', 'FAILED') and ${challenges.recordState} in ('present', 'unknown')`;
    const backoff = sql`${challenges.updatedAt} < now() - (least(power(2, ${challenges.cleanupAttempts}), 60) * interval '1 minute')`;
    for (const row of await this.claim(sql`${orphan} and ${challenges.cleanupAttempts} < ${maxAttempts} and (${challenges.cleanupAttempts} = 0 or ${backoff})`)) {
      await this.finishClaimed(row, 'record_removed', undefined, report, (f) => !ACTIVE_STATUSES.includes(f.status) && (f.recordState === 'present' || f.recordState === 'unknown'));
    }
    const [stuck] = await this.database.db.select({ n: sql<number>`count(*)::int` }).from(challenges).where(sql`${orphan} and ${challenges.cleanupAttempts} >= ${maxAttempts}`);
    report.stuck = Number(stuck?.n ?? 0);
    this.metrics.janitorStuckRecords.set(report.stuck);

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
    const audit = this.opts.auditRetention;
    if (audit) report.auditDeleted = (await this.database.tryLock('job:audit-retention', () => audit.log.prune(audit.days))) ?? 0;
    this.metrics.janitorRuns.labels('ok').inc();
    if (report.expired + report.interrupted + report.recordsRemoved + report.cleanupFailures + report.rowsDeleted + report.auditDeleted + report.stuck > 0) {
      this.log.info(report, 'janitor run');
    }
    return report;
  }

  private claim(where: SQL): Promise<ChallengeRow[]> {
    return claimChallenges(this.database, { where, leaseMs: this.opts.leaseMs ?? 120_000, limit: this.opts.batchSize ?? 50 });
  }

  private async finishClaimed(
    row: ChallengeRow,
    event: FinishEvent,
    reason: string | undefined,
    report: JanitorReport,
    onlyIf: (fresh: ChallengeRow) => boolean,
  ): Promise<void> {
    const hadRecord = row.recordState === 'present' || row.recordState === 'unknown';
    try {
      const done = await this.service.finish(row, { event, onlyIf, ...(reason ? { reason } : {}) });
      if (hadRecord && done.recordState === 'removed') {
        report.recordsRemoved += 1;
        this.metrics.janitorRecordsRemoved.inc();
        this.log.info({ challenge: row.id, fqdn: row.fqdn, status: done.status }, 'janitor removed a record that was not cleaned up');
      }
    } catch (err) {
      report.cleanupFailures += 1;
      const maxAttempts = this.opts.maxCleanupAttempts ?? DEFAULT_MAX_CLEANUP_ATTEMPTS;
      if (row.cleanupAttempts + 1 >= maxAttempts) {
        this.log.warn({ challenge: row.id, fqdn: row.fqdn, cleanupAttempts: row.cleanupAttempts + 1, err: (err as Error).message },
          'janitor gives up on a record: remove it by hand, or DELETE the challenge to try once more');
      } else {
        this.log.warn({ challenge: row.id, err: (err as Error).message }, 'janitor could not remove a record; will retry');
      }
    }
  }
}
