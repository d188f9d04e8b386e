// A provider's zone-specific credentials on the wire: masked like the provider's own, with their call statistics.
import { z } from 'zod';
import type { ProviderCredentialRow } from '../../db/schema.js';
import type { PublicCredentials } from '../../providers/mask.js';
import type { CallStats } from '../../providers/stats.js';
import { instant, iso, success } from './common.js';
import { maskedSchema, maskedView, statsSchema, statsView } from './providers.js';

export const credentialSchema = z.strictObject({
  id: z.uuid(),
  dns_provider_id: z.uuid(),
  label: z.string(),
  zone_filter: z.string(),
  enabled: z.boolean(),
  propagation_timeout: z.number().int(),
  polling_interval: z.number().int(),
  ...maskedSchema,
  key_version: z.string(),
  ...statsSchema.shape,
  created_at: instant,
  updated_at: instant,
});

export function credentialView(row: ProviderCredentialRow, masked: PublicCredentials, stats: CallStats): z.infer<typeof credentialSchema> {
  return {
    id: row.id, dns_provider_id: row.providerId, label: row.label, zone_filter: row.zoneFilter, enabled: row.enabled,
    propagation_timeout: row.propagationTimeout, polling_interval: row.pollingInterval, ...maskedView(masked),
    key_version: row.keyVersion, ...statsView(stats), created_at: iso(row.createdAt), updated_at: iso(row.updatedAt),
  };
}

export const credentialReplySchema = z.strictObject({ success, credential: credentialSchema });
export const credentialListReplySchema = z.strictObject({ success, credentials: z.array(credentialSchema) });
