// Which IP addresses an outbound webhook may never reach: exact parsing of odd spellings and the named blocked ranges.
import { isIPv6 } from 'node:net';

interface Range {
  /** As written in the table, e.g. `10.0.0.0/8`. */
  cidr: string;
  base: bigint;
  bits: number;
  name: string;
  /** Refused even when private targets are allowed: no webhook has a reason to call a metadata service. */
  always: boolean;
}

const V4_BITS = 32;
const V6_BITS = 128;

/**
 * Parses any spelling WHATWG URL accepts for an IPv4 host (`0x7f.1`, `2130706433`, `017.0.0.1`) into a 32-bit number.
 * The character check comes first so that `10.0.0.1@example.com`-style input never reaches the URL parser as an IP.
 */
export function parseIPv4(input: string): bigint | null {
  if (!/^[0-9a-fA-FxX.]+$/.test(input)) return null;
  let host: string;
  try {
    host = new URL(`http://${input}/`).hostname;
  } catch {
    return null;
  }
  const parts = host.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return null;
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n);
}

/** Parses an IPv6 literal (brackets and a `%zone` suffix allowed, dotted tail allowed) into a 128-bit number. */
export function parseIPv6(input: string): bigint | null {
  let s = input.startsWith('[') && input.endsWith(']') ? input.slice(1, -1) : input;
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (!isIPv6(s)) return null;
  // The URL serializer gives a canonical, hex-only form (no dotted tail), which keeps the parser below small.
  let canon: string;
  try {
    canon = new URL(`http://[${s}]/`).hostname.slice(1, -1);
  } catch {
    return null;
  }
  const halves = canon.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  const groups = [...head, ...Array<string>(fill).fill('0'), ...tail];
  if (groups.length !== 8) return null;
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function cidr(text: string, name: string, family: 4 | 6, always = false): Range {
  const [addr = '', len = ''] = text.split('/');
  const base = family === 4 ? parseIPv4(addr) : parseIPv6(addr);
  if (base === null) throw new Error(`bad range in table: ${text}`);
  return { cidr: text, base, bits: Number(len), name: `${text} (${name})`, always };
}

function inRange(n: bigint, r: Range, width: number): boolean {
  const shift = BigInt(width - r.bits);
  return n >> shift === r.base >> shift;
}

// Built on the first check, not at start-up: parsing them compiles node:net's IPv6 expression (about 10 ms).
let tables: { V4: Range[]; V6: Range[]; EMBEDDING: { range: Range; extract: (n: bigint) => bigint }[] } | undefined;

const ranges = () => (tables ??= {
  // Order matters only for naming: the most specific entry comes first so the refusal says "metadata", not "link-local".
  V4: [
    cidr('169.254.169.254/32', 'cloud metadata', 4, true),
    cidr('169.254.170.2/32', 'ECS task metadata', 4, true),
    cidr('100.100.100.200/32', 'Alibaba cloud metadata', 4, true),
    cidr('255.255.255.255/32', 'limited broadcast', 4),
    cidr('0.0.0.0/8', '"this" network', 4),
    cidr('10.0.0.0/8', 'private', 4),
    cidr('100.64.0.0/10', 'carrier-grade NAT', 4),
    cidr('127.0.0.0/8', 'loopback', 4),
    cidr('169.254.0.0/16', 'link-local', 4),
    cidr('172.16.0.0/12', 'private', 4),
    cidr('192.0.0.0/24', 'IETF protocol assignments', 4),
    cidr('192.0.2.0/24', 'documentation TEST-NET-1', 4),
    cidr('192.168.0.0/16', 'private', 4),
    cidr('198.18.0.0/15', 'benchmarking', 4),
    cidr('198.51.100.0/24', 'documentation TEST-NET-2', 4),
    cidr('203.0.113.0/24', 'documentation TEST-NET-3', 4),
    cidr('224.0.0.0/4', 'multicast', 4),
    cidr('240.0.0.0/4', 'reserved', 4),
  ],
  V6: [
    cidr('::/128', 'unspecified', 6),
    cidr('::1/128', 'loopback', 6),
    cidr('fd00:ec2::254/128', 'AWS metadata', 6, true),
    cidr('fc00::/7', 'unique local', 6),
    cidr('fe80::/10', 'link-local', 6),
    cidr('fec0::/10', 'site-local (deprecated)', 6),
    cidr('ff00::/8', 'multicast', 6),
    cidr('2001:db8::/32', 'documentation', 6),
    cidr('3fff::/20', 'documentation', 6),
    cidr('2001:2::/48', 'benchmarking', 6),
    cidr('5f00::/16', 'segment routing SIDs', 6),
    cidr('100::/64', 'discard-only', 6),
    cidr('64:ff9b:1::/48', 'local-use NAT64', 6),
    // Teredo hides the client's IPv4 address XOR-ed into the low bits; nothing legitimate needs it as a webhook target.
    cidr('2001::/32', 'Teredo', 6),
  ],
  /** IPv6 forms that carry an IPv4 address; the embedded address decides, so `::ffff:127.0.0.1` is loopback. */
  EMBEDDING: [
    { range: cidr('::ffff:0:0/96', 'IPv4-mapped', 6), extract: (n) => n & 0xffffffffn },
    { range: cidr('::ffff:0:0:0/96', 'IPv4-translated', 6), extract: (n) => n & 0xffffffffn },
    { range: cidr('64:ff9b::/96', 'NAT64', 6), extract: (n) => n & 0xffffffffn },
    { range: cidr('::/96', 'IPv4-compatible', 6), extract: (n) => n & 0xffffffffn },
    { range: cidr('2002::/16', '6to4', 6), extract: (n) => (n >> 80n) & 0xffffffffn },
  ],
});

/** The table itself, for test/bench/ip-ranges.bench.ts, which checks it against node's BlockList and ipaddr.js. */
export function blockedRangeTable(): { v4: readonly Range[]; v6: readonly Range[] } {
  const { V4, V6 } = ranges();
  return { v4: V4, v6: V6 };
}

function matchV4(n: bigint): Range | undefined {
  return ranges().V4.find((r) => inRange(n, r, V4_BITS));
}

function matchV6(n: bigint): { name: string; always: boolean } | undefined {
  const { V6, EMBEDDING } = ranges();
  const direct = V6.find((r) => inRange(n, r, V6_BITS));
  if (direct) return direct;
  for (const { range, extract } of EMBEDDING) {
    if (!inRange(n, range, V6_BITS)) continue;
    const inner = matchV4(extract(n));
    return inner ? { name: `${range.name} of ${inner.name}`, always: inner.always } : undefined;
  }
  return undefined;
}

function classify(ip: string): { name: string; always: boolean } | null {
  const v4 = parseIPv4(ip);
  if (v4 !== null) {
    return matchV4(v4) ?? null;
  }
  const v6 = parseIPv6(ip);
  if (v6 !== null) return matchV6(v6) ?? null;
  // Fail closed: something that is not an address cannot be proven safe.
  return { name: 'not an IP address', always: true };
}

/** The name of the blocked range `ip` falls in (e.g. `127.0.0.0/8 (loopback)`), or null when it is a public address. */
export function isBlockedAddress(ip: string): string | null {
  return classify(ip)?.name ?? null;
}

/** Like isBlockedAddress, but only for what stays refused when private targets are allowed (metadata services, non-addresses). */
export function isAlwaysBlockedAddress(ip: string): string | null {
  const c = classify(ip);
  return c?.always ? c.name : null;
}
