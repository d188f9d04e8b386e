// A tiny real DNS server (UDP, dns-packet) for SSRF tests: scripted A answers per name and a count of queries.
import { createSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import dnsPacket from 'dns-packet';
import type { ResolveAll } from '../../src/security/ssrf.js';

/** The A records for `name` on its n-th query (1-based); [] answers NXDOMAIN. */
export type Answers = (name: string, n: number) => string[];

export interface TinyDns {
  port: number;
  /** Queries seen per lower-case name (A queries only). */
  queries: Map<string, number>;
  stop(): Promise<void>;
}

export async function startTinyDns(answers: Answers): Promise<TinyDns> {
  const sock = createSocket('udp4');
  const queries = new Map<string, number>();
  sock.on('message', (msg, rinfo) => {
    let query: dnsPacket.Packet;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return;
    }
    const q = query.questions?.[0];
    if (!q) return;
    const name = q.name.toLowerCase();
    let addrs: string[] = [];
    if (q.type === 'A') {
      const n = (queries.get(name) ?? 0) + 1;
      queries.set(name, n);
      addrs = answers(name, n);
    }
    const known = q.type !== 'A' || addrs.length > 0;
    const reply = dnsPacket.encode({
      id: query.id,
      type: 'response',
      // NXDOMAIN (rcode 3) for unknown names; TTL 0 so no resolver cache hides the second answer.
      flags: dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | (known ? 0 : 3),
      questions: [q],
      answers: addrs.map((data) => ({ type: 'A' as const, class: 'IN' as const, name: q.name, ttl: 0, data })),
    });
    sock.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(0, '127.0.0.1', () => resolve());
  });
  return {
    port: sock.address().port,
    queries,
    stop: () => new Promise<void>((resolve) => sock.close(() => resolve())),
  };
}

/** A ResolveAll that asks the tiny server through node's own resolver, as a real deployment asks its DNS. */
export function resolverLookup(port: number): ResolveAll {
  const resolver = new Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([`127.0.0.1:${port}`]);
  return async (hostname) => (await resolver.resolve4(hostname)).map((address) => ({ address, family: 4 }));
}
