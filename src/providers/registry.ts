// Holds the plugin types and wraps every plugin call in one place: rate limit, circuit breaker, metrics, logs.
import CircuitBreaker from 'opossum';
import type { Logger } from 'pino';
import type { ProviderSettings } from '../db/schema.js';
import { AppError, isAppError } from '../errors.js';
import { dropProviderSeries, type Metrics } from '../metrics.js';
import { MemoryLimiter, RedisLimiter, takeWithin, type RateLimiter } from './limiter.js';
import type { AnyProviderPlugin, PluginSettings, PresentResult, RecordRequest, TestResult } from './plugin.js';

/** Settles with `work`, or rejects with the signal's reason as soon as it aborts. */
function abandonOnAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * A type without its own `rateLimit` gets 600 calls a minute: an operator's own DNS server or script takes that
 * without notice, and a 100-name certificate fits in one burst. A call over the budget waits up to 10 s for a
 * slot, well inside the patience of Caddy (no HTTP timeout) and lego's httpreq (30 s).
 */
export const GUARD_DEFAULTS = { rateLimitPerMinute: 600, rateLimitWaitSeconds: 10, breakerThreshold: 5, breakerResetSeconds: 300 };

/** A provider row made ready for calls: credentials decrypted and parsed by its plugin. */
export interface ProviderRuntime {
  id: string;
  name: string;
  type: string;
  credentials: unknown;
  settings: ProviderSettings;
}

type Step = 'present' | 'cleanup' | 'test';

interface Guard {
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

export interface RegistryDeps {
  log: Logger;
  metrics: Metrics;
  settings: PluginSettings;
  redisUrl?: string;
  /** The rate limit's window; 60 s unless a test shortens it. `rate_limit_per_minute` is per this window. */
  rateWindowMs?: number;
}

export class ProviderRegistry {
  private readonly plugins = new Map<string, AnyProviderPlugin>();
  private readonly guards = new Map<string, Guard>();
  private readonly limiter: RateLimiter;
  private readonly shutdown = new AbortController();

  constructor(plugins: AnyProviderPlugin[], private readonly deps: RegistryDeps) {
    for (const p of plugins) this.plugins.set(p.type, p);
    // With Redis the budget holds across replicas.
    this.limiter = deps.redisUrl ? new RedisLimiter(deps.redisUrl, deps.log) : new MemoryLimiter();
  }

  types(): AnyProviderPlugin[] {
    return [...this.plugins.values()].sort((a, b) => a.type.localeCompare(b.type));
  }

  plugin(type: string): AnyProviderPlugin {
    const p = this.plugins.get(type);
    if (!p) {
      throw new AppError('INVALID_PROVIDER_TYPE', `unknown provider type "${type.slice(0, 64)}"`, {
        details: { known_types: [...this.plugins.keys()].sort() },
      });
    }
    return p;
  }

