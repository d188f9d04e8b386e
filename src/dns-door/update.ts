// An RFC 2136 UPDATE from a client token's TSIG key, mapped onto the challenge engine: TXT adds and deletes of its own
// `_acme-challenge` names only, all checked before anything is written, and the adds undone when one of them fails.
import { and, eq, inArray, or } from 'drizzle-orm';
import type { Logger } from 'pino';
import { withAuditScope } from '../audit/context.js';
import type { ChallengeService } from '../challenges/service.js';
import { checkTxtValue } from '../challenges/names.js';
import type { Caller, ClientAccess } from '../clients/access.js';
import type { Database } from '../db/client.js';
import { ACTIVE_STATUSES, challenges, clientChallenges, type ChallengeRow, type ClientTokenRow } from '../db/schema.js';
import { isAtOrBelow, isChallengeName, normaliseName } from '../dns/names.js';
import type { DecodedMessage } from '../dns/packet.js';
import type { ZoneLookup } from '../dns/zone-finder.js';
import { isAppError } from '../errors.js';
import { allowedFrom } from '../security/cidr.js';
import type { SiteProviderChooser } from '../sites/chooser.js';
import { RCODE, type Outcome } from './reply.js';

/** One RR of the update section, as this door understands it. */
type Change =
  | { kind: 'add'; fqdn: string; value: string }
  | { kind: 'delete-value'; fqdn: string; value: string }
  | { kind: 'delete-mine'; fqdn: string };

export interface UpdateDeps {
  database: Database;
  challenges: ChallengeService;
  access: ClientAccess;
  chooser: Pick<SiteProviderChooser, 'forFqdn'>;
  zones: ZoneLookup;
  log: Logger;
}

type ClientCaller = Extract<Caller, { kind: 'client' }>;
/** The provider chosen for a name before any write; `pinned`: the token's only provider, where no site or default chose. */
interface Chosen { id: string; pinned: boolean }

/** dns-packet names class NONE (254, RFC 2136 §2.5.4) `UNKNOWN_254`. */
const CLASS_NONE = 'UNKNOWN_254';

function txtValue(data: unknown): string | null {
  if (!Array.isArray(data)) return null;
  return Buffer.concat(data.map((d) => (Buffer.isBuffer(d) ? d : Buffer.from(String(d))))).toString('utf8');
}

/** Reads the update section into changes, or the rcode refusing it (RFC 2136 §3.4.1: nothing is done then). */
function changesOf(msg: DecodedMessage): Change[] | number {
  const out: Change[] = [];
  for (const rr of msg.authorities ?? []) {
    const fqdn = normaliseName(rr.name);
    if (!isChallengeName(fqdn)) return RCODE.REFUSED;
    const klass = (rr as { class?: string }).class;
    if (rr.type === 'TXT' && klass === 'IN') {
      const value = txtValue((rr as { data?: unknown }).data);
      try {
        out.push({ kind: 'add', fqdn, value: checkTxtValue(value) });
      } catch {
        return RCODE.REFUSED;
      }
    } else if (rr.type === 'TXT' && klass === CLASS_NONE) {
      const value = txtValue((rr as { data?: unknown }).data);
      if (value === null) return RCODE.REFUSED;
      out.push({ kind: 'delete-value', fqdn, value });
    } else if ((rr.type === 'TXT' || (rr.type as string) === 'ANY') && klass === 'ANY') {
      out.push({ kind: 'delete-mine', fqdn });
    } else return RCODE.REFUSED;
  }
  return out;
}

export class UpdateDoor {
  constructor(private readonly d: UpdateDeps) {}

  /** Applies one verified UPDATE for `token`; every refusal is decided before the first write. */
  async apply(msg: DecodedMessage, token: ClientTokenRow, peer: string): Promise<Outcome> {
    if (token.expiresAt && token.expiresAt.getTime() <= Date.now()) return { rcode: RCODE.REFUSED, why: 'token expired' };
    if (!allowedFrom(token.allowedCidrs, peer)) return { rcode: RCODE.REFUSED, why: 'source network not allowed' };
    const zq = msg.questions?.length === 1 ? msg.questions[0]! : undefined;
    if (zq?.type !== 'SOA') return { rcode: RCODE.FORMERR, why: 'zone section' };
    const zone = normaliseName(zq.name);
    if ((msg.answers ?? []).length > 0) return { rcode: RCODE.REFUSED, why: 'prerequisites' };
    const changes = changesOf(msg);
    if (typeof changes === 'number') return { rcode: changes, why: 'update section' };
    const caller: ClientCaller = { kind: 'client', id: token.id, name: token.name, domains: token.allowedDomains, providers: token.providerIds, api: 'dns' };
    return withAuditScope({ actor: `client:${token.name}`, sourceIp: peer }, async () => {
      const providers = new Map<string, Chosen>();
      try {
        for (const c of changes) this.d.access.permitName(caller, c.fqdn);
        for (const c of changes) {
          if (!isAtOrBelow(c.fqdn, zone)) return { rcode: RCODE.NOTZONE, why: `${c.fqdn} is not in ${zone}` };
        }
        for (const fqdn of new Set(changes.map((c) => c.fqdn))) {
          const found = await this.d.zones.find(fqdn).catch(() => null);
          if (found === null) return { rcode: RCODE.SERVFAIL, why: `no zone found for ${fqdn}` };
          if (normaliseName(found) !== zone) return { rcode: RCODE.NOTZONE, why: `${fqdn} is in ${found}` };
        }
        for (const c of changes) {
          if (c.kind === 'add' || this.d.access.limitsProviders(caller)) {
            if (!providers.has(c.fqdn)) providers.set(c.fqdn, await this.providerFor(caller, c.fqdn));
            this.d.access.permitProvider(caller, providers.get(c.fqdn)!.id);
          }
        }
      } catch (err) {
        if (isAppError(err)) return { rcode: RCODE.REFUSED, why: err.code };
        throw err;
      }
      return this.run(changes, providers, token, caller);
    });
  }

