// The challenge lifecycle: create (idempotent), record removal, and state changes, each name edited under one lock.
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Logger } from 'pino';
import type { AuditSink } from '../audit/writer.js';
import type { Database } from '../db/client.js';
import { ACTIVE_STATUSES, challenges, type ChallengeRow, type DnsProviderRow } from '../db/schema.js';
import { AppError, isAppError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { ZoneLookup } from '../dns/zone-finder.js';
import { explicitZone } from '../providers/explicit-zone.js';
import type { PluginCalls, ProviderRuntime } from '../calls/plugin-calls.js';
import type { ProviderStore } from '../providers/store.js';
import type { NameDelegation } from './delegation.js';
import { ChallengeObserver, type ClientDialect } from './events.js';
import { applyTransition, discard, nextStatus, type LifecycleEvent } from './lifecycle.js';
import { checkTxtValue, domainOf, normaliseChallengeFqdn } from './names.js';
import { PendingWrites } from './pending-writes.js';
import { challengeStatements } from './statements.js';
import { timedLock, timedMethods, timedStatements } from '../phases.js';
import { lifetimeMs, type TimedRuntime } from '../providers/timing.js';

export type { ClientDialect } from './events.js';

export interface ProviderChooser {
  /** Provider for a name when the client did not say: the most specific site covering it, else the default. */
  forFqdn(fqdn: string): Promise<string>;
}

/** The moves finish() makes on an active row (a finished one only has its record removed). */
export type FinishEvent = Extract<LifecycleEvent, 'cleaned' | 'expired' | 'interrupted' | 'record_removed'>;

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
  /** Follows a challenge name's CNAMEs to where its value goes (DNS01_FOLLOW_CNAME); without it, the asked name. */
  delegation?: NameDelegation;
  /** Chooses the provider when a request pins none, by the name the value goes to. */
  chooser?: ProviderChooser;
}

/** Where a request's value goes: `fqdn` holds the record; `asked` is the client's name (the same unless a CNAME delegates it). */
interface Names {
  asked: string;
  fqdn: string;
}

export interface CreateRequest {
  /** The provider the client pinned; unset: the chooser's for the name the value goes to. */
  providerId?: string;
  /** The caller's check on the provider (a client token's list), before anything is written. */
  permitProvider?: (providerId: string) => void;
  /**
   * The caller's check on the CNAME's target, when the asked name has one, before anything is written: a client who
   * controls its own name's DNS must not point it at a name outside its scope (another client's) and have it written.
   */
  permitTarget?: (fqdn: string) => void;
  /** The name asked for; a CNAME there moves the value to its target (docs/api.md#delegated-names). */
  fqdn: unknown;
  value: unknown;
  wait?: boolean;
  client?: ClientDialect;
  /** Ends the provider call when it aborts (a caller's deadline); the row then fails as after a timeout. */
  signal?: AbortSignal;
}

/** One present, as decided before the name's lock is taken. */
interface Presenting {
  provider: DnsProviderRow;
  runtime: TimedRuntime;
  fqdn: string;
  delegatedFrom: string | null;
  value: string;
  zone: string | null;
  client: ClientDialect;
  signal: AbortSignal | undefined;
}

type Created = { row: ChallengeRow; created: boolean };

export class ChallengeService {
  private readonly graceMs: number;
  /** Outcomes of provider calls whose row update waits for the database. */
  readonly pending: PendingWrites;
  private readonly events: ChallengeObserver;
  // The collaborators, each with its phase timing (src/phases.ts) wrapped on once here.
  private readonly q: ReturnType<typeof challengeStatements>;
  private readonly rows: Pick<ProviderStore, 'getCached' | 'runtimeFor' | 'runtimeOf'>;
  private readonly calls: Pick<PluginCalls, 'present' | 'cleanup'>;
  private readonly zones: ZoneLookup | undefined;
  private readonly delegation: NameDelegation | undefined;
  private readonly write: PendingWrites['write'];
  private readonly withLock: <T>(key: string, fn: () => Promise<T>) => Promise<T>;

