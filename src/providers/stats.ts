// Per-provider (and per zone-specific credential) call statistics: counted in memory on the hot path, written to the row in one batch per interval.
import { eq, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Database } from '../db/client.js';
import { dnsProviderCredentials, dnsProviders, type DnsProviderRow } from '../db/schema.js';

/** The tables whose rows carry success_count, failure_count, last_used_at and last_error. */
export type StatsTable = typeof dnsProviders | typeof dnsProviderCredentials;
type StatsRow = Pick<DnsProviderRow, 'id' | 'successCount' | 'failureCount' | 'lastUsedAt' | 'lastError'>;

interface Tally {
  success: number;
  failure: number;
  lastUsedAt: Date;
  lastError: string | null;
}

/** A row's call statistics, with what this process has not written yet. */
export interface CallStats {
  successCount: number;
  failureCount: number;
  lastUsedAt: Date | null;
  lastError: string | null;
}

/**
 * Plugin calls must not wait on, or fail because of, a statistics write: each call adds to a tally here, and the
 * tallies are added to the rows (one UPDATE per provider) at most every `intervalMs`, and at stop. A failed write
 * keeps its tally for the next round. Replicas add their own tallies, so the counts are the sums over all of them.
 */
export class ProviderStats {
  private tallies = new Map<string, Tally>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly database: Database,
    private readonly log: Logger,
    private readonly intervalMs = 5000,
    private readonly table: StatsTable = dnsProviders,
  ) {}

  /** One finished plugin call: `error` undefined for a success, else the failure as a reply may show it. */
  record(providerId: string, error?: string): void {
    const t = this.tallies.get(providerId) ?? { success: 0, failure: 0, lastUsedAt: new Date(0), lastError: null };
    t.lastUsedAt = new Date();
    if (error === undefined) t.success += 1;
    else {
      t.failure += 1;
      t.lastError = error;
    }
    this.tallies.set(providerId, t);
    this.timer ??= setTimeout(() => void this.flush(), this.intervalMs).unref();
  }

  /** The row's statistics with what this process has not written yet. */
  current(row: StatsRow): CallStats {
    const t = this.tallies.get(row.id);
    const lastUsed = t && (!row.lastUsedAt || t.lastUsedAt > row.lastUsedAt) ? t.lastUsedAt : row.lastUsedAt;
    return {
      successCount: row.successCount + (t?.success ?? 0),
      failureCount: row.failureCount + (t?.failure ?? 0),
      lastUsedAt: lastUsed,
      lastError: t?.lastError ?? row.lastError,
    };
  }

  /** Writes every tally; resolves when they are written (or kept for the next round after a failed write). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.flushing = this.flushing.then(() => this.writeAll());
    return this.flushing;
  }

  async stop(): Promise<void> {
    await this.flush();
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async writeAll(): Promise<void> {
    const batch = this.tallies;
    this.tallies = new Map();
    // Both tables name these columns alike; typed as one so drizzle accepts the update.
    const table = this.table as typeof dnsProviders;
    for (const [id, t] of batch) {
      try {
        await this.database.db
          .update(table)
          .set({
            successCount: sql`${table.successCount} + ${t.success}`,
            failureCount: sql`${table.failureCount} + ${t.failure}`,
            lastUsedAt: sql`greatest(${table.lastUsedAt}, ${t.lastUsedAt.toISOString()}::timestamptz)`,
            ...(t.lastError !== null ? { lastError: t.lastError } : {}),
          })
          .where(eq(table.id, id));
      } catch (err) {
        // Kept, merged with calls counted meanwhile, for the next round.
        const now = this.tallies.get(id);
        this.tallies.set(id, now ? { success: now.success + t.success, failure: now.failure + t.failure, lastUsedAt: now.lastUsedAt, lastError: now.lastError ?? t.lastError } : t);
        this.log.warn({ [this.table === dnsProviders ? 'provider_id' : 'credential_id']: id, err: (err as Error).message }, 'provider statistics not written; kept for the next round');
        this.timer ??= setTimeout(() => void this.flush(), this.intervalMs).unref();
      }
    }
  }
}
