// Sites: the domains that need DNS-01 certificates and which provider serves them.
import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../db/client.js';
import { sites, type SiteRow } from '../db/schema.js';
import { isHostname, normaliseName } from '../dns/names.js';
import { AppError } from '../errors.js';
import { assertWritable, type Writer } from '../providers/managed.js';
import type { ProviderStore } from '../providers/store.js';

/** A certificate name: `example.com` or `*.example.com`, lower-case, no trailing dot (RFC 1035 limits). */
export const domainName = z
  .string()
  .max(254)
  .transform((s) => normaliseName(s.trim()))
  .refine((s) => s.length <= 253 && isHostname(s.startsWith('*.') ? s.slice(2) : s, 2), 'expected a domain name such as example.com or *.example.com');

/** A site as the store takes it (src/http/wire/sites.ts turns the API's body into this). */
export interface SiteInput {
  domainNames: string[];
  dnsProviderId: string;
  enabled: boolean;
}
/** A change: a field left out keeps its stored value. */
export type SitePatch = Partial<SiteInput>;

export class SiteStore {
  constructor(
    private readonly database: Database,
    private readonly providers: ProviderStore,
    private readonly onChange: () => void = () => {},
  ) {}

  async list(): Promise<SiteRow[]> {
    return this.database.db.select().from(sites).orderBy(asc(sites.createdAt), asc(sites.id));
  }

  async get(id: string): Promise<SiteRow> {
    if (!z.uuid().safeParse(id).success) throw new AppError('NOT_FOUND', 'no site with that id');
    const [row] = await this.database.db.select().from(sites).where(eq(sites.id, id));
    if (!row) throw new AppError('NOT_FOUND', 'no site with that id');
    return row;
  }

  async create(input: SiteInput, by: Writer = {}): Promise<SiteRow> {
    await this.providers.get(input.dnsProviderId);
    const [row] = await this.database.db
      .insert(sites)
      .values({ domainNames: [...new Set(input.domainNames)].sort(), dnsProviderId: input.dnsProviderId, enabled: input.enabled, managedBy: by.managedBy ?? null })
      .returning();
    this.onChange();
    return row!;
  }

  async update(id: string, patch: SitePatch, by: Writer = {}): Promise<SiteRow> {
    const current = await this.get(id);
    assertWritable(current, `site ${current.domainNames.join(', ')}`, by);
    if (patch.dnsProviderId) await this.providers.get(patch.dnsProviderId);
    const [row] = await this.database.db
      .update(sites)
      .set({
        ...(patch.domainNames ? { domainNames: [...new Set(patch.domainNames)].sort() } : {}),
        ...(patch.dnsProviderId ? { dnsProviderId: patch.dnsProviderId } : {}),
        ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
        ...(by.managedBy !== undefined ? { managedBy: by.managedBy } : {}),
        updatedAt: new Date(),
      })
      .where(eq(sites.id, id))
      .returning();
    this.onChange();
    return row!;
  }

  async remove(id: string, by: Writer = {}): Promise<void> {
    const current = await this.get(id);
    assertWritable(current, `site ${current.domainNames.join(', ')}`, by);
    await this.database.db.delete(sites).where(eq(sites.id, id));
    this.onChange();
  }
}
