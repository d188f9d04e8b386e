// acme-dns on top of the challenge lifecycle: registration picks a provider, each update is a challenge, two stay live.
import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Database } from '../db/client.js';
import { ACTIVE_STATUSES, challenges, type AcmeDnsRegistrationRow, type DnsProviderRow } from '../db/schema.js';
import { AppError } from '../errors.js';
import type { ChallengeService } from '../challenges/service.js';
import type { PluginCatalogue } from '../calls/catalogue.js';
import type { ProviderStore } from '../providers/store.js';
import { AcmeDnsAccounts, type NewAccount } from './accounts.js';

/** acme-dns keeps two TXT values per subdomain: wildcard + apex validate at once through one CNAME. */
export const LIVE_VALUES = 2;

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
  ) {
    this.accounts = new AcmeDnsAccounts(database);
  }

  fulldomain(row: AcmeDnsRegistrationRow): string {
    return `${row.subdomain}.${this.domain}`;
  }

  /** `provider` is a provider id or name; without it, the default provider. It must be one the daemon drives. */
  async register(provider: string | undefined, allowFrom: string[]): Promise<NewAccount> {
    const row = await this.chooseProvider(provider);
    if (!row.enabled) throw new AppError('PROVIDER_DISABLED', `provider ${row.name} is disabled`);
    if (!this.registry.plugin(row.providerType).present) {
      throw new AppError('PROVIDER_NOT_AUTOMATED', `provider type ${row.providerType} is solved by Caddy itself; acme-dns needs a provider the daemon drives`);
    }
    const account = await this.accounts.create(row.id, allowFrom);
    this.log.info({ username: account.row.username, subdomain: account.row.subdomain, provider: row.name, allowfrom: allowFrom }, 'acme-dns account registered');
    return account;
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
