// Queries against one given DNS server: SOA walk to find a zone, NS/A/AAAA, CNAME chasing and TXT values.
import { randomInt } from 'node:crypto';
import type dnsPacket from 'dns-packet';
import { isAtOrBelow, normaliseName } from './names.js';
import { encodeQuery } from './packet.js';
import { exchange, type DnsResponse, type DnsServer, type ExchangeOptions } from './transport.js';

export interface LookupOptions extends ExchangeOptions {
  /** Set RD; true when talking to a resolver, false for authoritative servers (default true). */
  recursionDesired?: boolean;
}

/** A lookup that got an answer it cannot use (SERVFAIL, REFUSED, no zone...). */
export class DnsLookupError extends Error {
  /** For a walk that found no zone: the shortest name the server said does not exist (nothing below it exists either, RFC 8020). */
  nxdomain?: string;
  constructor(message: string, readonly rcode?: string) {
    super(message);
    this.name = 'DnsLookupError';
  }
}

export async function query(name: string, type: dnsPacket.RecordType, server: DnsServer, opts: LookupOptions = {}): Promise<DnsResponse> {
  const msg = encodeQuery(randomInt(0, 0x10000), normaliseName(name) || '.', type, opts.recursionDesired ?? true);
  return exchange(server, msg, opts);
}

type Rr = dnsPacket.Answer;

function ofType(rrs: Rr[] | undefined, name: string, type: string): Rr[] {
  const n = normaliseName(name);
  return (rrs ?? []).filter((a) => a.type === type && normaliseName(a.name) === n);
}

/** Answers of one type at `name`; NXDOMAIN and NODATA are an empty list, other rcodes throw. */
async function records(name: string, type: dnsPacket.RecordType, server: DnsServer, opts: LookupOptions): Promise<Rr[]> {
  const res = await query(name, type, server, opts);
  const rcode = res.packet.rcode;
  if (rcode === 'NXDOMAIN') return [];
  if (rcode !== 'NOERROR') throw new DnsLookupError(`${type} ${normaliseName(name)}: ${rcode}`, rcode);
  return ofType(res.packet.answers, name, type);
}

/**
 * The zone holding `name`: ask for its SOA, then each parent's (as lego's FindZoneByFqdn does). An SOA in the
 * authority section of an NXDOMAIN/NODATA reply names the enclosing zone too (RFC 2308 §3), which saves steps.
 * REFUSED (a server that is not authoritative above its zones) just moves the walk up.
 */
export async function findZone(name: string, server: DnsServer, opts: LookupOptions = {}): Promise<string> {
  const target = normaliseName(name);
  const labels = target.split('.');
  let nxdomain: string | undefined;
  for (let i = 0; i < labels.length; i++) {
    const candidate = labels.slice(i).join('.');
    const res = await query(candidate, 'SOA', server, opts);
    const { rcode, answers, authorities } = res.packet;
    if (rcode === 'NOERROR' && ofType(answers, candidate, 'SOA').length > 0) return candidate;
    if (rcode === 'NXDOMAIN') nxdomain = candidate;
    if (rcode === 'NOERROR' || rcode === 'NXDOMAIN') {
      const soa = (authorities ?? []).find((a) => a.type === 'SOA' && isAtOrBelow(target, normaliseName(a.name)));
      if (soa && normaliseName(soa.name) !== '') return normaliseName(soa.name);
    } else if (rcode !== 'REFUSED' && rcode !== 'NOTAUTH') {
      throw new DnsLookupError(`SOA ${candidate}: ${rcode}`, rcode);
    }
  }
  const err = new DnsLookupError(`no zone found for ${target}`);
  if (nxdomain) err.nxdomain = nxdomain;
  throw err;
}

/** The TXT values at `name`, each character-string of a record joined (RFC 7208 §3.3 style). */
export async function txtValues(name: string, server: DnsServer, opts: LookupOptions = {}): Promise<string[]> {
  const rrs = await records(name, 'TXT', server, opts);
  return rrs.map((r) => {
    const d = (r as dnsPacket.TxtAnswer).data;
    const parts = Array.isArray(d) ? d : [d];
    return parts.map((p) => (Buffer.isBuffer(p) ? p.toString('utf8') : p)).join('');
  });
}

export async function nsNames(zone: string, server: DnsServer, opts: LookupOptions = {}): Promise<string[]> {
  return (await records(zone, 'NS', server, opts)).map((r) => normaliseName((r as dnsPacket.StringAnswer).data));
}

export async function soaRecord(zone: string, server: DnsServer, opts: LookupOptions = {}): Promise<dnsPacket.SoaData | null> {
  const rr = (await records(zone, 'SOA', server, opts))[0] as dnsPacket.SoaAnswer | undefined;
  return rr?.data ?? null;
}

export async function cnameTarget(name: string, server: DnsServer, opts: LookupOptions = {}): Promise<string | null> {
  const rr = (await records(name, 'CNAME', server, opts))[0] as dnsPacket.StringAnswer | undefined;
  return rr ? normaliseName(rr.data) : null;
}

/** A CNAME chain that ends nowhere: it loops, or is longer than followCname follows. The DNS answered; asking again will not help. */
export class CnameChainError extends DnsLookupError {
  constructor(message: string, readonly chain: string[]) {
    super(message);
    this.name = 'CnameChainError';
  }
}

/** The most CNAMEs followCname follows from one name. */
export const MAX_CNAME_HOPS = 8;

/** Follows CNAMEs from `name` (e.g. a delegated `_acme-challenge`) to the name that holds the records. */
export async function followCname(name: string, server: DnsServer, opts: LookupOptions = {}): Promise<string> {
  let current = normaliseName(name);
  const chain = [current];
  for (let hops = 0; hops < MAX_CNAME_HOPS; hops++) {
    const next = await cnameTarget(current, server, opts);
    if (!next) return current;
    chain.push(next);
    if (chain.indexOf(next) < chain.length - 1) throw new CnameChainError(`CNAME loop: ${chain.join(' -> ')}`, chain);
    current = next;
  }
  // One more question tells a chain of exactly MAX_CNAME_HOPS from a longer one.
  if (!(await cnameTarget(current, server, opts))) return current;
  throw new CnameChainError(`more than ${MAX_CNAME_HOPS} CNAMEs from ${chain[0]}: ${chain.join(' -> ')} -> ...`, chain);
}

export async function addresses(name: string, server: DnsServer, opts: LookupOptions = {}): Promise<string[]> {
  const [a, aaaa] = await Promise.all([
    records(name, 'A', server, opts).catch(() => [] as Rr[]),
    records(name, 'AAAA', server, opts).catch(() => [] as Rr[]),
  ]);
  return [...a, ...aaaa].map((r) => (r as dnsPacket.StringAnswer).data);
}

/** The zone's NS names resolved to addresses through `resolver`, each at `port` (default 53). */
export async function authoritativeServers(zone: string, resolver: DnsServer, opts: LookupOptions & { port?: number } = {}): Promise<DnsServer[]> {
  const names = await nsNames(zone, resolver, opts);
  if (names.length === 0) throw new DnsLookupError(`no NS records for ${normaliseName(zone)}`);
  const lists = await Promise.all(names.map((n) => addresses(n, resolver, opts)));
  const hosts = [...new Set(lists.flat())];
  if (hosts.length === 0) throw new DnsLookupError(`no addresses for the name servers of ${normaliseName(zone)}`);
  return hosts.map((host) => ({ host, port: opts.port ?? 53 }));
}
