// Guards around every plugin call, behind one interface: a per-provider rate limit and a circuit breaker, with metrics.
import CircuitBreaker from 'opossum';
import type { Logger } from 'pino';
import type { ProviderSettings } from '../db/schema.js';
import { AppError, isAppError } from '../errors.js';
import { timed } from '../phases.js';
import { dropProviderSeries, type Metrics } from '../metrics.js';
import { MemoryLimiter, RedisLimiter, takeWithin, type RateLimiter } from './limiter.js';
import type { AnyProviderPlugin } from '../plugin-api/index.js';

/**
 * A type without its own `rateLimit` gets 600 calls a minute: an operator's own DNS server or script takes that
 * without notice, and a 100-name certificate fits in one burst. A call over the budget waits up to 10 s for a
 * slot, well inside the patience of Caddy (no HTTP timeout) and lego's httpreq (30 s).
 */
export const GUARD_DEFAULTS = { rateLimitPerMinute: 600, rateLimitWaitSeconds: 10, breakerThreshold: 5, breakerResetSeconds: 300 };

export type Step = 'present' | 'cleanup' | 'test';

/** Who a guarded call is for: the provider row's identity and settings, and the plugin that serves it. */
export interface GuardedCall {
  providerId: string;
  providerName: string;
  settings: ProviderSettings;
  plugin: AnyProviderPlugin;
  step: Step;
  /** Cleanups skip the rate limit: a limit must never be the reason a record stays behind. */
  limited: boolean;
  fqdn?: string;
  log: Logger;
  signal: AbortSignal;
}

/** What the call runner (plugin-calls.ts) needs from its guards. */
export interface CallGuards {
  run<T>(call: GuardedCall, fn: () => Promise<T>): Promise<T>;
  state(providerId: string): 'closed' | 'open' | 'half-open';
  /** The provider's rate-limit slots taken in the current window (null when the limiter cannot say), and whether every replica shares them (Redis). */
  rateUsed(providerId: string): Promise<{ used: number | null; shared: boolean }>;
  /** Drops a provider's guard (after an update or delete); `oldName` also drops its metric series. */
  forget(providerId: string, oldName?: string): void;
  close(): Promise<void>;
}

interface Breaker {
  signature: string;
  /** The provider name its metric series carry, so a rename can drop the old ones. */
  name: string;
  breaker: CircuitBreaker<[() => Promise<unknown>], unknown>;
  /** The name of the call that may trip the breaker, for its log line. */
  lastFqdn?: string;
  consecutiveFailures: number;
  resetSeconds: number;
  openedAt: number;
}

export interface GuardDeps {
  log: Logger;
  metrics: Metrics;
  redisUrl?: string;
  /** The rate limit's window; 60 s unless a test shortens it. `rate_limit_per_minute` is per this window. */
  rateWindowMs?: number;
}

/** The guards per provider: a circuit breaker (opossum) and a rate limit (limiter.ts, in memory or in Redis). */
export class ProviderCallGuards implements CallGuards {
  private readonly breakers = new Map<string, Breaker>();
  private readonly limiter: RateLimiter;

  constructor(private readonly deps: GuardDeps) {
    // With Redis the budget holds across replicas.
    this.limiter = deps.redisUrl ? new RedisLimiter(deps.redisUrl, deps.log) : new MemoryLimiter();
  }

  async run<T>(call: GuardedCall, fn: () => Promise<T>): Promise<T> {
    const g = this.breakerFor(call);
    const started = performance.now();
    const observe = (outcome: string) =>
      this.deps.metrics.pluginCallSeconds.labels(call.providerName, call.plugin.metadata.type, call.step, outcome).observe((performance.now() - started) / 1000);
    if (g.breaker.opened) {
      observe('circuit_open');
      const wait = Math.max(1, Math.ceil((g.openedAt + g.resetSeconds * 1000 - Date.now()) / 1000));
      throw new AppError('PROVIDER_CIRCUIT_OPEN', `provider ${call.providerName} failed repeatedly; calls are paused for ${wait} s more`, {
        retryable: true,
        beforeCall: true,
        details: { retry_after_seconds: wait },
        headers: { 'Retry-After': String(wait) },
      });
    }
    try {
      if (call.limited) await timed('limiter', () => this.limit(call), 'plugin');
      g.lastFqdn = call.fqdn;
      const result = (await g.breaker.fire(fn)) as T;
      observe('ok');
      return result;
    } catch (err) {
      const e = translate(err, call.providerName);
      const rateLimited = e.code === 'WEBHOOK_RATE_LIMITED' || e.code === 'PROVIDER_RATE_LIMITED';
      observe(rateLimited ? 'rate_limited' : 'error');
      if (e.delivery === 'refused') this.deps.metrics.pluginRefusals.labels(call.providerName, call.plugin.metadata.type, call.step, e.code).inc();
      // The caller logs the outcome of the operation once; this line keeps the plugin-level detail.
      if (!rateLimited) {
        call.log.debug({ code: e.code, err: e.message, ...(e.delivery === 'refused' ? { refusal: true } : {}), ...(e.logDetail ? { detail: e.logDetail } : {}) }, 'plugin call failed');
      }
      throw e;
    }
  }

  state(providerId: string): 'closed' | 'open' | 'half-open' {
    const g = this.breakers.get(providerId);
    if (!g) return 'closed';
    return g.breaker.opened ? 'open' : g.breaker.halfOpen ? 'half-open' : 'closed';
  }

  async rateUsed(providerId: string): Promise<{ used: number | null; shared: boolean }> {
    const used = await this.limiter.used(providerId, this.deps.rateWindowMs ?? 60_000).catch(() => null);
    return { used, shared: this.limiter instanceof RedisLimiter };
  }

