// acme-dns on top of the challenge lifecycle: registration picks a provider and proves it can write under the domain,
// each update is a challenge, two stay live.
import { randomBytes, randomUUID } from 'node:crypto';
import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Database } from '../db/client.js';
import { ACTIVE_STATUSES, challenges, type AcmeDnsRegistrationRow, type DnsProviderRow } from '../db/schema.js';
import { AppError, isAppError, type ErrorCode } from '../errors.js';
import type { ChallengeService } from '../challenges/service.js';
import type { PluginCatalogue } from '../calls/catalogue.js';
import { abandonOnAbort } from '../calls/plugin-calls.js';
import type { ProviderStore } from '../providers/store.js';
import { AcmeDnsAccounts, type NewAccount } from './accounts.js';

/** acme-dns keeps two TXT values per subdomain: wildcard + apex validate at once through one CNAME. */
export const LIVE_VALUES = 2;

/** How long registration's test write and removal may take together, unless the daemon's options say otherwise. */
export const PROBE_TIMEOUT_MS = 30_000;
/**
 * Past the deadline the provider call is abandoned and its row written at once; registration waits this much longer
 * for that, and no more (only a stuck zone lookup or database would still be running).
 */
export const PROBE_SETTLE_MS = 2000;

/**
 * Refusals that say "not now" rather than "cannot": the provider was not asked (its budget is spent, its circuit is
 * open, the daemon is stopping). Registration answers them as they are, with their Retry-After.
 */
const NOT_NOW: readonly ErrorCode[] = ['PROVIDER_RATE_LIMITED', 'WEBHOOK_RATE_LIMITED', 'PROVIDER_CIRCUIT_OPEN', 'SERVICE_UNAVAILABLE'];

export interface Registration {
  /** A provider id or name; undefined: the default provider. */
  provider: string | undefined;
  allowFrom: string[];
  /** The client token registering; null or absent: the admin token. */
  clientTokenId?: string | null;
  /** Each throws to refuse the new account's name or the chosen provider, before the test write. */
  scope?: { name(fqdn: string): void; provider(providerId: string): void };
}

export class AcmeDnsService {
  readonly accounts: AcmeDnsAccounts;

  constructor(
    private readonly database: Database,
    private readonly providers: ProviderStore,
    private readonly registry: PluginCatalogue,
    private readonly challenges: ChallengeService,
    /** DNS01_ACME_DNS_DOMAIN */
    readonly domain: string,
    private readonly log: Logger,
    private readonly probeTimeoutMs = PROBE_TIMEOUT_MS,
  ) {
    this.accounts = new AcmeDnsAccounts(database);
  }

  fulldomain(row: AcmeDnsRegistrationRow): string {
    return `${row.subdomain}.${this.domain}`;
  }

  /**
   * `provider` is a provider id or name; without it, the default provider. It must be one the daemon drives. A client
   * token's registration names the token (`clientTokenId`) and passes its scope check as `scope`, which sees the new
   * account's name, then the chosen provider, before anything is written.
   */
  async register(opts: Registration): Promise<NewAccount> {
    const { provider, allowFrom, clientTokenId = null, scope } = opts;
    const subdomain = randomUUID();
    scope?.name(`${subdomain}.${this.domain}`);
    const row = await this.chooseProvider(provider);
    scope?.provider(row.id);
    if (!row.enabled) throw new AppError('PROVIDER_DISABLED', `provider ${row.name} is disabled`);
    if (!this.registry.plugin(row.providerType).present) {
      throw new AppError('PROVIDER_NOT_AUTOMATED', `provider type ${row.providerType} is solved by Caddy itself; acme-dns needs a provider the daemon drives`);
    }
    // A manual provider's present writes nothing (a person writes each record), so a test write would prove nothing
    // and its cleanup would ask the operator to remove a record nobody wrote.
    if (row.providerType === 'manual') {
      this.log.info({ provider: row.name, subdomain }, 'acme-dns registration on a manual provider: no test write, a person writes each update\'s record');
    } else {
      await this.proveWritable(row, `${subdomain}.${this.domain}`);
    }
    const account = await this.accounts.create(row.id, allowFrom, subdomain, clientTokenId);
    this.log.info({
      username: account.row.username, subdomain: account.row.subdomain, provider: row.name, allowfrom: allowFrom,
      ...(clientTokenId ? { client_token_id: clientTokenId } : {}),
    }, 'acme-dns account registered');
    return account;
  }