  /**
   * As the HTTP dialects choose (the most specific site, else the default), and a token allowed one provider only uses
   * it (`pinned`). Only a pinned provider is handed to the service, which otherwise chooses again for a CNAME's target.
   */
  private async providerFor(caller: ClientCaller, fqdn: string): Promise<Chosen> {
    try {
      return { id: await this.d.chooser.forFqdn(fqdn), pinned: false };
    } catch (err) {
      if (isAppError(err) && err.code === 'PROVIDER_NOT_FOUND' && caller.providers?.length === 1) return { id: caller.providers[0]!, pinned: true };
      throw err;
    }
  }

  /** The writes, in the update section's order; a failed add undoes this message's earlier adds. */
  private async run(changes: Change[], providers: Map<string, Chosen>, token: ClientTokenRow, caller: ClientCaller): Promise<Outcome> {
    // The service checks these again where a CNAME moves a value: the target's provider and the target itself.
    const permits = {
      permitProvider: (id: string) => this.d.access.permitProvider(caller, id),
      permitTarget: (fqdn: string) => this.d.access.permitName(caller, fqdn),
    };
    const pinned = (fqdn: string) => {
      const chosen = providers.get(fqdn);
      return chosen?.pinned ? { providerId: chosen.id } : {};
    };
    const made: ChallengeRow[] = [];
    let i = 0;
    try {
      for (const c of changes) {
        i += 1;
        if (c.kind === 'add') {
          const { row, created } = await this.d.challenges.create({ ...pinned(c.fqdn), ...permits, fqdn: c.fqdn, value: c.value, wait: false, client: 'dns' });
          await this.d.database.db.insert(clientChallenges).values({ challengeId: row.id, clientTokenId: token.id }).onConflictDoNothing();
          if (created) made.push(row);
        } else if (c.kind === 'delete-value') {
          const limited = this.d.access.limitsProviders(caller) ? { permitProvider: permits.permitProvider } : {};
          await this.d.challenges.removeByValue({ ...pinned(c.fqdn), ...limited, permitTarget: permits.permitTarget, fqdn: c.fqdn, value: c.value, client: 'dns' });
        } else {
          for (const row of await this.mine(token.id, c.fqdn)) await this.d.challenges.finish(row, { event: 'cleaned', client: 'dns' });
        }
      }
    } catch (err) {
      this.d.log.warn({ err: (err as Error).message, client: token.name, change: i }, 'DNS UPDATE failed; undoing its adds');
      for (const row of made.reverse()) {
        await this.d.challenges.finish(row, { event: 'cleaned', client: 'dns' }).catch((e: unknown) => {
          this.d.log.warn({ err: (e as Error).message, challenge: row.id }, 'undoing an add failed; the janitor removes it');
        });
      }
      // A scope refusal met only at a CNAME's target: refused, as before the first write, now that nothing is left.
      const refused = isAppError(err) && err.code.startsWith('CLIENT_');
      return { rcode: refused ? RCODE.REFUSED : RCODE.SERVFAIL, why: isAppError(err) ? err.code : 'error' };
    }
    return { rcode: RCODE.NOERROR, why: `${changes.length} change(s)` };
  }

  /** The challenges this token added at `fqdn` through this door whose record may still exist. */
  private async mine(tokenId: string, fqdn: string): Promise<ChallengeRow[]> {
    const rows = await this.d.database.db.select({ c: challenges }).from(clientChallenges)
      .innerJoin(challenges, eq(challenges.id, clientChallenges.challengeId))
      // A delegated add is kept at its CNAME's target, under the name asked for.
      .where(and(eq(clientChallenges.clientTokenId, tokenId), or(eq(challenges.fqdn, fqdn), eq(challenges.delegatedFrom, fqdn)),
        or(inArray(challenges.status, [...ACTIVE_STATUSES]), inArray(challenges.recordState, ['present', 'unknown']))));
    return rows.map((r) => r.c);
  }
}
