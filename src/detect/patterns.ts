// Which built-in provider type a zone's nameserver host names point to: the pattern table and the match.
import { normaliseName } from '../dns/names.js';

/** Nameserver host names (lower-case, no trailing dot) each built-in type hands out to its customers' zones. */
export const NAMESERVER_PATTERNS: readonly { type: string; pattern: RegExp }[] = [
  { type: 'cloudflare', pattern: /\.ns\.cloudflare\.com$/ },
  { type: 'route53', pattern: /(^|\.)awsdns-\d+\.(com|net|org|co\.uk)$/ },
  { type: 'digitalocean', pattern: /^ns\d+\.digitalocean\.com$/ },
  { type: 'hetzner', pattern: /\.ns\.hetzner\.(com|de)$/ },
  { type: 'googleclouddns', pattern: /^ns-cloud-[a-z]\d+\.googledomains\.com$/ },
  { type: 'azure', pattern: /\.azure-dns\.(com|net|org|info)$/ },
  { type: 'namecheap', pattern: /\.registrar-servers\.com$/ },
  { type: 'godaddy', pattern: /\.domaincontrol\.com$/ },
  { type: 'vultr', pattern: /^ns\d+\.vultr\.com$/ },
  { type: 'dnsimple', pattern: /\.dnsimple(-edge)?\.(com|net|org)$/ },
];

export type Confidence = 'high' | 'medium' | 'low' | 'none';

/**
 * The type most of the nameservers belong to. `high`: all of them; `medium`: some, the others unknown (a secondary
 * elsewhere); `low`: several types share the zone (multi-provider DNS), the one with most servers wins, ties by
 * table order; `none`: no match.
 */
export function matchNameservers(nameservers: readonly string[]): { providerType: string | null; confidence: Confidence } {
  const counts = new Map<string, number>();
  for (const ns of nameservers) {
    const host = normaliseName(ns);
    const hit = NAMESERVER_PATTERNS.find((p) => p.pattern.test(host));
    if (hit) counts.set(hit.type, (counts.get(hit.type) ?? 0) + 1);
  }
  if (counts.size === 0) return { providerType: null, confidence: 'none' };
  const [providerType, n] = [...counts].reduce((best, e) => (e[1] > best[1] ? e : best));
  const confidence = counts.size > 1 ? 'low' : n === nameservers.length ? 'high' : 'medium';
  return { providerType, confidence };
}
