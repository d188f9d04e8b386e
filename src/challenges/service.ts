// The challenge lifecycle: create (idempotent), record removal, and state changes, each name edited under one lock.
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Logger } from 'pino';
import type { AuditSink } from '../audit/writer.js';
import type { Database } from '../db/client.js';
import { ACTIVE_STATUSES, challenges, type ChallengeRow, type ChallengeStatus, type DnsProviderRow } from '../db/schema.js';
import { AppError, isAppError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { ZoneLookup } from '../dns/zone-finder.js';
import { explicitZone } from '../providers/explicit-zone.js';
import type { ProviderRegistry, ProviderRuntime } from '../calls/registry.js';
import type { ProviderStore } from '../providers/store.js';
import { checkTxtValue, domainOf, normaliseChallengeFqdn } from './names.js';
import { PendingWrites } from './pending-writes.js';
import { challengeStatements } from './statements.js';
import { timingOf } from './timing.js';
import { spend, timed } from '../phases.js';

/** Errors raised before anything was sent to the provider: no record can exist, so no row is kept. */
const NOTHING_SENT: ReadonlySet<string> = new Set(['WEBHOOK_RATE_LIMITED', 'PROVIDER_RATE_LIMITED', 'PROVIDER_CIRCUIT_OPEN', 'SCRIPT_PATH_INVALID', 'WEBHOOK_TARGET_BLOCKED']);

/** Who asked, for the log: the native internal API, the acmeproxy/httpreq dialect, an acme-dns client, or the janitor. */
export type ClientDialect = 'internal' | 'acmeproxy' | 'acme-dns' | 'janitor';

/** What a failure says in the challenge row: its code, message, and the far side's words when there are any. */
function errorText(prefix: string, err: unknown): string {
  const code = isAppError(err) ? err.code : 'PROVIDER_ERROR';
  const detail = isAppError(err) && err.logDetail ? ` (${err.logDetail})` : '';
  return `${prefix}${code}: ${(err as Error).message}${detail}`.slice(0, 500);
}

export interface ChallengeServiceOptions {
  /** Added to a provider's propagation timeout before an unfinished challenge expires (default 10 min). */
  expiryGraceMs?: number;
  /** Hook for the propagation checker: resolves when the value is visible, throws DNS_NOT_PROPAGATED otherwise. */
  waitForPropagation?: (row: ChallengeRow, provider: DnsProviderRow) => Promise<ChallengeRow>;
  /** Finds a new challenge's zone when its provider names none; without it the zone stays null. */
  zones?: ZoneLookup;
  /** DNS01_ACME_DNS_DOMAIN: acme-dns clients (only they) may also create `<uuid>.<this>` names. */
  acmeDnsDomain?: string;
  /** Every present and cleanup (requests' and the janitor's) is an audit event. */
  audit?: AuditSink;
}

export interface CreateRequest {
  providerId: string;
  fqdn: unknown;
  value: unknown;
  wait?: boolean;
  client?: ClientDialect;
}

export class ChallengeService {
  private readonly graceMs: number;
  /** Outcomes of provider calls whose row update waits for the database. */
  readonly pending: PendingWrites;
  private readonly q: ReturnType<typeof challengeStatements>;

  constructor(
    private readonly database: Database,
    private readonly providers: ProviderStore,
    private readonly registry: ProviderRegistry,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly opts: ChallengeServiceOptions = {},
  ) {
    this.graceMs = opts.expiryGraceMs ?? 600_000;
    this.pending = new PendingWrites(database, metrics, log);
    this.q = challengeStatements(database.db);
  }

  private get db() {
    return this.database.db;
  }

  async get(id: string): Promise<ChallengeRow> {
    if (!z.uuid().safeParse(id).success) throw new AppError('CHALLENGE_NOT_FOUND', 'no challenge with that id');
    const [row] = await this.q.byId.execute({ id });
    if (!row) throw new AppError('CHALLENGE_NOT_FOUND', 'no challenge with that id');
    return this.pending.overlay(row);
  }

  /** Returns the challenge and whether this call created it (false: an identical one was active). */
  async create(req: CreateRequest): Promise<{ row: ChallengeRow; created: boolean }> {
    const fqdn = normaliseChallengeFqdn(req.fqdn, req.client === 'acme-dns' ? this.opts.acmeDnsDomain : undefined);
    const value = checkTxtValue(req.value);
    const { provider, runtime } = await timed('provider', async () => {
      const provider = await this.providers.active(req.providerId);
      if (!provider.enabled) throw new AppError('PROVIDER_DISABLED', `provider ${provider.name} is disabled`);
      // With zone-specific credentials, the row chosen for this name (or NO_MATCHING_CREDENTIAL before anything is written).
      return { provider, runtime: await this.providers.runtimeFor(provider, domainOf(fqdn)) };
    });
    const { plugin } = runtime;
    if (!plugin.present) throw new AppError('PROVIDER_NOT_AUTOMATED', `provider type ${provider.providerType} is solved by Caddy itself, not through the daemon`);
    const client = req.client ?? 'internal';
    // Before the lock: a walk can take seconds, and other requests for this name wait on the lock.
    const zone = await timed('zone', () => this.zoneFor(fqdn, runtime, provider.name));

    const result = await this.locked(fqdn, async () => {
      await this.pending.flushName(fqdn);
      const { lifetimeMs } = timingOf(plugin, runtime.timeouts ?? provider, runtime.credentials, this.graceMs);
      const key = { providerId: provider.id, fqdn, value };
      // One statement in the usual case: the insert, which does nothing when an identical challenge is active.
      const [inserted] = await timed('db', () => this.q.insert.execute({
        ...key, credentialId: runtime.credentialId ?? null, zone, expiresAt: new Date(Date.now() + lifetimeMs),
      }));
      const existing = inserted ? undefined : (await timed('db', () => this.q.active.execute(key)))[0];
      // A CREATED row seen under the lock is one whose present never finished (a crash): run it again.
      if (existing && existing.status !== 'CREATED') {
        this.outcome('present', existing, provider.name, client, performance.now(), 'existing');
        return { row: existing, created: false };
      }
      const row = inserted ?? existing;
      if (!row) throw new Error('challenge insert: neither a new nor an active row');
      if (!existing) this.counted('CREATED', provider.name);
      const ttl = provider.settings.ttl ?? plugin.defaults.ttl;
      const started = performance.now();
      try {
        const res = await timed('plugin', () => this.registry.present(runtime, { challengeId: row.id, fqdn, domain: domainOf(fqdn), value, ttl, ...(row.zone ? { zone: row.zone } : {}) }));
        const updated = await timed('db', () => this.pending.write(row, { status: 'CREATED', recordState: row.recordState }, {
          status: 'PENDING', recordState: 'present', pluginRecordId: res.recordId ?? null, attempts: row.attempts + 1, error: null, updatedAt: new Date(),
        }));
        this.counted('PENDING', provider.name);
        this.outcome('present', row, provider.name, client, started, 'ok');
        return { row: updated, created: !existing };
      } catch (err) {
        // Cut off by shutdown: the row stays CREATED with record_state 'unknown' for the janitor to finish.
        if (!this.registry.stopping.aborted) await this.recordPresentFailure(row, provider.name, err);
        this.outcome('present', row, provider.name, client, started, err);
        throw err;
      }
    });

    const wait = req.wait ?? provider.settings.waitForPropagation ?? false;
    if (wait && this.opts.waitForPropagation && result.row.status === 'PENDING') {
      return { row: await this.opts.waitForPropagation(result.row, provider), created: result.created };
    }
    return result;
  }

  /**
   * The provider's own zone, else the SOA walk. A failed walk does not stop the challenge: the plugin gets no
   * zone (rfc2136 then walks against its own server; the webhook sends `zone: null`).
   */
  private async zoneFor(fqdn: string, runtime: ProviderRuntime, providerName: string): Promise<string | null> {
    const given = explicitZone(runtime.credentials);
    if (given) return given;
    if (!this.opts.zones) return null;
    try {
      return await this.opts.zones.find(fqdn);
    } catch (err) {
      this.log.warn({ fqdn, provider: providerName, err: (err as Error).message }, 'zone not found; the provider gets none');
      return null;
    }
  }

  private async recordPresentFailure(row: ChallengeRow, providerName: string, err: unknown): Promise<void> {
    const code = isAppError(err) ? err.code : 'PROVIDER_ERROR';
    if (NOTHING_SENT.has(code)) {
      await this.db.delete(challenges).where(eq(challenges.id, row.id));
      return;
    }
    // A timeout or 5xx may still have written the record on the far side: the janitor will remove it.
    // An error that provably never reached the far side leaves nothing to remove.
    const maybeWritten = !isAppError(err) || err.delivery === 'maybe';
    await this.db
      .update(challenges)
      .set({ status: 'FAILED', recordState: maybeWritten ? 'unknown' : 'none', attempts: row.attempts + 1, error: errorText('', err), completedAt: new Date(), updatedAt: new Date() })
      .where(eq(challenges.id, row.id));
    this.counted('FAILED', providerName);
  }

  /** DELETE by id: removes this challenge's value (only it) and finishes the row. */
  async remove(id: string, client: ClientDialect = 'internal'): Promise<ChallengeRow> {
    const row = await this.get(id);
    if (row.status === 'EXPIRED' && row.recordState !== 'present' && row.recordState !== 'unknown') {
      throw new AppError('CHALLENGE_EXPIRED', 'challenge expired and its record was already removed');
    }
    return this.finish(row, { cleanupStatus: finishedStatus(row.status), client });
  }

  /** acmeproxy/httpreq cleanup: finishes every challenge holding this value at this name (or none: a no-op). */
  async removeByValue(providerId: string | null, fqdnInput: unknown, valueInput: unknown): Promise<ChallengeRow[]> {
    const fqdn = normaliseChallengeFqdn(fqdnInput);
    const value = checkTxtValue(valueInput);
    const provider = providerId ? await timed('provider', () => this.providers.active(providerId)) : undefined;
    // Read under the lock, so each row is acted on as it is, without a second read.
    return this.locked(fqdn, async () => {
      await this.pending.flushName(fqdn);
      const rows = await timed('db', () => (providerId ? this.q.holdingOf.execute({ fqdn, value, providerId }) : this.q.holding.execute({ fqdn, value })));
      // A cleanup for a value never presented (or already removed) is a success; the log says so.
      if (rows.length === 0) this.log.info({ fqdn, provider: provider?.name ?? null, client: 'acmeproxy', outcome: 'not_found' }, 'cleanup');
      const done: ChallengeRow[] = [];
      for (const row of rows) done.push(await this.finishLocked(row, { cleanupStatus: finishedStatus(row.status), client: 'acmeproxy' }));
      return done;
    });
  }

  /**
   * Removes the record (if it may exist) and moves the row to `cleanupStatus` when still active.
   * Shared with the janitor. On failure the row keeps its record state, so the janitor tries again later.
   */
  async finish(
    row: ChallengeRow,
    opts: { cleanupStatus: ChallengeStatus; reason?: string; onlyIf?: (fresh: ChallengeRow) => boolean; client?: ClientDialect },
  ): Promise<ChallengeRow> {
    return this.locked(row.fqdn, async () => {
      await this.pending.flushName(row.fqdn);
      const [fresh] = await timed('db', () => this.q.byId.execute({ id: row.id }));
      if (!fresh) throw new AppError('CHALLENGE_NOT_FOUND', 'no challenge with that id');
      // The janitor decided on a row read before the lock; the row may have moved on since.
      if (opts.onlyIf && !opts.onlyIf(fresh)) {
        await this.db.update(challenges).set({ claimedUntil: null }).where(eq(challenges.id, fresh.id));
        return fresh;
      }
      return this.finishLocked(fresh, opts);
    });
  }

  /** finish() for a row read under its name's lock, which the caller holds. */
  private async finishLocked(fresh: ChallengeRow, opts: { cleanupStatus: ChallengeStatus; reason?: string; client?: ClientDialect }): Promise<ChallengeRow> {
    const client = opts.client ?? 'janitor';
    const active = ACTIVE_STATUSES.includes(fresh.status);
    const status = active ? opts.cleanupStatus : fresh.status;
    const provider = await timed('provider', () => this.providers.active(fresh.providerId));
    const started = performance.now();
    const mayExist = fresh.recordState === 'present' || fresh.recordState === 'unknown';
    if (mayExist) {
      try {
        // The credential present used, even if the credential table changed since.
        const runtime = await timed('provider', () => this.providers.runtimeOf(provider, fresh.credentialId));
        await timed('plugin', () => this.registry.cleanup(runtime, {
          challengeId: fresh.id, fqdn: fresh.fqdn, domain: domainOf(fresh.fqdn), value: fresh.value,
          ttl: provider.settings.ttl ?? runtime.plugin.defaults.ttl, recordId: fresh.pluginRecordId, ...(fresh.zone ? { zone: fresh.zone } : {}),
        }));
      } catch (err) {
        // Cut off by shutdown: the row is left as it was (record still 'present'/'unknown') for the janitor.
        if (this.registry.stopping.aborted) throw err;
        await this.db
          .update(challenges)
          .set({ status, cleanupAttempts: fresh.cleanupAttempts + 1, error: errorText('cleanup ', err), completedAt: fresh.completedAt ?? (active ? new Date() : null), updatedAt: new Date(), claimedUntil: null })
          .where(eq(challenges.id, fresh.id));
        if (active) this.counted(status, provider.name);
        this.outcome('cleanup', fresh, provider.name, client, started, err, status);
        throw err;
      }
    }
    const updated = await timed('db', () => this.pending.write(fresh, { recordState: fresh.recordState }, {
      status, recordState: fresh.recordState === 'none' ? 'none' : 'removed', completedAt: fresh.completedAt ?? new Date(), updatedAt: new Date(), claimedUntil: null,
      ...(opts.reason ? { error: opts.reason } : {}),
    }));
    if (active) this.counted(status, provider.name);
    this.outcome('cleanup', fresh, provider.name, client, started, mayExist ? 'ok' : 'no_record', status);
    return updated;
  }

  /** Runs `fn` under the name's lock; the time spent taking and releasing the lock is the `lock` phase. */
  private async locked<T>(fqdn: string, fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    let inside = 0;
    try {
      return await this.database.withLock(`name:${fqdn}`, async () => {
        const entered = performance.now();
        try {
          return await fn();
        } finally {
          inside = performance.now() - entered;
        }
      });
    } finally {
      spend('lock', performance.now() - started - inside);
    }
  }

  private counted(state: ChallengeStatus, providerName: string): void {
    this.metrics.challengeTransitions.labels(state, providerName).inc();
  }

  private audited(step: 'present' | 'cleanup', row: ChallengeRow, provider: string, client: ClientDialect, result: string | unknown, status?: ChallengeStatus): void {
    const failed = typeof result !== 'string';
    this.opts.audit?.record({
      action: auditAction(step, failed, ACTIVE_STATUSES.includes(row.status), status), category: 'challenge', resourceType: 'challenge', resourceId: row.id, outcome: failed ? 'failure' : 'success',
      details: {
        provider_id: row.providerId, provider, fqdn: row.fqdn, client, step,
        ...(failed ? { code: isAppError(result) ? result.code : 'PROVIDER_ERROR' } : { result }),
        ...(status ? { status } : {}), ...(row.credentialId ? { credential_id: row.credentialId } : {}),
      },
    });
  }

  /** The one line per present or cleanup: info when it went through, warn (with the far side's words) when not. */
  private outcome(step: 'present' | 'cleanup', row: ChallengeRow, provider: string, client: ClientDialect, started: number, result: string | unknown, status?: ChallengeStatus): void {
    const fields = { challenge: row.id, fqdn: row.fqdn, provider, client, duration_ms: Math.round(performance.now() - started) };
    this.audited(step, row, provider, client, result, status);
    if (typeof result === 'string') {
      this.log.info({ ...fields, outcome: result }, step);
      return;
    }
    const code = isAppError(result) ? result.code : 'PROVIDER_ERROR';
    const detail = isAppError(result) && result.logDetail ? { detail: result.logDetail } : {};
    const retry = isAppError(result) ? result.headers?.['Retry-After'] : undefined;
    this.log.warn(
      { ...fields, outcome: code, err: (result as Error).message, ...detail, ...(retry ? { retry_after_seconds: Number(retry) } : {}) },
      step === 'cleanup' ? 'cleanup failed; the janitor will retry' : 'present failed',
    );
  }
}

/**
 * The audit event of one present or cleanup: create or fail; for a cleanup, delete, expire or fail by the status the row
 * ends in, or record_removed when the row had finished before (the janitor removing a record nobody cleaned up).
 */
function auditAction(step: 'present' | 'cleanup', failed: boolean, wasActive: boolean, status?: ChallengeStatus): string {
  if (step === 'present') return failed ? 'challenge.fail' : 'challenge.create';
  if (!wasActive) return 'challenge.record_removed';
  return status === 'EXPIRED' ? 'challenge.expire' : status === 'FAILED' ? 'challenge.fail' : 'challenge.delete';
}

/** A seen record that is cleaned up is VERIFIED; one cleaned up before propagation was confirmed is DELETED. */
export function finishedStatus(status: ChallengeStatus): ChallengeStatus {
  return status === 'VERIFYING' ? 'VERIFIED' : 'DELETED';
}

