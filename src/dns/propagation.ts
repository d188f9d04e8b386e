// Asks every authoritative server of a challenge's zone whether it serves the TXT value yet.
import { formatServer, type DnsServer } from './transport.js';
import { authoritativeServers, findZone, followCname, txtValues } from './lookup.js';

export interface PropagationQuery {
  fqdn: string;
  value: string;
  /** Where zone, NS and CNAME discovery happens (a resolver, or an authoritative server in tests). */
  resolver: DnsServer;
  /** Port the discovered authoritative servers are asked on (default 53; tests run servers on odd ports). */
  authPort?: number;
  /** Skips NS discovery and asks exactly these servers. */
  nameservers?: DnsServer[];
  /** Bound on the whole check, in ms. */
  timeoutMs: number;
}

export interface PropagationResult {
  visible: boolean;
  zone?: string;
  /** The name actually checked, after following a CNAME on fqdn. */
  target?: string;
  servers: { server: string; seen: boolean; error?: string }[];
}

/**
 * Zone by SOA walk, CNAME followed, then TXT asked of every authoritative server without recursion, so a
 * resolver's cache cannot claim a value the authorities do not all serve yet. Visible only when every server
 * sees it: the CA may ask any of them.
 */
export async function checkPropagation(q: PropagationQuery): Promise<PropagationResult> {
  const signal = AbortSignal.timeout(q.timeoutMs);
  const perTry = { signal, timeoutMs: Math.min(1500, q.timeoutMs), retries: 1 };
  const target = await followCname(q.fqdn, q.resolver, perTry);
  const zone = await findZone(target, q.resolver, perTry);
  const servers = q.nameservers ?? (await authoritativeServers(zone, q.resolver, { ...perTry, port: q.authPort ?? 53 }));
  const results = await Promise.all(servers.map(async (s) => {
    try {
      const values = await txtValues(target, s, { ...perTry, recursionDesired: false });
      return { server: formatServer(s), seen: values.includes(q.value) };
    } catch (err) {
      return { server: formatServer(s), seen: false, error: (err as Error).message };
    }
  }));
  return { visible: results.length > 0 && results.every((r) => r.seen), zone, target, servers: results };
}