  forget(providerId: string, oldName?: string): void {
    const g = this.breakers.get(providerId);
    if (oldName) dropProviderSeries(this.deps.metrics, oldName).catch(() => undefined);
    if (!g) return;
    this.breakers.delete(providerId);
    g.breaker.shutdown();
  }

  async close(): Promise<void> {
    for (const id of [...this.breakers.keys()]) this.forget(id);
    await this.limiter.close();
  }

  private breakerFor(call: GuardedCall): Breaker {
    const threshold = call.settings.breakerThreshold ?? GUARD_DEFAULTS.breakerThreshold;
    const resetSeconds = call.settings.breakerResetSeconds ?? GUARD_DEFAULTS.breakerResetSeconds;
    const signature = `${call.providerName}/${threshold}/${resetSeconds}`;
    const existing = this.breakers.get(call.providerId);
    if (existing?.signature === signature) return existing;
    if (existing) this.forget(call.providerId, existing.name !== call.providerName ? existing.name : undefined);
    // Plugins bound their own calls; opossum's percentage rule is disabled in favour of a count of
    // consecutive failures, which is what "5 failures in a row" means to an operator.
    const breaker = new CircuitBreaker((fn: () => Promise<unknown>) => fn(), {
      timeout: false,
      resetTimeout: resetSeconds * 1000,
      errorThresholdPercentage: 100,
      // Its rolling window can count more failures than calls (slow calls straddling buckets), which trips the
      // percentage rule at "100%" after about 10 slow failures: keep that rule from ever firing.
      volumeThreshold: Number.MAX_SAFE_INTEGER,
      // A refusal of one request (a name the far side's policy does not grant) says nothing about the provider's
      // health: counting it would let one client's names stop the provider for everyone. opossum reports a
      // filtered error as a success, which closes a half-open circuit: right, since the provider answered (and
      // opossum lets one trial call through, so a refusal left neutral there would keep the circuit shut).
      errorFilter: isRefusal,
    });
    const { providerId: id, providerName: name } = call;
    const g: Breaker = { signature, name, breaker, consecutiveFailures: 0, resetSeconds, openedAt: 0 };
    const gauge = this.deps.metrics.breakerState.labels(name);
    gauge.set(0);
    breaker.on('success', (result: unknown) => {
      // A refusal neither ends nor extends a run of failures: a far side that refuses some names while it fails
      // every other call must still open, whoever sends those names.
      if (!isRefusal(result)) g.consecutiveFailures = 0;
    });
    breaker.on('failure', () => {
      g.consecutiveFailures += 1;
      if (g.consecutiveFailures >= threshold && !breaker.opened) breaker.open();
    });
    breaker.on('open', () => {
      g.openedAt = Date.now();
      gauge.set(2);
      this.deps.log.warn({ provider: name, provider_id: id, fqdn: g.lastFqdn, resetSeconds }, 'provider circuit opened');
    });
    breaker.on('halfOpen', () => gauge.set(1));
    breaker.on('close', () => {
      g.consecutiveFailures = 0;
      gauge.set(0);
      this.deps.log.info({ provider: name, provider_id: id, fqdn: g.lastFqdn }, 'provider circuit closed');
    });
    this.breakers.set(id, g);
    return g;
  }

  /** Takes a slot of the provider's budget, waiting for one up to its bound, else refuses with 429 and Retry-After. */
  private async limit(call: GuardedCall): Promise<void> {
    const own = call.plugin.rateLimit;
    const limit = call.settings.rateLimitPerMinute ?? own?.perMinute ?? GUARD_DEFAULTS.rateLimitPerMinute;
    const waitMs = (call.settings.rateLimitWaitSeconds ?? GUARD_DEFAULTS.rateLimitWaitSeconds) * 1000;
    let retryInMs: number;
    try {
      retryInMs = await takeWithin(this.limiter, call.providerId, limit, this.deps.rateWindowMs ?? 60_000, waitMs, call.signal);
    } catch (err) {
      // A limiter that cannot answer (Redis down) must not stop issuance; the breaker still guards the far side.
      call.log.warn({ err: (err as Error).message }, 'rate limiter unavailable; call let through');
      return;
    }
    if (retryInMs === 0) return;
    this.deps.metrics.rateLimited.labels(call.providerName).inc();
    // Whole seconds, rounded up: a client that waits this long finds a slot free.
    const retryAfter = Math.ceil(retryInMs / 1000);
    throw new AppError(own?.code ?? 'PROVIDER_RATE_LIMITED', `provider ${call.providerName} is over its limit of ${limit} calls a minute`, {
      retryable: true,
      beforeCall: true,
      details: { retry_after_seconds: retryAfter },
      headers: { 'Retry-After': String(retryAfter) },
    });
  }
}

/** A failure about one request, not the provider (delivery `refused`); a loaded plugin's plain Error never is one. */
function isRefusal(err: unknown): boolean {
  return isAppError(err) && err.delivery === 'refused';
}

function translate(err: unknown, providerName: string): AppError {
  if (isAppError(err)) return err;
  const e = err as { code?: string; message?: string };
  if (e?.code === 'EOPENBREAKER') {
    return new AppError('PROVIDER_CIRCUIT_OPEN', `provider ${providerName} is failing; calls are paused`, { retryable: true, beforeCall: true });
  }
  // Unknown plugin errors keep their message out of replies (it may carry a secret); logs get the class only.
  return new AppError('PROVIDER_ERROR', `provider ${providerName} failed`, { retryable: true, cause: err });
}