  constructor(
    private readonly database: Database,
    providers: ProviderStore,
    private readonly registry: PluginCalls,
    metrics: Metrics,
    private readonly log: Logger,
    private readonly opts: ChallengeServiceOptions = {},
  ) {
    this.graceMs = opts.expiryGraceMs ?? 600_000;
    this.pending = new PendingWrites(database, metrics, log);
    this.events = new ChallengeObserver(metrics, log, opts.audit);
    this.q = timedStatements(challengeStatements(database.db));
    this.rows = timedMethods('provider', providers, ['getCached', 'runtimeFor', 'runtimeOf']);
    this.calls = timedMethods('plugin', registry, ['present', 'cleanup']);
    this.zones = opts.zones && timedMethods('zone', opts.zones, ['find']);
    this.delegation = opts.delegation && timedMethods('zone', opts.delegation, ['targetOf']);
    this.write = timedMethods('db', this.pending, ['write']).write;
    this.withLock = timedLock((key, fn) => database.withLock(key, fn));
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
  async create(req: CreateRequest): Promise<Created> {
    const acmeDns = req.client === 'acme-dns';
    const value = checkTxtValue(req.value);
    // acme-dns names are already where the value goes (its own domain): nothing to follow.
    const { asked, fqdn } = await this.namesOf(normaliseChallengeFqdn(req.fqdn, acmeDns ? this.opts.acmeDnsDomain : undefined), !acmeDns);
    if (fqdn !== asked) req.permitTarget?.(fqdn);
    const providerId = req.providerId ?? (await this.choose(fqdn));
    req.permitProvider?.(providerId);
    const { provider, runtime } = await this.providerFor(providerId, fqdn);
    // Before the lock: a walk can take seconds, and other requests for this name wait on the lock.
    const zone = await this.zoneFor(fqdn, runtime, provider.name);
    const delegatedFrom = asked === fqdn ? null : asked;
    const p: Presenting = { provider, runtime, fqdn, delegatedFrom, value, zone, client: req.client ?? 'internal', signal: req.signal };
    const result = await this.locked(fqdn, () => this.presentLocked(p));
    const wait = req.wait ?? provider.settings.waitForPropagation ?? false;
    if (wait && this.opts.waitForPropagation && result.row.status === 'PENDING') {
      return { row: await this.opts.waitForPropagation(result.row, provider), created: result.created };
    }
    return result;
  }

  /** The asked name and the one its value goes to: the end of its CNAME chain, when it is one and `follow`. */
  private async namesOf(asked: string, follow = true): Promise<Names> {
    const fqdn = follow && this.delegation ? await this.delegation.targetOf(asked) : asked;
    return { asked, fqdn };
  }

  /** The site's or default provider for the name the value goes to. */
  private choose(fqdn: string): Promise<string> {
    if (!this.opts.chooser) throw new AppError('PROVIDER_NOT_FOUND', 'no provider named and no site choice configured');
    return this.opts.chooser.forFqdn(fqdn);
  }

  /** The enabled, automated provider, with the credentials that answer for this name (zone-specific ones chosen here). */
  private async providerFor(providerId: string, fqdn: string): Promise<{ provider: DnsProviderRow; runtime: TimedRuntime }> {
    const provider = await this.rows.getCached(providerId);
    if (!provider.enabled) throw new AppError('PROVIDER_DISABLED', `provider ${provider.name} is disabled`);
    // With zone-specific credentials, the row chosen for this name (or NO_MATCHING_CREDENTIAL before anything is written).
    const runtime = await this.rows.runtimeFor(provider, domainOf(fqdn));
    if (!runtime.plugin.present) throw new AppError('PROVIDER_NOT_AUTOMATED', `provider type ${provider.providerType} is solved by Caddy itself, not through the daemon`);
    return { provider, runtime };
  }

  /**
   * The provider's own zone, else the SOA walk. A failed walk does not stop the challenge: the plugin gets no
   * zone (rfc2136 then walks against its own server; the webhook sends `zone: null`).
   */
  private async zoneFor(fqdn: string, runtime: ProviderRuntime, providerName: string): Promise<string | null> {
    const given = explicitZone(runtime.credentials);
    if (given) return given;
    if (!this.zones) return null;
    try {
      return await this.zones.find(fqdn);
    } catch (err) {
      this.log.warn({ fqdn, provider: providerName, err: (err as Error).message }, 'zone not found; the provider gets none');
      return null;
    }
  }

  /** Under the name's lock: the row (new, or the active identical one), then the present unless it already went through. */
  private async presentLocked(p: Presenting): Promise<Created> {
    await this.pending.flushName(p.fqdn);
    const { row, existing } = await this.insertOrFind(p);
    // A CREATED row seen under the lock is one whose present never finished (a crash): run it again.
    if (existing && row.status !== 'CREATED') {
      this.events.emit({ kind: 'reused', row, provider: p.provider.name, client: p.client, started: performance.now() });
      return { row, created: false };
    }
    if (!existing) this.events.emit({ kind: 'created', row, provider: p.provider.name });
    return { row: await this.present(row, p), created: !existing };
  }

  /** One statement in the usual case: the insert, which does nothing when an identical challenge is active. */
  private async insertOrFind(p: Presenting): Promise<{ row: ChallengeRow; existing: boolean }> {
    const key = { providerId: p.provider.id, fqdn: p.fqdn, value: p.value };
    const [inserted] = await this.q.insert.execute({
      ...key, credentialId: p.runtime.credentialId ?? null, delegatedFrom: p.delegatedFrom, zone: p.zone, expiresAt: new Date(Date.now() + lifetimeMs(p.runtime.timing, this.graceMs)),
    });
    if (inserted) return { row: inserted, existing: false };
    const [existing] = await this.q.active.execute(key);
    if (!existing) throw new Error('challenge insert: neither a new nor an active row');
    return { row: existing, existing: true };
  }

  /** The plugin call and the row it leaves: PENDING with the record present, or failed (see recordPresentFailure). */
  private async present(row: ChallengeRow, p: Presenting): Promise<ChallengeRow> {
    const { provider, runtime, fqdn, value, client } = p;
    const ttl = runtime.timing.ttlS;
    const started = performance.now();
    try {
      const res = await this.calls.present(runtime, { challengeId: row.id, fqdn, domain: domainOf(fqdn), value, ttl, ...(row.zone ? { zone: row.zone } : {}) }, p.signal);
      const updated = await this.write(row, 'presented', {
        recordState: 'present', pluginRecordId: res.recordId ?? null, attempts: row.attempts + 1, error: null, updatedAt: new Date(),
      });
      this.events.emit({ kind: 'presented', row, provider: provider.name, client, started });
      return updated;
    } catch (err) {
      // Cut off by shutdown: the row stays CREATED with record_state 'unknown' for the janitor to finish.
      const failed = !this.registry.stopping.aborted && (await this.recordPresentFailure(row, err));
      this.events.emit({ kind: 'present_failed', row, provider: provider.name, client, started, error: err, failed });
      throw err;
    }
  }

  /** Deletes the row or moves it to FAILED; true for FAILED. */
  private async recordPresentFailure(row: ChallengeRow, err: unknown): Promise<boolean> {
    // Stopped by the daemon before the call (AppError.beforeCall): no record can exist, so no row is kept.
    if (isAppError(err) && err.beforeCall) {
      await discard(this.db, row);
      return false;
    }
    // A timeout or 5xx may still have written the record on the far side: the janitor will remove it.
    // An error that provably never reached the far side leaves nothing to remove.
    const maybeWritten = !isAppError(err) || err.delivery === 'maybe';
    await applyTransition(this.db, row, 'present_failed', {
      recordState: maybeWritten ? 'unknown' : 'none', attempts: row.attempts + 1, error: errorText('', err), completedAt: new Date(), updatedAt: new Date(),
    });
    return true;
  }

  /** DELETE by id: removes this challenge's value (only it) and finishes the row. */
  async remove(id: string, client: ClientDialect = 'internal'): Promise<ChallengeRow> {
    const row = await this.get(id);
    if (row.status === 'EXPIRED' && row.recordState !== 'present' && row.recordState !== 'unknown') {
      throw new AppError('CHALLENGE_EXPIRED', 'challenge expired and its record was already removed');
    }
    return this.finish(row, { event: 'cleaned', client });
  }

  /**
   * acmeproxy/httpreq cleanup (and the DNS door's delete of one value): finishes every challenge holding this value
   * where the name's value went (its CNAME target, followed as for create), or none: a no-op. With `permitProvider`
   * (a caller limited to some providers), only through the pinned provider, else the one present chose, never across
   * all of them.
   */
  async removeByValue(req: Pick<CreateRequest, 'providerId' | 'fqdn' | 'value' | 'permitProvider' | 'permitTarget' | 'client'>): Promise<ChallengeRow[]> {
    const { asked, fqdn } = await this.namesOf(normaliseChallengeFqdn(req.fqdn));
    if (fqdn !== asked) req.permitTarget?.(fqdn);
    const value = checkTxtValue(req.value);
    const client = req.client ?? 'acmeproxy';
    const providerId = req.providerId ?? (req.permitProvider ? await this.choose(fqdn) : undefined);
    if (providerId !== undefined) req.permitProvider?.(providerId);
    const provider = providerId ? await this.rows.getCached(providerId) : undefined;
    // Read under the lock, so each row is acted on as it is, without a second read.
    return this.locked(fqdn, async () => {
      await this.pending.flushName(fqdn);
      const rows = await (providerId ? this.q.holdingOf.execute({ fqdn, value, providerId }) : this.q.holding.execute({ fqdn, value }));
      // A cleanup for a value never presented (or already removed) is a success; the log says so.
      if (rows.length === 0) this.events.emit({ kind: 'cleanup_unmatched', fqdn, provider: provider?.name ?? null });
      const done: ChallengeRow[] = [];
      for (const row of rows) done.push(await this.finishLocked(row, { event: 'cleaned', client }));
      return done;
    });
  }

  /**
   * Removes the record (if it may exist) and moves the row by `event` when still active (a finished row keeps its status).
   * Shared with the janitor. On failure the row keeps its record state, so the janitor tries again later.
   */
  async finish(
    row: ChallengeRow,
    opts: { event: FinishEvent; reason?: string; onlyIf?: (fresh: ChallengeRow) => boolean; client?: ClientDialect; signal?: AbortSignal },
  ): Promise<ChallengeRow> {
    return this.locked(row.fqdn, async () => {
      await this.pending.flushName(row.fqdn);
      const [fresh] = await this.q.byId.execute({ id: row.id });
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
  private async finishLocked(fresh: ChallengeRow, opts: { event: FinishEvent; reason?: string; client?: ClientDialect; signal?: AbortSignal }): Promise<ChallengeRow> {
    const event: LifecycleEvent = ACTIVE_STATUSES.includes(fresh.status) ? opts.event : 'record_removed';
    const status = nextStatus(fresh.status, event);
    const provider = await this.rows.getCached(fresh.providerId);
    const call = { row: fresh, provider: provider.name, client: opts.client ?? 'janitor', started: performance.now(), status } as const;
    const hadRecord = fresh.recordState === 'present' || fresh.recordState === 'unknown';
    if (hadRecord) {
      try {
        await this.cleanup(fresh, provider, opts.signal);
      } catch (err) {
        // Cut off by shutdown: the row is left as it was (record still 'present'/'unknown') for the janitor.
        if (this.registry.stopping.aborted) throw err;
        await applyTransition(this.db, fresh, event, {
          cleanupAttempts: fresh.cleanupAttempts + 1, error: errorText('cleanup ', err), completedAt: fresh.completedAt ?? (event === 'record_removed' ? null : new Date()), updatedAt: new Date(), claimedUntil: null,
        });
        this.events.emit({ kind: 'cleanup_failed', ...call, error: err });
        throw err;
      }
    }
    const updated = await this.write(fresh, event, {
      recordState: fresh.recordState === 'none' ? 'none' : 'removed', completedAt: fresh.completedAt ?? new Date(), updatedAt: new Date(), claimedUntil: null,
      ...(opts.reason ? { error: opts.reason } : {}),
    });
    this.events.emit({ kind: 'cleaned', ...call, hadRecord });
    return updated;
  }

  /** The plugin's cleanup, with the credential present used, even if the credential table changed since. */
  private async cleanup(row: ChallengeRow, provider: DnsProviderRow, signal?: AbortSignal): Promise<void> {
    const runtime = await this.rows.runtimeOf(provider, row.credentialId);
    await this.calls.cleanup(runtime, {
      challengeId: row.id, fqdn: row.fqdn, domain: domainOf(row.fqdn), value: row.value,
      ttl: runtime.timing.ttlS, recordId: row.pluginRecordId, ...(row.zone ? { zone: row.zone } : {}),
    }, signal);
  }

  /** Runs `fn` under the name's lock. */
  private locked<T>(fqdn: string, fn: () => Promise<T>): Promise<T> {
    return this.withLock(`name:${fqdn}`, fn);
  }
}

