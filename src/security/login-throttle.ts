// Failed logins counted per source address and per account: past the limit in a sliding window, a lock-out that
// doubles each time it recurs. The guess is refused before its credential is looked at (or hashed).
import { isIP } from 'node:net';

export interface LoginLimits {
  /** Failures (plus attempts still being checked) one source may have in a window; the next attempt is refused. */
  perSource: number;
  /** Failures from all sources against one account in a window; past it, only sources without a failure may try. */
  perAccount: number;
  windowMs: number;
  /** Sources (and, separately, accounts) tracked at most; the least recently active go first. Default 10,000. */
  maxTracked?: number;
  /** The clock (tests move it instead of waiting). */
  now?: () => number;
}

export type LockScope = 'source' | 'account';

/** A lock-out that began with a failure: who, and for how long. */
export interface Lockout {
  scope: LockScope;
  ms: number;
}

/** One credential check in progress; settle it once (later calls do nothing). */
export interface Attempt {
  /** The credential was wrong: counted against the source and the account; a lock-out it started, or null. */
  failed(): Lockout[];
  /** The credential was right: the source's earlier failures are forgiven. */
  passed(): void;
  /** Neither (the check itself broke): only frees the source's slot. */
  release(): void;
}

export type Verdict = { ok: true; attempt: Attempt } | { ok: false; scope: LockScope; retryAfterMs: number };

/** Lock-outs double from one window up to this many windows (1, 2, 4, 8, 16 minutes with the default window). */
const MAX_BLOCK_WINDOWS = 16;

interface Entry {
  /** Times of the failures still inside the window, oldest first; at most the limit. */
  failures: number[];
  inFlight: number;
  blockedUntil: number;
  /** Lock-outs so far; the next lasts windowMs × 2^strikes. Forgotten after a quiet MAX_BLOCK_WINDOWS windows. */
  strikes: number;
  lastFailure: number;
}

/** One map of keys to entries, bounded: when full, idle entries go first, then the least recently active. */
class Tracker {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly limit: number, private readonly windowMs: number, private readonly maxTracked: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** The entry with failures outside the window dropped, or undefined. */
  peek(key: string, now: number): Entry | undefined {
    const e = this.entries.get(key);
    if (e) while (e.failures.length > 0 && e.failures[0]! <= now - this.windowMs) e.failures.shift();
    return e;
  }

  /** The entry, created if new, moved to the most recently active end. */
  touch(key: string, now: number): Entry {
    let e = this.peek(key, now);
    if (e) this.entries.delete(key);
    else {
      if (this.entries.size >= this.maxTracked) this.makeRoom(now);
      e = { failures: [], inFlight: 0, blockedUntil: 0, strikes: 0, lastFailure: 0 };
    }
    this.entries.set(key, e);
    return e;
  }

  blockedFor(e: Entry, now: number): number {
    return Math.max(0, e.blockedUntil - now);
  }

  /** Counts a failure; returns the lock-out it starts (ms), or 0. */
  fail(key: string, now: number): number {
    const e = this.touch(key, now);
    if (now - e.lastFailure > this.windowMs * MAX_BLOCK_WINDOWS) e.strikes = 0;
    e.lastFailure = now;
    e.failures.push(now);
    if (e.failures.length > this.limit) e.failures.shift();
    if (e.failures.length < this.limit || e.blockedUntil > now) return 0;
    const ms = this.windowMs * Math.min(2 ** e.strikes, MAX_BLOCK_WINDOWS);
    e.blockedUntil = now + ms;
    e.strikes++;
    e.failures = [];
    return ms;
  }

  /** Drops an entry that holds nothing worth remembering. */
  forgetIfIdle(key: string, now: number): void {
    const e = this.entries.get(key);
    if (e && this.idle(e, now)) this.entries.delete(key);
  }

  private idle(e: Entry, now: number): boolean {
    return e.inFlight === 0 && e.blockedUntil <= now && (e.strikes === 0 ? e.failures.length === 0 : now - e.lastFailure > this.windowMs * MAX_BLOCK_WINDOWS);
  }

