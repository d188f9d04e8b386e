// Finds the zone of a challenge name by SOA walk through the daemon's resolvers, cached for the SOA's TTL.
import { DnsLookupError, findZone, query, type LookupOptions } from './lookup.js';
import { normaliseName } from './names.js';
import { formatServer, type DnsServer } from './transport.js';

export interface ZoneFinderOptions {
  /** Asked in order; the next is tried when one fails (times out, SERVFAILs, or finds no zone). */
  resolvers: DnsServer[];
  /** Appended to a "no zone found": where the resolvers came from and the setting that changes them. */
  advice?: string;
  /** Bound on one whole find, every resolver included (default 5 s). */
  timeoutMs?: number;
  /** Upper bound on how long a found zone is trusted, whatever its SOA's TTL (default 1 h). */
  maxTtlS?: number;
  /** How long a failed find is remembered, so a burst for one name does not wait out a dead resolver each time (default 10 s). */
  failureTtlS?: number;
  /** Names remembered at most; the oldest go first (default 10 000). */
  maxEntries?: number;
  /** Clock in ms; tests move it to pass a TTL without waiting. */
  now?: () => number;
}

/** What ChallengeService needs: the zone of a name, or a throw when none can be found. */
export interface ZoneLookup {
  find(name: string): Promise<string>;
}

/**
 * One query's patience: a lost UDP answer costs this, then the query is sent again (a resolver still recursing
 * answers the second copy from the work it did for the first). Four tries, as one whole find is bounded anyway.
 */
const QUERY = { timeoutMs: 300, retries: 3 };

type Entry = { zone: string; expiresAt: number } | { error: Error; expiresAt: number };

export class ZoneFinder implements ZoneLookup {
  /** Keyed by the asked name: another name in the same zone may sit below a delegation, so it gets its own walk. */
  private readonly cache = new Map<string, Entry>();
  /** Names a resolver said do not exist (until when), so no name below them does (RFC 8020): a new name there needs no walk. */
  private readonly missing = new Map<string, number>();
  /** Each found zone's SOA TTL: asked once per zone, not once per name. */
  private readonly soaTtls = new Map<string, { expiresAt: number }>();
  /** Wildcard and apex ask for the same name at once: one walk answers both. */
  private readonly inFlight = new Map<string, Promise<string>>();
  private readonly now: () => number;

  constructor(private readonly opts: ZoneFinderOptions) {
    this.now = opts.now ?? Date.now;
  }

  async find(name: string): Promise<string> {
    const key = normaliseName(name);
    const hit = this.cache.get(key);
    if (hit && hit.expiresAt > this.now()) {
      if ('error' in hit) throw hit.error;
      return hit.zone;
    }
    const gone = this.missingAbove(key);
    if (gone) throw new DnsLookupError(`no zone found for ${key} (a resolver answered that ${gone} does not exist)`);
    const running = this.inFlight.get(key);
    if (running) return running;
    const walk = this.walk(key).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, walk);
    return walk;
  }

  /** The name at or above `name` a resolver recently said does not exist. */
  private missingAbove(name: string): string | undefined {
    for (let at = name; at; at = at.slice(at.indexOf('.') + 1 || at.length)) {
      if ((this.missing.get(at) ?? 0) > this.now()) return at;
    }
    return undefined;
  }

  private async walk(name: string): Promise<string> {
    const signal = AbortSignal.timeout(this.opts.timeoutMs ?? 5000);
    const failures: string[] = [];
    let nxdomain: string | undefined;
    for (const resolver of this.opts.resolvers) {
      if (signal.aborted) break;
      try {
        const opts = { signal, ...QUERY };
        const zone = await findZone(name, resolver, opts);
        const ttl = await this.soaTtl(zone, resolver, opts);
        this.remember(this.cache, name, { zone, expiresAt: this.now() + Math.min(ttl, this.opts.maxTtlS ?? 3600) * 1000 });
        return zone;
      } catch (err) {
        if (err instanceof DnsLookupError && err.nxdomain) nxdomain = err.nxdomain;
        failures.push(`${formatServer(resolver)}: ${(err as Error).message}`);
      }
    }
    if (signal.aborted) failures.push(`gave up after ${this.opts.timeoutMs ?? 5000} ms`);
    const advice = this.opts.advice ? `; ${this.opts.advice}` : '';
    const error = new DnsLookupError(`no zone found for ${name} (${failures.join('; ') || 'no resolvers configured'})${advice}`);
    const failed = { error, expiresAt: this.now() + (this.opts.failureTtlS ?? 10) * 1000 };
    this.remember(this.cache, name, failed);
    if (nxdomain) this.remember(this.missing, nxdomain, failed.expiresAt);
    throw error;
  }

  /**
   * The TTL of the zone's own SOA record, asked for directly: the SOA that ended the walk often came from a denial,
   * whose TTL is the negative-caching one, and BIND sets that to 0 for SOA queries (its `zero-no-soa-ttl`).
   */
  private async soaTtl(zone: string, resolver: DnsServer, opts: LookupOptions): Promise<number> {
    const known = this.soaTtls.get(zone);
    if (known && known.expiresAt > this.now()) return Math.max(0, Math.floor((known.expiresAt - this.now()) / 1000));
    const { packet } = await query(zone, 'SOA', resolver, opts);
    const soa = (packet.answers ?? []).find((a) => a.type === 'SOA' && normaliseName(a.name) === zone);
    const ttlS = soa && 'ttl' in soa ? (soa.ttl ?? 0) : 0;
    this.remember(this.soaTtls, zone, { expiresAt: this.now() + Math.min(ttlS, this.opts.maxTtlS ?? 3600) * 1000 });
    return ttlS;
  }

  private remember<V>(map: Map<string, V>, name: string, entry: V): void {
    map.delete(name); // re-inserted last, so the Map's order stays oldest-first
    map.set(name, entry);
    if (map.size > (this.opts.maxEntries ?? 10_000)) map.delete(map.keys().next().value!);
  }
}
