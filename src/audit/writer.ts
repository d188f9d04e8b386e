// The audit log's writer: events queue in memory and go to security_audits in batches; a request never waits on it.
import type { Logger } from 'pino';
import type { Database } from '../db/client.js';
import { securityAudits, type AuditOutcome } from '../db/schema.js';
import type { Metrics } from '../metrics.js';
import { currentScope } from './context.js';
import { redactDetails } from './redact.js';
import type { SecretFieldNames } from './secret-fields.js';
import { storableCapped } from './storable.js';

export const AUDIT_CATEGORIES = ['dns_provider', 'credential', 'site', 'client_token', 'encryption', 'challenge', 'script', 'caddy', 'auth', 'plugin'] as const;
export type AuditCategory = (typeof AUDIT_CATEGORIES)[number];

export interface AuditEvent {
  /** `<resource>.<verb>`, e.g. `dns_provider.create`, `challenge.expire`, `auth.failed`. */
  action: string;
  category: AuditCategory;
  resourceType?: string;
  resourceId?: string | null;
  outcome: AuditOutcome;
  /** Names, ids and codes only; redactDetails masks secret-named keys regardless. */
  details?: Record<string, unknown>;
  /** Default: the current scope's actor (audit/context.ts). */
  actor?: string;
}

/** What the rest of the daemon records through; the writer, or nothing when the audit log is off. */
export interface AuditSink {
  record(event: AuditEvent): void;
  /** Like record, but at most `perMinute` events a minute per source address (the scope's); the rest are counted as dropped. */
  recordLimited(event: AuditEvent): void;
}

export const NO_AUDIT: AuditSink = { record: () => {}, recordLimited: () => {} };

export interface AuditWriterOptions {
  /** Events held while the database is slow or away; beyond it new events are dropped (default 10,000). */
  maxQueue?: number;
  /** Events per INSERT, and the queue length that triggers a write before the interval (default 200). */
  batchSize?: number;
  flushIntervalMs?: number;
  /** recordLimited's allowance per key and minute (default 20). */
  perMinute?: number;
  /** Names of credential fields plugins mark secret, masked in details besides the built-in secret names. */
  secretFields?: SecretFieldNames;
}

type Row = typeof securityAudits.$inferInsert;

/**
 * The SQLSTATE of an error that is about the rows sent, not the database: class 22 (data exception: a NUL, a bad
 * escape, a value too long), class 23 (a constraint) and 54000 (a value over a size limit, e.g. an index row).
 * Anything else (unreachable, shutting down, locked, a missing table) is the database's state and fails every row alike.
 */
function rowRefusal(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    const code = typeof e.code === 'string' ? e.code : '';
    if (/^(22|23)[0-9A-Z]{3}$/.test(code) || code === '54000') return code;
  }
  return undefined;
}

/** The database's own words: drizzle's wrapper repeats the statement with every row's values. */
function databaseMessage(err: unknown): string {
  const e = err as { message?: string; cause?: { message?: string } };
  return (e.cause?.message ?? e.message ?? String(err)).slice(0, 300);
}

/**
 * Bounded and batched: record() only pushes onto a queue; one write runs at a time (a multi-row INSERT of up to
 * batchSize events) every flushIntervalMs or as soon as a batch is full. When the queue is full or the database fails
 * the events are dropped and counted in dns01_audit_events_dropped_total{reason}: a stalled or absent database must
 * never stall or fail the request being recorded, and a retry loop would only grow the backlog. A batch the database
 * refuses for its content (rowRefusal) is halved until the refused events stand alone: only they are dropped.
 */