  /** Frees at least a tenth of the map, so a flood of new keys costs one sweep per thousand of them, not one each. */
  private makeRoom(now: number): void {
    for (const [key, e] of this.entries) {
      while (e.failures.length > 0 && e.failures[0]! <= now - this.windowMs) e.failures.shift();
      if (this.idle(e, now)) this.entries.delete(key);
    }
    const target = Math.floor(this.maxTracked * 0.9);
    for (const [key, e] of this.entries) {
      if (this.entries.size <= target) break;
      if (e.inFlight === 0) this.entries.delete(key);
    }
  }
}

/**
 * An IPv6 client usually holds a whole /64, so that is what one source is; an IPv4 source is its address.
 * An empty or odd address is one shared source, which is stricter, never looser.
 */
export function sourceKey(address: string): string {
  if (isIP(address) !== 6) return address;
  const groups = address.split('::');
  const head = groups[0] ? groups[0].split(':') : [];
  const tail = groups.length > 1 && groups[1] ? groups[1].split(':') : [];
  const full = groups.length > 1 ? [...head, ...Array(8 - head.length - tail.length).fill('0'), ...tail] : head;
  return `${full.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/**
 * Failures are what is limited, never successes, so a flood of right credentials is not slowed, and a refused attempt
 * is refused before its credential is checked (a right one too: otherwise a locked-out guesser would still learn when
 * it guessed right). Attempts still being checked count against their source, so concurrent guesses cannot overtake
 * the count. Per account, the limit is looser and narrower: when an account is over it, sources that have not failed
 * may still try, so a guesser spread over many addresses cannot lock the owner out; each of them gets one try.
 */
export class LoginThrottle {
  private readonly sources: Tracker;
  private readonly accounts: Tracker;
  private readonly now: () => number;

  constructor(private readonly limits: LoginLimits) {
    const max = limits.maxTracked ?? 10_000;
    this.sources = new Tracker(limits.perSource, limits.windowMs, max);
    this.accounts = new Tracker(limits.perAccount, limits.windowMs, max);
    this.now = limits.now ?? Date.now;
  }

  /** Sources and accounts now tracked (what bounds the memory). */
  get tracked(): { sources: number; accounts: number } {
    return { sources: this.sources.size, accounts: this.accounts.size };
  }

  /** Whether a credential from `address` for `account` (if the door names one) may be checked now. */
  begin(address: string, account?: string): Verdict {
    const now = this.now();
    const key = sourceKey(address);
    const s = this.sources.peek(key, now);
    const blocked = s ? this.sources.blockedFor(s, now) : 0;
    if (blocked > 0) return { ok: false, scope: 'source', retryAfterMs: blocked };
    const weight = s ? s.failures.length + s.inFlight : 0;
    // Not locked out, only busy: as many checks in flight as failures left. One is finished in milliseconds.
    if (weight >= this.limits.perSource) return { ok: false, scope: 'source', retryAfterMs: 1000 };
    const a = account === undefined ? undefined : this.accounts.peek(account, now);
    const accountBlocked = a ? this.accounts.blockedFor(a, now) : 0;
    if (accountBlocked > 0 && weight > 0) return { ok: false, scope: 'account', retryAfterMs: accountBlocked };

    const entry = this.sources.touch(key, now);
    entry.inFlight++;
    let settled = false;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      entry.inFlight--;
      return true;
    };
    return {
      ok: true,
      attempt: {
        failed: () => {
          if (!settle()) return [];
          const at = this.now();
          const out: Lockout[] = [];
          const bySource = this.sources.fail(key, at);
          if (bySource > 0) out.push({ scope: 'source', ms: bySource });
          const byAccount = account === undefined ? 0 : this.accounts.fail(account, at);
          if (byAccount > 0) out.push({ scope: 'account', ms: byAccount });
          return out;
        },
        passed: () => {
          if (!settle()) return;
          entry.failures = [];
          this.sources.forgetIfIdle(key, this.now());
        },
        release: () => {
          if (settle()) this.sources.forgetIfIdle(key, this.now());
        },
      },
    };
  }
}
