// The resolvers zone discovery and the propagation checker ask: DNS01_DNS_RESOLVERS, else the system's. Chosen once,
// logged at start (compose/parts.ts), and named with the setting that changes them in every "no zone / no answer".
import { readFileSync } from 'node:fs';
import { findZone } from '../dns/lookup.js';
import { normaliseName } from '../dns/names.js';
import { formatServer, type DnsServer } from '../dns/transport.js';

export interface Resolvers {
  servers: DnsServer[];
  /** Where they came from: the setting, the system's resolv.conf, or glibc's default when that names none. */
  source: 'DNS01_DNS_RESOLVERS' | 'system' | 'default';
  /** The resolv.conf read (source system or default). */
  file?: string;
}

/** `host:port` or `[v6]:port`, as DNS01_DNS_RESOLVERS holds them (config.ts already checked the shape). */
export function parseHostPort(text: string): DnsServer {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  if (!m) throw new Error(`expected host:port, got ${text}`);
  return { host: m[1]!, port: Number(m[2]) };
}

/**
 * DNS01_DNS_RESOLVERS when set; otherwise the first `nameserver` of resolv.conf at port 53. With no usable
 * resolv.conf, 127.0.0.1 is what glibc's resolver falls back to as well (resolv.conf(5)).
 */
export function resolversFrom(configured: string[] | undefined, resolvConf = '/etc/resolv.conf'): Resolvers {
  if (configured && configured.length > 0) return { servers: configured.map(parseHostPort), source: 'DNS01_DNS_RESOLVERS' };
  let text = '';
  try {
    text = readFileSync(resolvConf, 'utf8');
  } catch {
    // No file: fall through to the glibc default.
  }
  const first = text.split('\n').map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1]).find(Boolean);
  return { servers: [{ host: first ?? '127.0.0.1', port: 53 }], source: first ? 'system' : 'default', file: resolvConf };
}

/** Where the resolvers came from, in words: `DNS01_DNS_RESOLVERS`, `system, /etc/resolv.conf`, ... */
export function resolverSource(r: Resolvers): string {
  if (r.source === 'DNS01_DNS_RESOLVERS') return r.source;
  return r.source === 'system' ? `system, ${r.file}` : `default: ${r.file} names no nameserver`;
}

/** e.g. `127.0.0.53:53 (system, /etc/resolv.conf)`: the addresses and their source. */
export function describeResolvers(r: Resolvers, servers: DnsServer[] = r.servers): string {
  return `${servers.map(formatServer).join(', ')} (${resolverSource(r)})`;
}

/** The setting that changes what they find. */
export function resolverAdvice(r: Resolvers): string {
  return r.source === 'DNS01_DNS_RESOLVERS'
    ? 'check that DNS01_DNS_RESOLVERS names a server that serves this zone'
    : 'set DNS01_DNS_RESOLVERS to a server that serves internal zones';
}

/** A failed discovery, with the resolvers asked and the setting: `<what failed>: asked resolvers <list> (<source>); <advice>`. */
export function explainFailure(r: Resolvers, what: string): string {
  return `${what}: asked resolvers ${describeResolvers(r)}; ${resolverAdvice(r)}`;
}

export interface ZoneCheck {
  ok: boolean;
  /** The resolvers asked, with their source. */
  resolver: string;
  message: string;
}

/**
 * Whether `zone` is found as a zone (its SOA at its apex) through the resolvers, as challenge discovery would find
 * it; asked fresh, not from the zone finder's cache. For a provider's test when its credentials name a zone.
 */
export async function checkZone(r: Resolvers, zone: string, timeoutMs = 5000): Promise<ZoneCheck> {
  const name = normaliseName(zone);
  const signal = AbortSignal.timeout(timeoutMs);
  const failures: string[] = [];
  for (const server of r.servers) {
    try {
      const found = await findZone(name, server, { signal, timeoutMs: 1000, retries: 1 });
      const resolver = describeResolvers(r, [server]);
      if (found === name) return { ok: true, resolver, message: `zone ${name} found through ${resolver}` };
      failures.push(`${formatServer(server)}: the nearest zone is ${found || 'the root'}`);
    } catch (err) {
      failures.push(`${formatServer(server)}: ${(err as Error).message}`);
    }
  }
  return {
    ok: false, resolver: describeResolvers(r),
    message: explainFailure(r, `no SOA found at ${name} (${failures.join('; ')})`),
  };
}