export class AuditWriter implements AuditSink {
  private queue: Row[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private windows = new Map<string, { start: number; count: number }>();
  private stopped = false;
  private readonly maxQueue: number;
  private readonly batchSize: number;
  private readonly intervalMs: number;
  private readonly perMinute: number;

  constructor(
    private readonly database: Database,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly opts: AuditWriterOptions = {},
  ) {
    this.maxQueue = opts.maxQueue ?? 10_000;
    this.batchSize = opts.batchSize ?? 200;
    this.intervalMs = opts.flushIntervalMs ?? 1000;
    this.perMinute = opts.perMinute ?? 20;
  }

  record(event: AuditEvent): void {
    if (this.stopped || this.queue.length >= this.maxQueue) {
      this.metrics.auditDropped.labels(this.stopped ? 'stopped' : 'queue_full').inc();
      return;
    }
    const scope = currentScope();
    this.queue.push({
      createdAt: new Date(),
      // Every text is made storable here, where it enters: a path, id or header is whatever a client sent.
      actor: storableCapped(event.actor ?? scope.actor, 200),
      action: storableCapped(event.action, 100),
      category: event.category,
      resourceType: event.resourceType == null ? null : storableCapped(event.resourceType, 100),
      resourceId: event.resourceId == null ? null : storableCapped(event.resourceId, 200),
      outcome: event.outcome,
      details: redactDetails(event.details ?? {}, this.opts.secretFields?.get()),
      sourceIp: scope.sourceIp ? storableCapped(scope.sourceIp, 100) : null,
      userAgent: scope.userAgent == null ? null : storableCapped(scope.userAgent, 300),
    });
    if (this.queue.length >= this.batchSize) this.kick();
    else this.timer ??= setTimeout(() => this.kick(), this.intervalMs).unref();
  }

  recordLimited(event: AuditEvent, now = Date.now()): void {
    const key = currentScope().sourceIp ?? '';
    const w = this.windows.get(key);
    if (!w || now - w.start >= 60_000) {
      // Forget finished windows so a flood from many addresses cannot grow the map without end.
      if (this.windows.size >= 10_000) for (const [k, v] of this.windows) if (now - v.start >= 60_000) this.windows.delete(k);
      if (this.windows.size >= 10_000) {
        this.metrics.auditDropped.labels('rate_limited').inc();
        return;
      }
      this.windows.set(key, { start: now, count: 1 });
    } else if (++w.count > this.perMinute) {
      this.metrics.auditDropped.labels('rate_limited').inc();
      return;
    }
    this.record(event);
  }

  /** Events waiting to be written. */
  get queued(): number {
    return this.queue.length;
  }

  /** Writes what is queued now (and whatever arrives while it writes); resolves when the queue is empty or a write failed. */
  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.writing) {
      this.kick();
      await this.writing;
    }
  }

  /** Stops taking events and writes the queue, waiting at most `timeoutMs`; what is left then is counted as dropped. */
  async stop(timeoutMs = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.flush(), new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.queue.length > 0) this.metrics.auditDropped.labels('stopped').inc(this.queue.length);
    this.queue = [];
  }

  private kick(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.writing || this.queue.length === 0) return;
    this.writing = this.writeBatches().finally(() => {
      this.writing = undefined;
      if (this.queue.length > 0 && !this.stopped) this.timer ??= setTimeout(() => this.kick(), this.intervalMs).unref();
    });
  }

  private async writeBatches(): Promise<void> {
    while (this.queue.length > 0) {
      if (!(await this.write(this.queue.splice(0, this.batchSize)))) return;
    }
  }

  /**
   * Inserts `batch`, halving any part the database refuses for its content until each refused event is alone: one bad
   * event costs about 2·log2(batchSize) INSERTs, every event refused at most 2·batchSize − 1. Any other failure drops
   * what is left of the batch at once (false): the database is away, and more statements would only add load.
   */
  private async write(batch: Row[]): Promise<boolean> {
    const parts = [batch];
    for (let rows = parts.pop(); rows; rows = parts.pop()) {
      try {
        await this.database.db.insert(securityAudits).values(rows);
        this.metrics.auditWritten.inc(rows.length);
      } catch (err) {
        const code = rowRefusal(err);
        if (code === undefined) {
          const lost = parts.reduce((n, p) => n + p.length, rows.length);
          this.metrics.auditDropped.labels('database_error').inc(lost);
          this.log.warn({ err: databaseMessage(err), events: lost }, 'audit events not written; dropped');
          return false;
        }
        if (rows.length > 1) {
          const half = Math.ceil(rows.length / 2);
          parts.push(rows.slice(half), rows.slice(0, half));
          continue;
        }
        const [row] = rows;
        this.metrics.auditDropped.labels('rejected_event').inc();
        this.log.warn({ err: databaseMessage(err), code, action: row!.action, actor: row!.actor }, 'audit event refused by the database; dropped');
      }
    }
    return true;
  }
}
