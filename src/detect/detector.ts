// Provider auto-detection: a domain's zone (SOA walk), its NS records, the matching built-in type, and a configured provider of that type.
import { nsNames } from '../dns/lookup.js';
import type { ZoneLookup } from '../dns/zone-finder.js';
import { formatServer, type DnsServer } from '../dns/transport.js';
import type { DnsProviderRow } from '../db/schema.js';
import { AppError } from '../errors.js';
import { matchNameservers, type Confidence } from './patterns.js';

export interface Detection {
  domain: string;
  zone: string;
  nameservers: string[];
  detected: boolean;
  providerType: string | null;
  confidence: Confidence;
}

export interface DetectorOptions {
  zones: ZoneLookup;
  resolvers: DnsServer[];
  /** Enabled and otherwise, in any order; the suggestion is picked from these. */
  providers: () => Promise<DnsProviderRow[]>;
  /** How long a detection is reused (default 1 h). The suggestion is always chosen afresh. */
  ttlMs?: number;
  /** Domains remembered at most; the oldest go first (default 1 000). */
  maxEntries?: number;
  now?: () => number;
}

export class Detector {
  private readonly cache = new Map<string, { detection: Detection; expiresAt: number }>();
  private readonly now: () => number;

  constructor(private readonly opts: DetectorOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** `domain` already validated and lower-cased. */
  async detect(domain: string): Promise<{ detection: Detection; suggested: DnsProviderRow | null }> {
    const detection = await this.lookup(domain);
    const candidates = detection.providerType
      ? (await this.opts.providers()).filter((p) => p.enabled && p.providerType === detection.providerType)
      : [];
    // The default provider first, then the oldest: the one an operator most likely meant.
    candidates.sort((a, b) => Number(b.isDefault) - Number(a.isDefault) || a.createdAt.getTime() - b.createdAt.getTime());
    return { detection, suggested: candidates[0] ?? null };
  }

  private async lookup(domain: string): Promise<Detection> {
    const hit = this.cache.get(domain);
    if (hit && hit.expiresAt > this.now()) return hit.detection;
    let zone: string;
    try {
      zone = await this.opts.zones.find(domain);
    } catch (err) {
      throw new AppError('DNS_ZONE_NOT_FOUND', (err as Error).message);
    }
    const nameservers = (await this.nameservers(zone)).sort();
    const { providerType, confidence } = matchNameservers(nameservers);
    const detection: Detection = { domain, zone, nameservers, detected: providerType !== null, providerType, confidence };
    this.cache.delete(domain);
    this.cache.set(domain, { detection, expiresAt: this.now() + (this.opts.ttlMs ?? 3_600_000) });
    if (this.cache.size > (this.opts.maxEntries ?? 1000)) this.cache.delete(this.cache.keys().next().value!);
    return detection;
  }

  /** The zone's NS set from the first resolver that answers; every resolver failing is a 502. */
  private async nameservers(zone: string): Promise<string[]> {
    const signal = AbortSignal.timeout(5000);
    const failures: string[] = [];
    for (const resolver of this.opts.resolvers) {
      if (signal.aborted) break;
      try {
        const names = await nsNames(zone, resolver, { signal, timeoutMs: 1000, retries: 1 });
        if (names.length > 0) return names;
        failures.push(`${formatServer(resolver)}: no NS records`);
      } catch (err) {
        failures.push(`${formatServer(resolver)}: ${(err as Error).message}`);
      }
    }
    throw new AppError('DNS_SERVER_ERROR', `no resolver gave the NS records of ${zone} (${failures.join('; ')})`, { retryable: true });
  }
}
