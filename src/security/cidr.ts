// CIDR lists an address must fall in (acme-dns allowfrom, client tokens): parsing as Go's net.ParseCIDR takes them, and the check.
import { BlockList, isIP } from 'node:net';

/**
 * acme-dns's cidrslice check: brackets dropped (`[2001:db8::]/32`), then `address/prefix` as Go's net.ParseCIDR
 * takes it. Returns the cleaned entries, or null when one of them is not a CIDR range.
 */
export function parseAllowFrom(entries: unknown[]): string[] | null {
  const out: string[] = [];
  for (const entry of entries) {
    if (typeof entry !== 'string') return null;
    const cidr = entry.replace(/[[\]]+/g, '');
    const m = /^([^/]+)\/(\d{1,3})$/.exec(cidr);
    const family = m ? isIP(m[1]!) : 0;
    if (!m || family === 0 || Number(m[2]) > (family === 4 ? 32 : 128) || m[1]!.includes('%')) return null;
    out.push(cidr);
  }
  return out;
}

/** Whether `peer` (the request's source address) may update: an empty list allows any address, as in acme-dns. */
export function allowedFrom(ranges: string[], peer: string): boolean {
  if (ranges.length === 0) return true;
  // An IPv4-mapped `::ffff:a.b.c.d` needs no unmapping here: BlockList matches it against `a.b.c.d/32` (and `a.b.c.d`
  // against `::ffff:a.b.c.d/128`) by itself, and http/peer.ts, the one place that unmaps, has done so for logs.
  const family = isIP(peer);
  if (family === 0) return false;
  const list = new BlockList();
  for (const cidr of ranges) {
    const [net, prefix] = cidr.split('/');
    const type = isIP(net!) === 4 ? 'ipv4' : 'ipv6';
    list.addSubnet(net!, Number(prefix), type);
  }
  return list.check(peer, family === 4 ? 'ipv4' : 'ipv6');
}
