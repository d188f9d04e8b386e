// Readiness of the keys: whether every enabled provider's and zone credential's key version is configured on this replica.
import { setTimeout as sleep } from 'node:timers/promises';
import { and, eq, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Database } from '../db/client.js';
import { dnsProviderCredentials, dnsProviders } from '../db/schema.js';
import type { Keyring } from './keyring.js';

/** A key version enabled rows are sealed under that no configured key has: what /ready names. */
export interface MissingKey {
  /** The key's fingerprint (`k` + 12 hex digits of its SHA-256), as the encryption status API and docs/operations.md compute it. */
  key_version: string;
  providers: number;
  credentials: number;
}

// A type, not an interface: /ready's checks are string-indexed records.
export type KeysCheck = {
  ok: boolean;
  error?: string;
  missing?: MissingKey[];
};

/**
 * Counted once at start (from the rotation's counts, see countedFrom) and again on every change that can move a key version (provider and credential writes here,
 * their NOTIFY from other replicas, each batch of a key rotation anywhere), so /ready reads memory instead of scanning
 * tables. `maxAgeMs` bounds what a lost notice could cost: an older count is counted again.
 * A row that does not decrypt under a configured key is not counted: that is its provider's error, not this replica's.
 */
export class KeyCoverage {
  private missing: MissingKey[] = [];
  private checkedAt: number | null = null;
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly database: Database,
    private readonly keyring: Keyring,
    private readonly log: Logger,
    private readonly maxAgeMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts again; a call while a count runs makes one more after it, since the running one may have read before the change. */
  refresh(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const run = (async () => {
      do {
        this.again = false;
        try {
          this.missing = await this.count();
          this.checkedAt = this.now();
        } catch (err) {
          // The database check of /ready reports the outage; the last count stands until one succeeds.
          this.log.debug({ err: (err as Error).message }, 'key coverage not counted');
        }
      } while (this.again);
    })().finally(() => (this.running = null));
    this.running = run;
    return run;
  }

  /**
   * Start-up's one read: the rotation's count of every encrypted row by key version. When none is under a missing
   * key, no enabled one is either; only when some are does this count which of them are enabled.
   */
  async countedFrom(all: { unreadable: number }): Promise<void> {
    if (all.unreadable > 0) return this.refresh();
    // A count already under way (the loaded plugins changed) reads the same rows.
    if (this.running) return this.running;
    this.missing = [];
    this.checkedAt = this.now();
  }

  /** From memory; a count under way (a change just made here, a notice, an old count) is waited for, at most 2 s. */
  async readiness(): Promise<KeysCheck> {
    if (this.checkedAt === null || this.now() - this.checkedAt > this.maxAgeMs) void this.refresh();
    if (this.running) await Promise.race([this.running, sleep(2000, undefined, { ref: false })]);
    if (this.checkedAt === null) return { ok: false, error: 'not counted yet' };
    if (this.missing.length === 0) return { ok: true };
    return {
      ok: false,
      error: 'enabled providers or zone credentials are sealed under a key that is not configured: set it as DNS01_ENCRYPTION_KEY_V1…_V10 (or disable them)',
      missing: this.missing,
    };
  }

  private async count(): Promise<MissingKey[]> {
    const db = this.database.db;
    const n = sql<number>`count(*)::int`;
    const [providers, credentials] = [
      await db.select({ version: dnsProviders.keyVersion, n }).from(dnsProviders).where(eq(dnsProviders.enabled, true)).groupBy(dnsProviders.keyVersion),
      await db.select({ version: dnsProviderCredentials.keyVersion, n }).from(dnsProviderCredentials)
        .innerJoin(dnsProviders, eq(dnsProviders.id, dnsProviderCredentials.providerId))
        .where(and(eq(dnsProviderCredentials.enabled, true), eq(dnsProviders.enabled, true)))
        .groupBy(dnsProviderCredentials.keyVersion),
    ];
    const missing = new Map<string, MissingKey>();
    const add = (version: string, kind: 'providers' | 'credentials', rows: number) => {
      if (this.keyring.has(version)) return;
      const m = missing.get(version) ?? { key_version: version, providers: 0, credentials: 0 };
      m[kind] += rows;
      missing.set(version, m);
    };
    for (const r of providers) add(r.version, 'providers', r.n);
    for (const r of credentials) add(r.version, 'credentials', r.n);
    return [...missing.values()].sort((a, b) => a.key_version.localeCompare(b.key_version));
  }
}
