// Sites: the domains that need DNS-01 certificates and which provider serves them.
import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../db/client.js';
import { sites, type SiteRow } from '../db/schema.js';
import { AppError } from '../errors.js';
import type { ProviderStore } from '../providers/store.js';

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** A certificate name: `example.com` or `*.example.com`, lower-case, no trailing dot (RFC 1035 limits). */
export const domainName = z
  .string()
  .max(254)
  .transform((s) => s.trim().toLowerCase().replace(/\.$/, ''))
  .refine((s) => {
    const labels = (s.startsWith('*.') ? s.slice(2) : s).split('.');
    return s.length <= 253 && labels.length >= 2 && labels.every((l) => LABEL.test(l));
  }, 'expected a domain name such as example.com or *.example.com');

const siteFields = {
  domain_names: z.array(domainName).min(1).max(100),
  dns_provider_id: z.uuid(),
  enabled: z.boolean(),
};
export const siteInputSchema = z.object({ ...siteFields, enabled: siteFields.enabled.default(true) }).strict();
export const sitePatchSchema = z.object(siteFields).partial().strict();

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

  async create(input: z.infer<typeof siteInputSchema>): Promise<SiteRow> {
    await this.providers.get(input.dns_provider_id);
    const [row] = await this.database.db
      .insert(sites)
      .values({ domainNames: [...new Set(input.domain_names)].sort(), dnsProviderId: input.dns_provider_id, enabled: input.enabled })
      .returning();
    this.onChange();
    return row!;
  }

  async update(id: string, patch: z.infer<typeof sitePatchSchema>): Promise<SiteRow> {
    await this.get(id);
    if (patch.dns_provider_id) await this.providers.get(patch.dns_provider_id);
    const [row] = await this.database.db
      .update(sites)
      .set({
        ...(patch.domain_names ? { domainNames: [...new Set(patch.domain_names)].sort() } : {}),
        ...(patch.dns_provider_id ? { dnsProviderId: patch.dns_provider_id } : {}),
        ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
        updatedAt: new Date(),
      })
      .where(eq(sites.id, id))
      .returning();
    this.onChange();
    return row!;
  }

  async remove(id: string): Promise<void> {
    await this.get(id);
    await this.database.db.delete(sites).where(eq(sites.id, id));
    this.onChange();
  }
}