  /**
   * Writes a made-up value at the new account's own name through the provider, then removes it: the name, the
   * credentials (a zone-specific one is chosen for it) and the far side's policy its updates will meet. Both are a
   * challenge of the provider, so the name's lock, the audit log, and the janitor (a record left by a failed removal,
   * a timeout or a crash) cover it. The provider calls end at probeTimeoutMs, the wait at PROBE_SETTLE_MS later; a
   * provider that cannot do both throws ACME_DNS_DOMAIN_NOT_WRITABLE.
   */
  private async proveWritable(provider: DnsProviderRow, fqdn: string): Promise<void> {
    const started = performance.now();
    let step: 'write' | 'remove' = 'write';
    const facts = () => ({ provider: provider.name, fqdn, step });
    // Retryable: a call cut off may have reached the far side, so the row keeps record state `unknown` for the janitor.
    const timeout = () => new AppError('ACME_DNS_DOMAIN_NOT_WRITABLE',
      `provider ${provider.name} did not ${step} a test record under ${this.domain} within ${this.probeTimeoutMs / 1000} s`,
      { retryable: true, details: { ...facts(), timeout_seconds: this.probeTimeoutMs / 1000 } });
    const deadline = new AbortController();
    const lastResort = new AbortController();
    const timers = [
      setTimeout(() => deadline.abort(timeout()), this.probeTimeoutMs),
      setTimeout(() => lastResort.abort(timeout()), this.probeTimeoutMs + PROBE_SETTLE_MS),
    ];
    const probe = async () => {
      const value = randomBytes(32).toString('base64url');
      const { row } = await this.challenges.create({ providerId: provider.id, fqdn, value, wait: false, client: 'acme-dns', signal: deadline.signal });
      step = 'remove';
      await this.challenges.finish(row, { event: 'cleaned', client: 'acme-dns', signal: deadline.signal });
    };
    try {
      await abandonOnAbort(probe(), lastResort.signal);
    } catch (err) {
      const refusal = this.notWritable(err, provider, fqdn, step);
      this.log.warn({ ...facts(), code: refusal.code, ...refusal.details, duration_ms: Math.round(performance.now() - started) },
        'acme-dns registration refused: the provider could not write and remove a test record');
      throw refusal;
    } finally {
      for (const t of timers) clearTimeout(t);
    }
  }

  /** The reply for a failed test: "not now" refusals and the deadline's own error as they are, anything else ACME_DNS_DOMAIN_NOT_WRITABLE. */
  private notWritable(err: unknown, provider: DnsProviderRow, fqdn: string, step: 'write' | 'remove'): AppError {
    if (isAppError(err) && (err.code === 'ACME_DNS_DOMAIN_NOT_WRITABLE' || NOT_NOW.includes(err.code))) return err;
    const cause = isAppError(err) ? err : new AppError('PROVIDER_ERROR', `provider ${provider.name} failed`);
    const what = step === 'write'
      ? `could not write a test record at ${fqdn}`
      : `wrote a test record at ${fqdn} but could not remove it (the janitor will retry)`;
    return new AppError('ACME_DNS_DOMAIN_NOT_WRITABLE', `provider ${provider.name} ${what}: ${cause.code}: ${cause.message}`, {
      details: { provider: provider.name, fqdn, step, cause: cause.code }, cause: err,
    });
  }

  private async chooseProvider(provider: string | undefined): Promise<DnsProviderRow> {
    if (provider === undefined) {
      const row = await this.providers.getDefault();
      if (!row) throw new AppError('PROVIDER_NOT_FOUND', 'no "provider" given and no default provider is set');
      return row;
    }
    if (z.uuid().safeParse(provider).success) return this.providers.get(provider);
    const row = (await this.providers.list()).find((p) => p.name === provider);
    if (!row) throw new AppError('PROVIDER_NOT_FOUND', 'no provider with that id or name');
    return row;
  }

  /** Presents `txt` at the account's fulldomain, then cleans up all but the newest LIVE_VALUES values. */
  async update(account: AcmeDnsRegistrationRow, txt: string): Promise<void> {
    const fqdn = this.fulldomain(account);
    // One update per account at a time, so the trim below never sees another update's half-made row.
    await this.database.withLock(`acme-dns:${account.subdomain}`, async () => {
      await this.challenges.create({ providerId: account.providerId, fqdn, value: txt, client: 'acme-dns' });
      const live = await this.database.db
        .select()
        .from(challenges)
        .where(and(eq(challenges.providerId, account.providerId), eq(challenges.fqdn, fqdn), inArray(challenges.status, [...ACTIVE_STATUSES])))
        .orderBy(desc(challenges.createdAt), desc(challenges.id));
      for (const old of live.slice(LIVE_VALUES)) {
        try {
          await this.challenges.finish(old, { event: 'cleaned', client: 'acme-dns', onlyIf: (f) => ACTIVE_STATUSES.includes(f.status) });
        } catch (err) {
          // The new value is in place; the old one's row keeps its record state and the janitor removes it later.
          this.log.warn({ challenge: old.id, fqdn, err: (err as Error).message }, 'acme-dns: could not remove a replaced value; the janitor will retry');
        }
      }
    });
  }
}
