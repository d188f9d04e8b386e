// The source address of a request, for every log line, audit event, login limit and network scope: the TCP peer,
// or, when that peer is a proxy the operator listed (DNS01_TRUSTED_PROXIES), the client address the proxies forwarded.
import { BlockList, isIP } from 'node:net';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';

declare module 'hono' {
  interface ContextVariableMap {
    /** Set for every request by trackSource. */
    sourceAddress: string;
  }
}

/** Node reports IPv4 peers of a dual-stack listener as `::ffff:a.b.c.d`; operators write `a.b.c.d`. */
function normalise(address: string): string {
  return address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '').toLowerCase();
}

/** One hop of a forwarding header: `1.2.3.4`, `1.2.3.4:80`, `[2001:db8::1]:80`, `2001:db8::1`; null for anything else. */
function hopAddress(raw: string): string | null {
  let text = raw.trim().replace(/^"(.*)"$/, '$1');
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  if (bracketed) text = bracketed[1]!;
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(text)) text = text.slice(0, text.lastIndexOf(':'));
  return isIP(text) !== 0 && !text.includes('%') ? normalise(text) : null;
}

/** The hops a header lists, the proxy closest to the daemon last. `Forwarded` (RFC 7239) gives them as `for=` parameters. */
function hopsOf(header: 'x-forwarded-for' | 'forwarded', value: string): string[] {
  if (header === 'x-forwarded-for') return value.split(',');
  return value.split(',').map((element) => {
    const pair = element.split(';').map((p) => p.trim()).find((p) => /^for=/i.test(p));
    return pair ? pair.slice(4) : '';
  });
}

export class TrustedProxies {
  private readonly list = new BlockList();
  readonly empty: boolean;

  /** `cidrs` as config.ts returns them (`address/prefix`); `header` the one header the proxies write. */
  constructor(cidrs: readonly string[], readonly header: 'x-forwarded-for' | 'forwarded' = 'x-forwarded-for') {
    for (const cidr of cidrs) {
      const [net, prefix] = cidr.split('/');
      this.list.addSubnet(net!, Number(prefix), isIP(net!) === 4 ? 'ipv4' : 'ipv6');
    }
    this.empty = cidrs.length === 0;
  }

  private trusted(address: string): boolean {
    const family = isIP(address);
    return !this.empty && family !== 0 && this.list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }

  /**
   * The client address for a connection from `peer` carrying `forwarded` (the configured header's value). The header
   * is read only when the peer is a trusted proxy, from the right (the hop nearest the daemon), skipping hops that are
   * trusted proxies themselves: the first one that is not is the client. Everything left of it was written by that
   * client and proves nothing. A hop that is not an address (`unknown`, an obfuscated name) ends the walk at the last
   * proxy that can be vouched for.
   */
  resolve(peer: string, forwarded: string | undefined): string {
    let source = normalise(peer);
    if (!forwarded || !this.trusted(source)) return source;
    const hops = hopsOf(this.header, forwarded);
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hopAddress(hops[i]!);
      if (hop === null) return source;
      source = hop;
      if (!this.trusted(hop)) return hop;
    }
    return source;
  }
}

function socketPeer(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? '';
  } catch {
    // No socket: a request handed to app.fetch directly.
    return '';
  }
}

/** First middleware of the app: works out the request's source address once. */
export function trackSource(proxies: TrustedProxies): MiddlewareHandler {
  return (c, next) => {
    c.set('sourceAddress', proxies.resolve(socketPeer(c), proxies.empty ? undefined : c.req.header(proxies.header)));
    return next();
  };
}

/**
 * The request's source address: the one every log line, audit event, login limit, acme-dns `allowfrom` and client
 * token `allowed_cidrs` uses. Empty when unknown (no socket), which no allow-list matches.
 */
export function sourceAddress(c: Context): string {
  return (c.get('sourceAddress') as string | undefined) ?? normalise(socketPeer(c));
}
