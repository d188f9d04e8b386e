// Propagation checker: moves PENDING challenges to VERIFYING once every authoritative server serves the value.
import { setTimeout as sleep } from 'node:timers/promises';
import { eq, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Database } from '../db/client.js';
import { challenges, type ChallengeRow, type DnsProviderRow, type LastCheck } from '../db/schema.js';
import { checkPropagation, type PropagationResult } from '../dns/propagation.js';
import { formatServer } from '../dns/transport.js';
import { AppError } from '../errors.js';
import { claimChallenges } from '../jobs/claim.js';
import { JobLoop } from '../jobs/loop.js';
import type { Metrics } from '../metrics.js';
import type { ProviderStore } from '../providers/store.js';
import type { ChallengeTiming } from '../providers/timing.js';
import { ChallengeObserver } from './events.js';
import { applyTransition } from './lifecycle.js';
import { describeResolvers, explainFailure, type Resolvers } from './resolvers.js';

export interface PropagationCheckerOptions {
  /** Zone, NS and CNAME discovery goes through these, in order; the next is tried when one fails. */
  resolvers: Resolvers;
  /** Port the authoritative servers are asked on (53 outside tests). */
  authPort: number;
  /** How often the loop looks for due rows (default 1 s); each row's own pace is its provider's polling interval. */
  intervalMs?: number;
  /** How long one replica owns a claimed row; must outlast one check (default 60 s). */
  leaseMs?: number;
  batchSize?: number;
  /** Bound on one check of one row (default 10 s). */
  checkTimeoutMs?: number;
  /** Checks run at once within a batch (default 8): each asks every authoritative server. */
  concurrency?: number;
}

export interface PropagationReport {
  checked: number;
  verified: number;
  notVisible: number;
  errors: number;
}

