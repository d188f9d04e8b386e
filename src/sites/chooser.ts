// Picks the provider for a challenge name the client did not tie to one: the most specific enabled site, else the default.
import { AppError } from '../errors.js';
import { domainOf } from '../challenges/names.js';
import type { ProviderStore } from '../providers/store.js';
import type { SiteIndex } from './name-index.js';

/** The ProviderChooser of the internal routes, by the sites table (through its index, sites/name-index.ts). */
export class SiteProviderChooser {
  constructor(private readonly index: SiteIndex, private readonly providers: ProviderStore) {}

  async forFqdn(fqdn: string): Promise<string> {
    const chosen = await this.index.providerFor(domainOf(fqdn));
    if (chosen !== null) return chosen;
    const fallback = await this.providers.getDefault();
    if (!fallback) throw new AppError('PROVIDER_NOT_FOUND', 'no site covers this name and no default provider is set');
    return fallback.id;
  }
}
