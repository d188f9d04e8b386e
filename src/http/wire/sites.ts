// Sites on the wire: a site's reply and the replies that carry one or all.
import { z } from 'zod';
import type { SiteRow } from '../../db/schema.js';
import { domainName, type SiteInput, type SitePatch } from '../../sites/store.js';
import { instant, iso, managedBy, success } from './common.js';

const siteFields = {
  domain_names: z.array(domainName).min(1).max(100),
  dns_provider_id: z.uuid(),
  enabled: z.boolean(),
};
export const siteInputSchema = z.object({ ...siteFields, enabled: siteFields.enabled.default(true) }).strict();
export const sitePatchSchema = z.object(siteFields).partial().strict();

export function siteInput(body: z.infer<typeof siteInputSchema>): SiteInput {
  return { domainNames: body.domain_names, dnsProviderId: body.dns_provider_id, enabled: body.enabled };
}

/** Only the fields the body names: one left out keeps its stored value. */
export function sitePatch(body: z.infer<typeof sitePatchSchema>): SitePatch {
  const patch: SitePatch = {};
  if (body.domain_names !== undefined) patch.domainNames = body.domain_names;
  if (body.dns_provider_id !== undefined) patch.dnsProviderId = body.dns_provider_id;
  if (body.enabled !== undefined) patch.enabled = body.enabled;
  return patch;
}

export const siteSchema = z.strictObject({
  id: z.uuid(),
  domain_names: z.array(z.string()),
  dns_provider_id: z.uuid(),
  enabled: z.boolean(),
  managed_by: managedBy,
  created_at: instant,
  updated_at: instant,
});

export function siteView(row: SiteRow): z.infer<typeof siteSchema> {
  return {
    id: row.id, domain_names: row.domainNames, dns_provider_id: row.dnsProviderId, enabled: row.enabled, managed_by: row.managedBy,
    created_at: iso(row.createdAt), updated_at: iso(row.updatedAt),
  };
}

export const siteReplySchema = z.strictObject({ success, site: siteSchema });
export const siteListReplySchema = z.strictObject({ success, sites: z.array(siteSchema) });