/** Lets stop() return without waiting out a check's DNS timeouts; the abandoned check settles on its own. */
function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('propagation checker stopping'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export class PropagationChecker {
  private readonly loop: JobLoop;
  /** Aborted on stop(): waiting requests give up with DNS_NOT_PROPAGATED instead of outliving the database. */
  private abort = new AbortController();
  private readonly events: ChallengeObserver;

  constructor(
    private readonly database: Database,
    private readonly providers: ProviderStore,
    metrics: Metrics,
    private readonly log: Logger,
    private readonly opts: PropagationCheckerOptions,
  ) {
    this.events = new ChallengeObserver(metrics, log);
    this.loop = new JobLoop('propagation', () => opts.intervalMs ?? 1000, () => this.runOnce(), log);
  }

  start(): void {
    if (this.abort.signal.aborted) this.abort = new AbortController();
    this.loop.start();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop.stop();
  }

  healthy(now = Date.now()): boolean {
    return this.loop.healthy(now);
  }

  /** Checks every due PENDING row once; a row not yet visible is due again one polling interval later. */
  async runOnce(): Promise<PropagationReport> {
    const report: PropagationReport = { checked: 0, verified: 0, notVisible: 0, errors: 0 };
    const queue = await this.claim();
    const worker = async () => {
      for (let row = queue.shift(); row; row = queue.shift()) {
        report.checked += 1;
        report[await this.process(row)] += 1;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.opts.concurrency ?? 8, queue.length) }, worker));
    if (report.verified > 0) this.log.debug(report, 'propagation run');
    return report;
  }

  /**
   * For `wait=propagated`: checks until the value is visible (the row moves to VERIFYING and is returned) or
   * the provider's propagation timeout has passed. Then DNS_NOT_PROPAGATED (HTTP 200): the record stays in
   * place, the background checker keeps watching it, and the client may retry or go ahead.
   */
  async waitForPropagation(row: ChallengeRow, provider: DnsProviderRow): Promise<ChallengeRow> {
    const { propagationTimeoutS: timeoutS, pollingIntervalS } = await this.timing(provider, row);
    const deadline = Date.now() + timeoutS * 1000;
    const intervalMs = pollingIntervalS * 1000;
    let last: PropagationResult | undefined;
    let lastError: string | undefined;
    for (;;) {
      const [fresh] = await this.database.db.select().from(challenges).where(eq(challenges.id, row.id));
      if (!fresh) throw new AppError('CHALLENGE_NOT_FOUND', 'the challenge was removed while waiting for propagation');
      // Seen by the background checker meanwhile, or finished by a DELETE: nothing left to wait for.
      if (fresh.status !== 'PENDING' || fresh.recordState !== 'present') return fresh;
      try {
        last = await this.check(fresh, Math.max(1000, Math.min(this.opts.checkTimeoutMs ?? 10_000, deadline - Date.now())));
        lastError = undefined;
        if (last.visible) return (await this.markVerifying(fresh, provider.name)) ?? (await this.reread(fresh));
      } catch (err) {
        lastError = (err as Error).message;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0 || this.abort.signal.aborted) break;
      try {
        await sleep(Math.min(intervalMs, remaining), undefined, { signal: this.abort.signal });
      } catch {
        break; // shutting down
      }
    }
    // A failed last check already names the resolvers asked and the setting; a result names the servers that were asked.
    const why = lastError ? `; the last check failed: ${lastError}` : '';
    throw new AppError('DNS_NOT_PROPAGATED', `${row.fqdn} is not yet served by every authoritative server after ${timeoutS}s; the record stays in place${why}`, {
      details: {
        challenge_id: row.id, fqdn: row.fqdn, status: 'PENDING',
        ...(last ? { zone: last.zone, target: last.target, servers: last.servers } : {}),
        ...(lastError ? { error: lastError } : {}),
      },
    });
  }

  /** The timing of the credential the challenge was created with (a zone-specific one has its own timeouts). */
  private async timing(provider: DnsProviderRow, row: ChallengeRow): Promise<ChallengeTiming> {
    return (await this.providers.runtimeOf(provider, row.credentialId)).timing;
  }

  /**
   * One check now, whatever the row's schedule (the manual provider's "verify"): the row moves to VERIFYING
   * when every authoritative server serves the value. Throws when the check itself fails (no zone, no answer).
   */
  async checkNow(row: ChallengeRow, providerName: string): Promise<{ result: PropagationResult; row: ChallengeRow }> {
    const result = await this.check(row, this.opts.checkTimeoutMs ?? 10_000);
    const moved = result.visible ? await this.markVerifying(row, providerName) : undefined;
    return { result, row: moved ?? (await this.reread(row)) };
  }

  private async process(row: ChallengeRow): Promise<'verified' | 'notVisible' | 'errors'> {
    let intervalS = 5;
    try {
      const provider = await this.providers.getCached(row.providerId);
      intervalS = (await this.timing(provider, row)).pollingIntervalS;
      const result = await this.check(row, this.opts.checkTimeoutMs ?? 10_000);
      if (result.visible) {
        if (await this.markVerifying(row, provider.name)) return 'verified';
      } else {
        this.log.debug({ challenge: row.id, fqdn: row.fqdn, servers: result.servers }, 'value not yet visible everywhere');
      }
      await this.release(row, intervalS);
      return 'notVisible';
    } catch (err) {
      // A resolver hiccup or a zone that is still being set up: not fatal, the expiry bounds how long we try.
      this.log.debug({ challenge: row.id, fqdn: row.fqdn, err: (err as Error).message }, 'propagation check failed; retrying next interval');
      await this.release(row, intervalS).catch(() => undefined);
      return 'errors';
    }
  }

  /**
   * Discovery through each resolver in turn; per-server failures are part of the result, not a throw.
   * Every check, seen or not, stamps last_check_at: an operator creating the record by hand watches it.
   */
  private async check(row: ChallengeRow, timeoutMs: number): Promise<PropagationResult> {
    const { resolvers } = this.opts;
    const failures: string[] = [];
    let lastCheck: LastCheck | undefined;
    try {
      for (const resolver of resolvers.servers) {
        try {
          const result = await abortable(checkPropagation({ fqdn: row.fqdn, value: row.value, resolver, authPort: this.opts.authPort, timeoutMs }), this.abort.signal);
          lastCheck = { ...result, resolver: describeResolvers(resolvers, [resolver]) };
          return result;
        } catch (err) {
          const message = (err as Error).message;
          failures.push(resolvers.servers.length > 1 ? `${formatServer(resolver)}: ${message}` : message);
        }
      }
      // The resolvers asked and the setting that changes them: a private zone the system resolver does not know fails
      // here, and the operator reads this in last_check, the manual verify and the page.
      const error = explainFailure(resolvers, failures.join('; ') || 'no resolvers configured').slice(0, 600);
      lastCheck = { visible: false, servers: [], resolver: describeResolvers(resolvers), error };
      throw new Error(error);
    } finally {
      // Kept with the row so the admin API can say which servers saw the value, not only when anyone looked.
      if (lastCheck && !this.abort.signal.aborted) await this.database.db.update(challenges).set({ lastCheckAt: new Date(), lastCheck }).where(eq(challenges.id, row.id));
    }
  }

  /** Only a row still PENDING moves: a DELETE or the janitor may have finished it while DNS was asked. */
  private async markVerifying(row: ChallengeRow, providerName: string): Promise<ChallengeRow | undefined> {
    const now = new Date();
    // From PENDING, the one status `seen` applies to: the row as read may be stale, the table's guard decides.
    const moved = await applyTransition(this.database.db, { id: row.id, status: 'PENDING' }, 'seen', { verifiedAt: now, updatedAt: now, claimedUntil: null, nextCheckAt: null });
    if (moved) this.events.emit({ kind: 'propagated', row, provider: providerName });
    return moved;
  }

  private async reread(row: ChallengeRow): Promise<ChallengeRow> {
    const [fresh] = await this.database.db.select().from(challenges).where(eq(challenges.id, row.id));
    return fresh ?? row;
  }

  /** Gives the lease back and schedules the next check (only while the row is still PENDING). */
  private async release(row: ChallengeRow, intervalS: number): Promise<void> {
    await this.database.db
      .update(challenges)
      .set({
        nextCheckAt: sql`case when ${challenges.status} = 'PENDING' then now() + ${intervalS} * interval '1 second' else ${challenges.nextCheckAt} end`,
        claimedUntil: null,
      })
      .where(eq(challenges.id, row.id));
  }

  /**
   * Leases due rows to this replica; SKIP LOCKED means two replicas never check the same row at once. Only
   * PENDING rows with record_state 'present' qualify: the name is never asked before its record exists, so no
   * resolver caches an NXDOMAIN for it (RFC 2308 negative caching). Expired rows are the janitor's: a lease
   * taken here would only keep it from them.
   */
  private claim(): Promise<ChallengeRow[]> {
    return claimChallenges(this.database, {
      where: sql`status = 'PENDING' and record_state = 'present' and (next_check_at is null or next_check_at <= now()) and expires_at > now()`,
      orderBy: sql`next_check_at nulls first, created_at`,
      leaseMs: this.opts.leaseMs ?? 60_000,
      limit: this.opts.batchSize ?? 50,
    });
  }
}
