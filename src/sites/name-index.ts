// The enabled sites by name, in memory: a name's site in a few map lookups, kept until a change is announced (here or on another replica).
import { asc, eq } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { sites } from '../db/schema.js';
import { normaliseName } from '../dns/names.js';

/** One SELECT's worth of enabled sites: exact names and wildcard zones (`*.zone` under `zone`), each to its provider. */
interface Snapshot {
  exact: Map<string, string>;
  wildcard: Map<string, string>;
}

/**
 * The provider of the site that covers a name most specifically, with `coverage()`'s rule (src/dns/names.ts): the
 * name itself over any wildcard, a deeper wildcard over a shallower one, a wildcard covering its zone too. Two
 * enabled sites with the same name: the older one (created first, then by id: the order `GET /api/v1/sites` lists).
 *
 * Built from one SELECT on first use and kept like the provider cache (src/providers/cache.ts): every change made
 * through this replica's site store clears it before the change's request is answered; a change made on another
 * replica reaches it through NOTIFY on the config channel (compose/parts.ts), and LISTEN's (re)connect clears it,
 * since a notice may have been missed meanwhile. `maxAgeMs` bounds what a lost notice could cost. Nothing is kept
 * until the LISTEN is up (`keep()`): until then every lookup reads the table.
 */
export class SiteIndex {
  private keeping = false;
  private current: { at: number; snapshot: Promise<Snapshot> } | null = null;

  constructor(private readonly database: Database, private readonly maxAgeMs = 30_000, private readonly now: () => number = Date.now) {}

  /** The provider id of the enabled site covering `domain` (a normalised name) most specifically, or null. */
  async providerFor(domain: string): Promise<string | null> {
    const { exact, wildcard } = await this.snapshot();
    const hit = exact.get(domain);
    if (hit !== undefined) return hit;
    // `*.zone` covers `zone` and every name ending in `.zone`: the first zone met walking up is the deepest.
    for (let zone = domain; ; ) {
      const found = wildcard.get(zone);
      if (found !== undefined) return found;
      const dot = zone.indexOf('.');
      if (dot < 0) return null;
      zone = zone.slice(dot + 1);
    }
  }

  /** Starts keeping the index, from none: the LISTEN is up (or cannot be, and `maxAgeMs` alone bounds it). */
  keep(): void {
    this.clear();
    this.keeping = true;
  }

  clear(): void {
    this.current = null;
  }

  /** The kept snapshot while fresh, else a new one, shared by concurrent callers; a failed read is not kept. */
  private snapshot(): Promise<Snapshot> {
    if (!this.keeping) return this.load();
    const kept = this.current;
    if (kept && this.now() - kept.at < this.maxAgeMs) return kept.snapshot;
    const entry = { at: this.now(), snapshot: this.load() };
    this.current = entry;
    entry.snapshot.catch(() => {
      if (this.current === entry) this.current = null;
    });
    return entry.snapshot;
  }

  private async load(): Promise<Snapshot> {
    const rows = await this.database.db
      .select({ domainNames: sites.domainNames, dnsProviderId: sites.dnsProviderId })
      .from(sites)
      .where(eq(sites.enabled, true))
      .orderBy(asc(sites.createdAt), asc(sites.id));
    const exact = new Map<string, string>();
    const wildcard = new Map<string, string>();
    // Oldest first, and a name already taken is kept: the older site wins a tie.
    const put = (map: Map<string, string>, key: string, providerId: string) => {
      if (!map.has(key)) map.set(key, providerId);
    };
    for (const row of rows) {
      for (const raw of row.domainNames) {
        const name = normaliseName(raw);
        // Every pattern is also matched as it is written, as coverage() does (a name never holds `*`, so only for parity).
        put(exact, name, row.dnsProviderId);
        if (name.startsWith('*.') && name.length > 2) put(wildcard, name.slice(2), row.dnsProviderId);
      }
    }
    return { exact, wildcard };
  }
}
