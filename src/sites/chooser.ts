// Picks the provider for a challenge name the client did not tie to one: the most specific enabled site, else the default.
import { eq } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { sites } from '../db/schema.js';
import { AppError } from '../errors.js';
import { domainOf } from '../challenges/names.js';
import { coverage } from '../dns/names.js';
import type { ProviderStore } from '../providers/store.js';

/** The ProviderChooser of the internal routes, by the sites table. */
export class SiteProviderChooser {
  constructor(private readonly database: Database, private readonly providers: ProviderStore) {}

  async forFqdn(fqdn: string): Promise<string> {
    const domain = domainOf(fqdn);
    const rows = await this.database.db.select().from(sites).where(eq(sites.enabled, true));
    let best: { score: number; providerId: string } | null = null;
    for (const site of rows) {
      for (const name of site.domainNames) {
        const score = coverage(name, domain);
        if (score >= 0 && (!best || score > best.score)) best = { score, providerId: site.dnsProviderId };
      }
    }
    if (best) return best.providerId;
    const fallback = await this.providers.getDefault();
    if (!fallback) throw new AppError('PROVIDER_NOT_FOUND', 'no site covers this name and no default provider is set');
    return fallback.id;
  }
}
