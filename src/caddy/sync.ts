// Keeps Caddy's owned TLS policies equal to what the database says: periodically, on change (debounced), with backoff on failure.
import { canonicalJson, configHash } from './canonical.js';
import type { CaddyPolicy, SkippedProvider } from './types.js';

/** What the sync needs from the admin client (CaddyAdminClient fits; tests may wrap it to count calls). */
export interface CaddySyncClient {
  readOwnedPolicies(): Promise<unknown[]>;
  replaceOwnedPolicies(policies: CaddyPolicy[]): Promise<void>;
}

export interface SyncLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Optional hooks; the composition root points them at prom-client metrics. All are fire-and-forget. */
export interface CaddySyncMetrics {
  /** One per run: 'pushed', 'unchanged' (nothing to send) or 'failed'. */
  onRun?(outcome: 'pushed' | 'unchanged' | 'failed', durationSeconds: number): void;
  onSkippedProviders?(count: number): void;
  onState?(state: CaddySyncState): void;
}

export interface CaddySyncOptions {
  client: CaddySyncClient;
  build: () => Promise<{ policies: CaddyPolicy[]; skipped: SkippedProvider[] }>;
  intervalMs: number;
  log: SyncLogger;
  metrics?: CaddySyncMetrics;
  debounceMs?: number;
  /** First retry delay after a failure; doubles up to maxBackoffMs (never beyond intervalMs). */
  backoffMs?: number;
  maxBackoffMs?: number;
}

export interface CaddySyncState {
  lastSuccessAt: Date | null;
  lastAttemptAt: Date | null;
  consecutiveFailures: number;
  /** Caddy's error text (or why Caddy could not be reached), never a secret. */
  lastError: string | null;
  /** Hash of the policies Caddy last accepted from us. */
  lastHash: string | null;
  /** True when the last run ended with Caddy holding exactly our policies. */
  inSync: boolean;
  pushCount: number;
  skipped: SkippedProvider[];
}

export class CaddySync {
  private readonly o: Required<Pick<CaddySyncOptions, 'debounceMs' | 'backoffMs' | 'maxBackoffMs'>> & CaddySyncOptions;
  private s: CaddySyncState = {
    lastSuccessAt: null, lastAttemptAt: null, consecutiveFailures: 0, lastError: null,
    lastHash: null, inSync: false, pushCount: 0, skipped: [],
  };
  private timer: NodeJS.Timeout | null = null;
  private debounce: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  /** A run was asked for while one was in flight: run once more after it (changes must not be lost). */
  private again: { verify: boolean } | null = null;
  private started = false;

  constructor(opts: CaddySyncOptions) {
    this.o = { debounceMs: 200, backoffMs: 1000, maxBackoffMs: 60_000, ...opts };
  }

  state(): CaddySyncState {
    return { ...this.s, skipped: [...this.s.skipped] };
  }

  /** First run at once (verifying against Caddy), then every intervalMs. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.started = false;
    if (this.timer) clearTimeout(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
    this.timer = this.debounce = null;
    this.again = null;
    await this.running?.catch(() => undefined);
  }

  /** Something changed in the database: sync soon, coalescing bursts of changes. */
  trigger(): void {
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = null;
      void this.syncNow({ verify: false });
    }, this.o.debounceMs);
    this.debounce.unref();
  }

  /**
   * One run now (or right after the one in flight). `verify` also reads Caddy's owned policies, so a
   * Caddy that restarted from its file and lost our API-made changes gets them again.
   */
  async syncNow(opts: { verify?: boolean } = {}): Promise<CaddySyncState> {
    const verify = opts.verify ?? true;
    if (this.running) {
      this.again = { verify: verify || (this.again?.verify ?? false) };
      while (this.running) await this.running;
      return this.state();
    }
    this.running = this.loop(verify).finally(() => { this.running = null; });
    await this.running;
    return this.state();
  }

  private async loop(verify: boolean): Promise<void> {
    let v: boolean | null = verify;
    while (v !== null) {
      await this.runOnce(v);
      v = this.again?.verify ?? null;
      this.again = null;
    }
    if (this.started) this.schedule(this.nextDelay());
  }

  private nextDelay(): number {
    const n = this.s.consecutiveFailures;
    if (n === 0) return this.o.intervalMs;
    const cap = Math.min(this.o.maxBackoffMs, this.o.intervalMs);
    return Math.min(cap, this.o.backoffMs * 2 ** Math.min(n - 1, 20));
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.syncNow({ verify: true });
    }, delayMs);
    this.timer.unref();
  }

  private async runOnce(verify: boolean): Promise<void> {
    const t0 = performance.now();
    this.s.lastAttemptAt = new Date();
    let outcome: 'pushed' | 'unchanged' | 'failed' = 'unchanged';
    try {
      const { policies, skipped } = await this.o.build();
      this.s.skipped = skipped;
      this.call(() => this.o.metrics?.onSkippedProviders?.(skipped.length));
      const hash = configHash(policies);
      let push = hash !== this.s.lastHash;
      // Compare with what Caddy holds when we cannot trust our memory: on our first run (Caddy may
      // already have them: no needless reload), on the periodic run, and after any failure (Caddy
      // may have restarted from its file in between).
      const firstRun = this.s.lastHash === null;
      if (firstRun || (!push && (verify || this.s.consecutiveFailures > 0))) {
        const have = await this.o.client.readOwnedPolicies();
        const same = canonicalJson(have) === canonicalJson(policies);
        if (same) this.s.lastHash = hash;
        else if (!push) this.o.log.info({ hash }, 'caddy lost or changed our TLS policies; pushing them again');
        push = !same;
      }
      if (push) {
        await this.o.client.replaceOwnedPolicies(policies);
        this.s.pushCount++;
        this.s.lastHash = hash;
        outcome = 'pushed';
        this.o.log.info({ hash, policies: policies.length, skipped: skipped.length }, 'caddy TLS policies pushed');
      }
      this.s.consecutiveFailures = 0;
      this.s.lastError = null;
      this.s.lastSuccessAt = new Date();
      this.s.inSync = true;
    } catch (err) {
      outcome = 'failed';
      this.s.consecutiveFailures++;
      this.s.inSync = false;
      // Admin-client errors are already bounded and scrubbed; anything else is cut short too.
      this.s.lastError = (err instanceof Error ? err.message : String(err)).slice(0, 1200);
      this.o.log.warn(
        { err: this.s.lastError, consecutiveFailures: this.s.consecutiveFailures },
        'caddy sync failed; Caddy keeps its last good config',
      );
    }
    this.call(() => this.o.metrics?.onRun?.(outcome, (performance.now() - t0) / 1000));
    this.call(() => this.o.metrics?.onState?.(this.state()));
  }

  /** A broken metrics hook must not break the loop. */
  private call(fn: () => void): void {
    try { fn(); } catch { /* ignore */ }
  }
}
