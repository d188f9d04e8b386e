// Keeps Caddy's owned TLS policies equal to what the database says: periodically, on change (debounced), with backoff on failure.
import { CaddyAdminError } from './admin-client.js';
import { canonicalJson, configHash } from './canonical.js';
import { POLICY_ID_PREFIX, type CaddyPolicy, type PolicyOwner, type SkippedProvider } from './types.js';

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
  /** One per run: 'pushed', 'unchanged' (nothing to send), 'refused' (Caddy took all but some policies) or 'failed'. */
  onRun?(outcome: RunOutcome, durationSeconds: number): void;
  onSkippedProviders?(count: number): void;
  onState?(state: CaddySyncState): void;
}

export type RunOutcome = 'pushed' | 'unchanged' | 'refused' | 'failed';

export interface CaddySyncOptions {
  client: CaddySyncClient;
  /** `owners` (by policy `@id`) names the provider of a refused policy; without it the id stands in. */
  build: () => Promise<{ policies: CaddyPolicy[]; skipped: SkippedProvider[]; owners?: Record<string, PolicyOwner> }>;
  intervalMs: number;
  log: SyncLogger;
  metrics?: CaddySyncMetrics;
  debounceMs?: number;
  /** First retry delay after a failure; doubles up to maxBackoffMs (never beyond intervalMs). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** A refused policy that has not changed is offered to Caddy again after this long (default 10 x intervalMs). */
  retryRefusedMs?: number;
}

/** A policy Caddy refused (e.g. it names a DNS module Caddy was built without); the rest were pushed without it. */
export interface RefusedPolicy {
  policyId: string;
  providerId: string;
  name: string;
  /** Caddy's error text, bounded and scrubbed of secrets by the admin client. */
  reason: string;
  refusedAt: Date;
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
  /** Policies left out because Caddy refused them; inSync is false while any are. */
  refused: RefusedPolicy[];
}

interface RunOpts { verify: boolean; retryRefused: boolean }

/** Caddy read the config and said no (400/500), as opposed to being unreachable, slow or moved underneath (412). */
function isRefusal(err: unknown): err is CaddyAdminError {
  return err instanceof CaddyAdminError && err.kind === 'rejected';
}

export class CaddySync {
  private readonly o: Required<Pick<CaddySyncOptions, 'debounceMs' | 'backoffMs' | 'maxBackoffMs' | 'retryRefusedMs'>> & CaddySyncOptions;
  private s: CaddySyncState = {
    lastSuccessAt: null, lastAttemptAt: null, consecutiveFailures: 0, lastError: null,
    lastHash: null, inSync: false, pushCount: 0, skipped: [], refused: [],
  };
  /** Hash of each refused policy as refused, so an unchanged one is not offered again on every run. */
  private refusedHash = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;
  private debounce: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  /** A run was asked for while one was in flight: run once more after it (changes must not be lost). */
  private again: RunOpts | null = null;
  private started = false;

  constructor(opts: CaddySyncOptions) {
    this.o = { debounceMs: 200, backoffMs: 1000, maxBackoffMs: 60_000, retryRefusedMs: 10 * opts.intervalMs, ...opts };
  }

