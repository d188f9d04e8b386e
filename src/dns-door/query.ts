// The queries an RFC 2136 client asks before it updates: SOA and NS of the zone (from the daemon's resolvers, for the zone
// the zone finder finds), TXT of `_acme-challenge` names (the ledger's active values); everything else REFUSED.
import type dnsPacket from 'dns-packet';
import { and, eq, inArray } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { ACTIVE_STATUSES, challenges } from '../db/schema.js';
import { nsNames, soaRecord } from '../dns/lookup.js';
import { isChallengeName, normaliseName } from '../dns/names.js';
import type { DecodedMessage } from '../dns/packet.js';
import type { DnsServer } from '../dns/transport.js';
import type { ZoneLookup } from '../dns/zone-finder.js';
import { RCODE, type Outcome } from './reply.js';

/** TTL of what the door answers: short, since the ledger changes by the second. */
const TTL = 60;

export interface QueryDeps {
  database: Database;
  zones: ZoneLookup;
  resolvers: DnsServer[];
}

export class QueryDoor {
  constructor(private readonly d: QueryDeps) {}

  async answer(msg: DecodedMessage): Promise<Outcome> {
    const q = msg.questions?.length === 1 ? msg.questions[0]! : undefined;
    if (!q) return { rcode: RCODE.FORMERR, why: 'question count' };
    const name = normaliseName(q.name);
    if (q.class !== 'IN' || !(q.type === 'SOA' || q.type === 'NS' || (q.type === 'TXT' && isChallengeName(name)))) {
      return { rcode: RCODE.REFUSED, why: `${q.type} query` };
    }
    const zone = await this.d.zones.find(name).then(normaliseName, () => null);
    if (zone === null) return { rcode: RCODE.REFUSED, why: 'no zone' };
    const soa = await this.first<dnsPacket.SoaData>((s) => soaRecord(zone, s));
    if (!soa) return { rcode: RCODE.SERVFAIL, why: 'no SOA from the resolvers' };
    const soaRr: dnsPacket.Answer = { name: zone, type: 'SOA', class: 'IN', ttl: TTL, data: soa };
    if (q.type === 'SOA' && name === zone) return { rcode: RCODE.NOERROR, aa: true, answers: [soaRr] };
    if (q.type === 'NS' && name === zone) {
      const ns = await this.first<string[]>((s) => nsNames(zone, s));
      if (!ns) return { rcode: RCODE.SERVFAIL, why: 'no NS from the resolvers' };
      return { rcode: RCODE.NOERROR, aa: true, answers: ns.map((data: string) => ({ name: zone, type: 'NS', class: 'IN', ttl: TTL, data })) };
    }
    if (q.type === 'TXT') {
      const rows = await this.d.database.db.select({ value: challenges.value }).from(challenges)
        .where(and(eq(challenges.fqdn, name), inArray(challenges.status, [...ACTIVE_STATUSES])));
      const values = [...new Set(rows.map((r) => r.value))];
      if (values.length > 0) return { rcode: RCODE.NOERROR, aa: true, answers: values.map((v) => ({ name, type: 'TXT', class: 'IN', ttl: TTL, data: [v] })) };
    }
    // Below the apex, or no value: NODATA with the zone's SOA (RFC 2308 §2.2); whether the name exists is not ours to say.
    return { rcode: RCODE.NOERROR, aa: true, authorities: [soaRr] };
  }

  /** The first resolver's answer that is not empty or an error. */
  private async first<T>(ask: (s: DnsServer) => Promise<T | null>): Promise<T | null> {
    for (const s of this.d.resolvers) {
      const got = await ask(s).catch(() => null);
      if (got !== null && !(Array.isArray(got) && got.length === 0)) return got;
    }
    return null;
  }
}
