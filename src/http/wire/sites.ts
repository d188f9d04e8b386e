// Sites on the wire: a site's reply and the replies that carry one or all.
import { z } from 'zod';
import type { SiteRow } from '../../db/schema.js';
import { instant, iso, success } from './common.js';

export const siteSchema = z.strictObject({
  id: z.uuid(),
  domain_names: z.array(z.string()),
  dns_provider_id: z.uuid(),
  enabled: z.boolean(),
  created_at: instant,
  updated_at: instant,
});

export function siteView(row: SiteRow): z.infer<typeof siteSchema> {
  return {
    id: row.id, domain_names: row.domainNames, dns_provider_id: row.dnsProviderId, enabled: row.enabled,
    created_at: iso(row.createdAt), updated_at: iso(row.updatedAt),
  };
}

export const siteReplySchema = z.strictObject({ success, site: siteSchema });
export const siteListReplySchema = z.strictObject({ success, sites: z.array(siteSchema) });
