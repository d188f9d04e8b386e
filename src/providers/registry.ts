// Holds the plugin types and wraps every plugin call in one place: rate limit, circuit breaker, metrics, logs.
import Bottleneck from 'bottleneck';
import CircuitBreaker from 'opossum';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ProviderSettings } from '../db/schema.js';
import { AppError, isAppError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { AnyProviderPlugin, PluginSettings, PresentResult, RecordRequest, TestResult } from './plugin.js';

/** Settles with `work`, or rejects with the signal's reason as soon as it aborts. */
function abandonOnAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export const GUARD_DEFAULTS = { rateLimitPerMinute: 10, breakerThreshold: 5, breakerResetSeconds: 300 };

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
  limiter: Bottleneck;
  breaker: CircuitBreaker<[() => Promise<unknown>], unknown>;
  /** Serialises submissions so Bottleneck's overflow check sees an empty local queue each time. */
  submitting: Promise<unknown>;
  windowStart: number;
  consecutiveFailures: number;
  resetSeconds: number;
  openedAt: number;
}

export interface RegistryDeps {
  log: Logger;
  metrics: Metrics;
  settings: PluginSettings;
  redisUrl?: string;
}

export class ProviderRegistry {
  private readonly plugins = new Map<string, AnyProviderPlugin>();
  private readonly guards = new Map<string, Guard>();
  private readonly redis?: Bottleneck.IORedisConnection;
  private readonly shutdown = new AbortController();

  constructor(plugins: AnyProviderPlugin[], private readonly deps: RegistryDeps) {
    for (const p of plugins) this.plugins.set(p.type, p);
    if (deps.redisUrl) {
      // One connection shared by every provider's limiter; the limit then holds across replicas.
      this.redis = new Bottleneck.IORedisConnection({ Redis, clientOptions: deps.redisUrl } as never);
      this.redis.on('error', (err: Error) => deps.log.warn({ err: err.message }, 'rate limiter redis error'));
    }
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
    return this.guarded(p, 'present', true, (ctx) => plugin.present!(p.credentials, req, ctx), signal);
  }

  /** Cleanups skip the rate limit: a limit must never be the reason a record stays behind. */
  async cleanup(p: ProviderRuntime, req: RecordRequest, signal?: AbortSignal): Promise<void> {
    const plugin = this.plugin(p.type);
    if (!plugin.cleanup) return;
    await this.guarded(p, 'cleanup', false, (ctx) => plugin.cleanup!(p.credentials, req, ctx), signal);
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

  /** Drops a provider's guard (after an update or delete) so new settings take effect. */
  forget(providerId: string): void {
    const g = this.guards.get(providerId);
    if (!g) return;
    this.guards.delete(providerId);
    g.breaker.shutdown();
    // Bottleneck returns undefined, not a promise, for a limiter on a shared Redis connection.
    void Promise.resolve(g.limiter.disconnect(false)).catch(() => undefined);
  }

  async close(): Promise<void> {
    for (const id of [...this.guards.keys()]) this.forget(id);
    if (this.redis) await this.redis.disconnect(false).catch(() => undefined);
  }

  private guard(p: ProviderRuntime): Guard {
    const limit = p.settings.rateLimitPerMinute ?? GUARD_DEFAULTS.rateLimitPerMinute;
    const threshold = p.settings.breakerThreshold ?? GUARD_DEFAULTS.breakerThreshold;
    const resetSeconds = p.settings.breakerResetSeconds ?? GUARD_DEFAULTS.breakerResetSeconds;
    const signature = `${limit}/${threshold}/${resetSeconds}`;
    const existing = this.guards.get(p.id);
    if (existing?.signature === signature) return existing;
    if (existing) this.forget(p.id);

    const limiter = new Bottleneck({
      id: `dns01-proxy:${p.id}:${limit}`,
      reservoir: limit,
      reservoirRefreshAmount: limit,
      reservoirRefreshInterval: 60_000,
      // Over the limit a call is refused at once (429), never queued behind Caddy's own timeout.
      highWater: 0,
      strategy: Bottleneck.strategy.OVERFLOW,
      ...(this.redis ? { datastore: 'ioredis', connection: this.redis, clearDatastore: false, timeout: 120_000 } : {}),
    });
    limiter.on('error', (err: Error) => this.deps.log.warn({ err: err.message, provider: p.id }, 'rate limiter error'));
    // Plugins bound their own calls; opossum's percentage rule is disabled in favour of a count of
    // consecutive failures, which is what "5 failures in a row" means to an operator.
    const breaker = new CircuitBreaker((fn: () => Promise<unknown>) => fn(), {
      timeout: false,
      resetTimeout: resetSeconds * 1000,
      errorThresholdPercentage: 100,
    });
    const g: Guard = { signature, limiter, breaker, submitting: Promise.resolve(), windowStart: Date.now(), consecutiveFailures: 0, resetSeconds, openedAt: 0 };
    const gauge = this.deps.metrics.breakerState.labels(p.id);
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
      this.deps.log.warn({ provider: p.id, resetSeconds }, 'provider circuit opened');
    });
    breaker.on('halfOpen', () => gauge.set(1));
    breaker.on('close', () => {
      g.consecutiveFailures = 0;
      gauge.set(0);
      this.deps.log.info({ provider: p.id }, 'provider circuit closed');
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
  ): Promise<T> {
    const g = this.guard(p);
    const log = this.deps.log.child({ provider: p.id, provider_type: p.type, step });
    const stop = this.shutdown.signal;
    const ctx = { log, settings: this.deps.settings, signal: signal ? AbortSignal.any([signal, stop]) : stop };
    const started = performance.now();
    const observe = (outcome: string) =>
      this.deps.metrics.pluginCallSeconds.labels(p.id, p.type, step, outcome).observe((performance.now() - started) / 1000);

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
    const run = () => g.breaker.fire(() => (stop.aborted ? Promise.reject(stop.reason) : abandonOnAbort(fn(ctx), stop))) as Promise<T>;
    try {
      const result = limited ? await this.limit(p, g, run) : await run();
      observe('ok');
      return result;
    } catch (err) {
      const e = this.translate(err, p);
      observe(e.code === 'WEBHOOK_RATE_LIMITED' ? 'rate_limited' : 'error');
      if (e.code !== 'WEBHOOK_RATE_LIMITED') log.warn({ code: e.code, err: e.message }, 'plugin call failed');
      throw e;
    }
  }

  /** Runs `run` inside the provider's limiter, refusing at once with 429 when the budget is spent. */
  private async limit<T>(p: ProviderRuntime, g: Guard, run: () => Promise<T>): Promise<T> {
    let begun!: () => void;
    const started = new Promise<void>((r) => (begun = r));
    const previous = g.submitting;
    const job = previous.then(() =>
      g.limiter.schedule(() => {
        begun();
        return run();
      }),
    );
    g.submitting = Promise.race([started, job]).catch(() => undefined);
    try {
      return await job;
    } catch (err) {
      if (err instanceof Bottleneck.BottleneckError) {
        this.deps.metrics.rateLimited.labels(p.id).inc();
        const period = 60_000;
        const retryAfter = Math.max(1, Math.ceil((period - ((Date.now() - g.windowStart) % period)) / 1000));
        throw new AppError('WEBHOOK_RATE_LIMITED', `provider ${p.name} is over its limit of ${p.settings.rateLimitPerMinute ?? GUARD_DEFAULTS.rateLimitPerMinute} calls a minute`, {
          retryable: true,
          details: { retry_after_seconds: retryAfter },
          headers: { 'Retry-After': String(retryAfter) },
        });
      }
      throw err;
    }
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