  /** Validates credentials with the plugin's schema and save-time checks; error details name fields, never values. */
  async parseCredentials(type: string, raw: unknown): Promise<unknown> {
    const plugin = this.plugin(type);
    const parsed = plugin.credentials.safeParse(raw ?? {});
    if (!parsed.success) {
      throw new AppError('VALIDATION_ERROR', `invalid credentials for provider type ${type}`, {
        details: { fields: parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })) },
      });
    }
    await plugin.check?.(parsed.data, this.deps.settings);
    return parsed.data;
  }

  async present(p: ProviderRuntime, req: RecordRequest, signal?: AbortSignal): Promise<PresentResult> {
    const plugin = this.plugin(p.type);
    if (!plugin.present) throw new AppError('PROVIDER_NOT_AUTOMATED', `provider type ${p.type} does not create records through the daemon`);
    return this.guarded(p, 'present', true, (ctx) => plugin.present!(p.credentials, req, ctx), signal, req.fqdn);
  }

  /** Cleanups skip the rate limit: a limit must never be the reason a record stays behind. */
  async cleanup(p: ProviderRuntime, req: RecordRequest, signal?: AbortSignal): Promise<void> {
    const plugin = this.plugin(p.type);
    if (!plugin.cleanup) return;
    await this.guarded(p, 'cleanup', false, (ctx) => plugin.cleanup!(p.credentials, req, ctx), signal, req.fqdn);
  }

  async test(p: ProviderRuntime, signal?: AbortSignal): Promise<TestResult> {
    const plugin = this.plugin(p.type);
    if (!plugin.test) return { ok: true, message: `provider type ${p.type} has nothing to test from here` };
    return this.guarded(p, 'test', true, (ctx) => plugin.test!(p.credentials, ctx), signal);
  }

  /** Aborted by abortCalls(): the shutdown signal every plugin call gets. */
  get stopping(): AbortSignal {
    return this.shutdown.signal;
  }

  /** For the end of the drain: calls still running are aborted and refused from now on. */
  abortCalls(): void {
    this.shutdown.abort(new AppError('SERVICE_UNAVAILABLE', 'the daemon is shutting down'));
  }

  breakerState(providerId: string): 'closed' | 'open' | 'half-open' {
    const g = this.guards.get(providerId);
    if (!g) return 'closed';
    return g.breaker.opened ? 'open' : g.breaker.halfOpen ? 'half-open' : 'closed';
  }

  /**
   * Drops a provider's guard (after an update or delete) so new settings take effect. `oldName`, when the
   * provider was renamed or deleted, also drops the metric series labelled with it.
   */
  forget(providerId: string, oldName?: string): void {
    const g = this.guards.get(providerId);
    if (oldName) dropProviderSeries(this.deps.metrics, oldName).catch(() => undefined);
    if (!g) return;
    this.guards.delete(providerId);
    g.breaker.shutdown();
  }

  async close(): Promise<void> {
    for (const id of [...this.guards.keys()]) this.forget(id);
    await this.limiter.close();
  }

  private guard(p: ProviderRuntime): Guard {
    const threshold = p.settings.breakerThreshold ?? GUARD_DEFAULTS.breakerThreshold;
    const resetSeconds = p.settings.breakerResetSeconds ?? GUARD_DEFAULTS.breakerResetSeconds;
    const signature = `${p.name}/${threshold}/${resetSeconds}`;
    const existing = this.guards.get(p.id);
    if (existing?.signature === signature) return existing;
    if (existing) this.forget(p.id, existing.name !== p.name ? existing.name : undefined);
    // Plugins bound their own calls; opossum's percentage rule is disabled in favour of a count of
    // consecutive failures, which is what "5 failures in a row" means to an operator.
    const breaker = new CircuitBreaker((fn: () => Promise<unknown>) => fn(), {
      timeout: false,
      resetTimeout: resetSeconds * 1000,
      errorThresholdPercentage: 100,
      // Its rolling window can count more failures than calls (slow calls straddling buckets), which trips the
      // percentage rule at "100%" after about 10 slow failures: keep that rule from ever firing.
      volumeThreshold: Number.MAX_SAFE_INTEGER,
    });
    const g: Guard = { signature, name: p.name, breaker, consecutiveFailures: 0, resetSeconds, openedAt: 0 };
    const gauge = this.deps.metrics.breakerState.labels(p.name);
    gauge.set(0);
    breaker.on('success', () => {
      g.consecutiveFailures = 0;
    });
    breaker.on('failure', () => {
      g.consecutiveFailures += 1;
      if (g.consecutiveFailures >= threshold && !breaker.opened) breaker.open();
    });
    breaker.on('open', () => {
      g.openedAt = Date.now();
      gauge.set(2);
      this.deps.log.warn({ provider: p.name, provider_id: p.id, fqdn: g.lastFqdn, resetSeconds }, 'provider circuit opened');
    });
    breaker.on('halfOpen', () => gauge.set(1));
    breaker.on('close', () => {
      g.consecutiveFailures = 0;
      gauge.set(0);
      this.deps.log.info({ provider: p.name, provider_id: p.id, fqdn: g.lastFqdn }, 'provider circuit closed');
    });
    this.guards.set(p.id, g);
    return g;
  }

  private async guarded<T>(
    p: ProviderRuntime,
    step: Step,
    limited: boolean,
    fn: (ctx: { log: Logger; settings: PluginSettings; signal?: AbortSignal }) => Promise<T>,
    signal?: AbortSignal,
    fqdn?: string,
  ): Promise<T> {
    const g = this.guard(p);
    // Every line a plugin logs names the provider and the name it works on.
    const log = this.deps.log.child({ provider: p.name, provider_id: p.id, provider_type: p.type, step, ...(fqdn ? { fqdn } : {}) });
    const stop = this.shutdown.signal;
    const ctx = { log, settings: this.deps.settings, signal: signal ? AbortSignal.any([signal, stop]) : stop };
    const started = performance.now();
    const observe = (outcome: string) =>
      this.deps.metrics.pluginCallSeconds.labels(p.name, p.type, step, outcome).observe((performance.now() - started) / 1000);

    if (g.breaker.opened) {
      observe('circuit_open');
      const wait = Math.max(1, Math.ceil((g.openedAt + g.resetSeconds * 1000 - Date.now()) / 1000));
      throw new AppError('PROVIDER_CIRCUIT_OPEN', `provider ${p.name} failed repeatedly; calls are paused for ${wait} s more`, {
        retryable: true,
        details: { retry_after_seconds: wait },
        headers: { 'Retry-After': String(wait) },
      });
    }
    // A plugin that ignores its signal is abandoned, not awaited: shutdown must not wait on the far side.
    try {
      if (limited) await this.limit(p, log, ctx.signal);
      g.lastFqdn = fqdn;
      const result = (await g.breaker.fire(() => (stop.aborted ? Promise.reject(stop.reason) : abandonOnAbort(fn(ctx), stop)))) as T;
      observe('ok');
      return result;
    } catch (err) {
      const e = this.translate(err, p);
      const refused = e.code === 'WEBHOOK_RATE_LIMITED' || e.code === 'PROVIDER_RATE_LIMITED';
      observe(refused ? 'rate_limited' : 'error');
      // The caller logs the outcome of the operation once; this line keeps the plugin-level detail.
      if (!refused) log.debug({ code: e.code, err: e.message, ...(e.logDetail ? { detail: e.logDetail } : {}) }, 'plugin call failed');
      throw e;
    }
  }

  /** Takes a slot of the provider's budget, waiting for one up to its bound, else refuses with 429 and Retry-After. */
  private async limit(p: ProviderRuntime, log: Logger, signal?: AbortSignal): Promise<void> {
    const plugin = this.plugin(p.type);
    const limit = p.settings.rateLimitPerMinute ?? plugin.rateLimit?.perMinute ?? GUARD_DEFAULTS.rateLimitPerMinute;
    const waitMs = (p.settings.rateLimitWaitSeconds ?? GUARD_DEFAULTS.rateLimitWaitSeconds) * 1000;
    let retryInMs: number;
    try {
      retryInMs = await takeWithin(this.limiter, p.id, limit, this.deps.rateWindowMs ?? 60_000, waitMs, signal);
    } catch (err) {
      // A limiter that cannot answer (Redis down) must not stop issuance; the breaker still guards the far side.
      log.warn({ err: (err as Error).message }, 'rate limiter unavailable; call let through');
      return;
    }
    if (retryInMs === 0) return;
    this.deps.metrics.rateLimited.labels(p.name).inc();
    // Whole seconds, rounded up: a client that waits this long finds a slot free.
    const retryAfter = Math.ceil(retryInMs / 1000);
    throw new AppError(plugin.rateLimit?.code ?? 'PROVIDER_RATE_LIMITED', `provider ${p.name} is over its limit of ${limit} calls a minute`, {
      retryable: true,
      details: { retry_after_seconds: retryAfter },
      headers: { 'Retry-After': String(retryAfter) },
    });
  }

  private translate(err: unknown, p: ProviderRuntime): AppError {
    if (isAppError(err)) return err;
    const e = err as { code?: string; message?: string };
    if (e?.code === 'EOPENBREAKER') {
      return new AppError('PROVIDER_CIRCUIT_OPEN', `provider ${p.name} is failing; calls are paused`, { retryable: true });
    }
    // Unknown plugin errors keep their message out of replies (it may carry a secret); logs get the class only.
    return new AppError('PROVIDER_ERROR', `provider ${p.name} failed`, { retryable: true, cause: err });
  }
}