  state(): CaddySyncState {
    return { ...this.s, skipped: [...this.s.skipped], refused: this.s.refused.map((r) => ({ ...r })) };
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
   * Caddy that restarted from its file and lost our API-made changes gets them again. `retryRefused`
   * offers every refused policy to Caddy again, however recently it was refused.
   */
  async syncNow(opts: { verify?: boolean; retryRefused?: boolean } = {}): Promise<CaddySyncState> {
    const run: RunOpts = { verify: opts.verify ?? true, retryRefused: opts.retryRefused ?? false };
    if (this.running) {
      this.again = {
        verify: run.verify || (this.again?.verify ?? false),
        retryRefused: run.retryRefused || (this.again?.retryRefused ?? false),
      };
      while (this.running) await this.running;
      return this.state();
    }
    this.running = this.loop(run).finally(() => { this.running = null; });
    await this.running;
    return this.state();
  }

  private async loop(first: RunOpts): Promise<void> {
    let run: RunOpts | null = first;
    while (run !== null) {
      await this.runOnce(run);
      run = this.again;
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

  private async runOnce({ verify, retryRefused }: RunOpts): Promise<void> {
    const t0 = performance.now();
    const now = new Date();
    this.s.lastAttemptAt = now;
    let outcome: RunOutcome = 'unchanged';
    try {
      const { policies, skipped, owners = {} } = await this.o.build();
      this.s.skipped = skipped;
      this.call(() => this.o.metrics?.onSkippedProviders?.(skipped.length));
      // A refused policy stays out until it changes or its retry is due: no failed Caddy load on every run.
      const previous = new Map(this.s.refused.map((r) => [r.policyId, r]));
      const heldBack = new Set(policies.filter((p) => {
        const r = previous.get(p['@id']);
        return r !== undefined && !retryRefused && this.refusedHash.get(r.policyId) === configHash(p)
          && now.getTime() - r.refusedAt.getTime() < this.o.retryRefusedMs;
      }));
      const candidates = policies.filter((p) => !heldBack.has(p));
      const owner = (id: string): PolicyOwner => owners[id] ?? { providerId: id.slice(POLICY_ID_PREFIX.length), name: id };
      const refused: RefusedPolicy[] = [...heldBack].map((p) => ({ ...previous.get(p['@id'])!, ...owner(p['@id']) }));

      const hash = configHash(candidates);
      let push = hash !== this.s.lastHash;
      // Compare with what Caddy holds when we cannot trust our memory: on our first run (Caddy may
      // already have them: no needless reload), on the periodic run, and after any failure (Caddy
      // may have restarted from its file in between).
      const firstRun = this.s.lastHash === null;
      if (firstRun || (!push && (verify || this.s.consecutiveFailures > 0))) {
        const have = await this.o.client.readOwnedPolicies();
        const same = canonicalJson(have) === canonicalJson(candidates);
        if (same) this.s.lastHash = hash;
        else if (!push) this.o.log.info({ hash }, 'caddy lost or changed our TLS policies; pushing them again');
        push = !same;
      }
      if (push) {
        const result = await this.pushIsolating(candidates);
        if (result.landed) this.s.pushCount++;
        this.s.lastHash = configHash(result.accepted);
        outcome = result.refused.length > 0 ? 'refused' : result.landed ? 'pushed' : 'unchanged';
        for (const { policy, reason } of result.refused) {
          this.refusedHash.set(policy['@id'], configHash(policy));
          refused.push({ policyId: policy['@id'], ...owner(policy['@id']), reason, refusedAt: now });
          this.o.log.warn({ provider: owner(policy['@id']).providerId, reason }, 'caddy refused one provider\'s TLS policy; the others were pushed without it');
        }
        this.o.log.info({ hash: this.s.lastHash, policies: result.accepted.length, refused: result.refused.length, skipped: skipped.length }, 'caddy TLS policies pushed');
      }
      const order = new Map(policies.map((p, i) => [p['@id'], i]));
      this.s.refused = refused.sort((a, b) => order.get(a.policyId)! - order.get(b.policyId)!);
      for (const id of this.refusedHash.keys()) if (!refused.some((r) => r.policyId === id)) this.refusedHash.delete(id);
      this.s.consecutiveFailures = 0;
      this.s.lastError = null;
      this.s.lastSuccessAt = new Date();
      this.s.inSync = refused.length === 0;
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

  /**
   * Pushes `candidates`; when Caddy refuses the set, finds the policies it refuses and pushes the rest.
   * Policies Caddy already holds unchanged are known good; the others are bisected (in order, so the
   * result is deterministic): at most 2k pushes for k new or changed policies. A refusal that no new or
   * changed policy explains is Caddy's or the rest of its config's, and fails the run as before.
   */
  private async pushIsolating(candidates: CaddyPolicy[]): Promise<{ accepted: CaddyPolicy[]; refused: { policy: CaddyPolicy; reason: string }[]; landed: boolean }> {
    const client = this.o.client;
    let first: CaddyAdminError;
    try {
      await client.replaceOwnedPolicies(candidates);
      return { accepted: candidates, refused: [], landed: true };
    } catch (err) {
      if (!isRefusal(err)) throw err;
      first = err;
    }
    const held = new Set((await client.readOwnedPolicies()).map((p) => canonicalJson(p)));
    const suspects = candidates.filter((p) => !held.has(canonicalJson(p)));
    if (suspects.length === 0) throw first;

    const accepted = new Set(candidates.filter((p) => held.has(canonicalJson(p))));
    const inOrder = (set: Set<CaddyPolicy>) => candidates.filter((p) => set.has(p));
    const refused: { policy: CaddyPolicy; reason: string }[] = [];
    let landed = false;
    const probe = async (group: CaddyPolicy[], knownRefusal?: CaddyAdminError): Promise<void> => {
      let refusal = knownRefusal;
      if (!refusal) {
        try {
          await client.replaceOwnedPolicies(inOrder(new Set([...accepted, ...group])));
          for (const p of group) accepted.add(p);
          landed = true;
          return;
        } catch (err) {
          if (!isRefusal(err)) throw err;
          refusal = err;
        }
      }
      if (group.length === 1) {
        refused.push({ policy: group[0]!, reason: refusal.caddyMessage ?? refusal.message });
        return;
      }
      const mid = Math.ceil(group.length / 2);
      await probe(group.slice(0, mid));
      await probe(group.slice(mid));
    };
    await probe(suspects, first);
    // Nothing landed yet: push the known-good rest, which also proves the refusals were the policies' own
    // (an unchanged config is a no-op for Caddy).
    if (!landed) {
      await client.replaceOwnedPolicies(inOrder(accepted));
      landed = accepted.size !== held.size || inOrder(accepted).some((p) => !held.has(canonicalJson(p)));
    }
    return { accepted: inOrder(accepted), refused, landed };
  }

  /** A broken metrics hook must not break the loop. */
  private call(fn: () => void): void {
    try { fn(); } catch { /* ignore */ }
  }
}
