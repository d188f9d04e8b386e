// Delegated challenge names: where `_acme-challenge.<name>` is a CNAME, the value goes to the end of the chain
// (docs/api.md#delegated-names). Asked once per challenge, in the challenge service, through the daemon's resolvers.
import type { Logger } from 'pino';
import { CnameChainError, followCname } from '../dns/lookup.js';
import { formatServer } from '../dns/transport.js';
import { AppError } from '../errors.js';
import { explainFailure, type Resolvers } from './resolvers.js';

/** What ChallengeService needs: the name a challenge's value is written at. */
export interface NameDelegation {
  /** `name` itself when it is no CNAME; throws CNAME_LOOP for a chain that loops or runs too long. */
  targetOf(name: string): Promise<string>;
}

export interface CnameDelegationOptions {
  /** Bound on one whole follow, every resolver included (default 5 s). */
  timeoutMs?: number;
  /** How long a follow no resolver answered is remembered, so a burst does not wait out a dead resolver each time (default 10 s). */
  failureTtlS?: number;
  now?: () => number;
}

/** One query's patience, as the zone finder's (src/dns/zone-finder.ts). */
const QUERY = { timeoutMs: 300, retries: 3 };

/**
 * Follows CNAMEs through each resolver in turn. When none answers, the value goes to the asked name, as before
 * delegation was followed, with a warning naming the resolvers: a DNS hiccup does not stop a challenge.
 */
export class CnameDelegation implements NameDelegation {
  /** Names no resolver could answer for, until when; bounded by the names asked within failureTtlS. */
  private readonly failed = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<string>>();
  private readonly now: () => number;

  constructor(private readonly resolvers: Resolvers, private readonly log: Logger, private readonly opts: CnameDelegationOptions = {}) {
    this.now = opts.now ?? Date.now;
  }

  targetOf(name: string): Promise<string> {
    if ((this.failed.get(name) ?? 0) > this.now()) return Promise.resolve(name);
    this.failed.delete(name);
    // Wildcard and apex ask for the same name at once: one follow answers both.
    const running = this.inFlight.get(name);
    if (running) return running;
    const follow = this.follow(name).finally(() => this.inFlight.delete(name));
    this.inFlight.set(name, follow);
    return follow;
  }

  private async follow(name: string): Promise<string> {
    const signal = AbortSignal.timeout(this.opts.timeoutMs ?? 5000);
    const failures: string[] = [];
    for (const resolver of this.resolvers.servers) {
      if (signal.aborted) break;
      try {
        return await followCname(name, resolver, { signal, ...QUERY });
      } catch (err) {
        if (err instanceof CnameChainError) {
          throw new AppError('CNAME_LOOP', `${name} is delegated by a CNAME chain that does not end: ${err.message}; nothing was written`, {
            details: { fqdn: name, chain: err.chain },
          });
        }
        failures.push(`${formatServer(resolver)}: ${(err as Error).message}`);
      }
    }
    this.failed.set(name, this.now() + (this.opts.failureTtlS ?? 10) * 1000);
    for (const [n, until] of this.failed) if (until <= this.now()) this.failed.delete(n);
    this.log.warn({ fqdn: name, err: explainFailure(this.resolvers, failures.join('; ') || 'no resolvers configured') },
      'could not tell whether the challenge name is a CNAME; writing at the name itself');
    return name;
  }
}
