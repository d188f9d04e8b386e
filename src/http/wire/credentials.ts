// A provider's zone-specific credentials on the wire: masked like the provider's own, with their call statistics.
import { z } from 'zod';
import type { ProviderCredentialRow } from '../../db/schema.js';
import type { CredentialInput, CredentialPatch } from '../../providers/zone-credentials.js';
import type { PublicCredentials } from '../../providers/mask.js';
import type { CallStats } from '../../providers/stats.js';
import { instant, iso, success } from './common.js';
import { maskedSchema, maskedView, statsSchema, statsView } from './providers.js';

const fields = {
  label: z.string().trim().min(1).max(100).regex(/^[^\p{Cc}]+$/u, 'no control characters'),
  zone_filter: z.string().max(4000),
  enabled: z.boolean(),
  credentials: z.record(z.string(), z.unknown()),
  propagation_timeout: z.number().int().min(1).max(86_400),
  polling_interval: z.number().int().min(1).max(3600),
};

/** docs/api.md's writable fields; the timeouts default to 120 s and 5 s. */
export const credentialInputSchema = z
  .object({
    ...fields,
    zone_filter: fields.zone_filter.default(''),
    enabled: fields.enabled.default(true),
    credentials: fields.credentials.default({}),
    propagation_timeout: fields.propagation_timeout.default(120),
    polling_interval: fields.polling_interval.default(5),
  })
  .strict();
// No defaults: a field left out of a PUT keeps its stored value.
export const credentialPatchSchema = z.object(fields).partial().strict();

export function credentialInput(body: z.infer<typeof credentialInputSchema>): CredentialInput {
  return {
    label: body.label, zoneFilter: body.zone_filter, enabled: body.enabled, credentials: body.credentials,
    propagationTimeout: body.propagation_timeout, pollingInterval: body.polling_interval,
  };
}

/** Only the fields the body names: one left out keeps its stored value. */
export function credentialPatch(body: z.infer<typeof credentialPatchSchema>): CredentialPatch {
  const patch: CredentialPatch = {};
  if (body.label !== undefined) patch.label = body.label;
  if (body.zone_filter !== undefined) patch.zoneFilter = body.zone_filter;
  if (body.enabled !== undefined) patch.enabled = body.enabled;
  if (body.credentials !== undefined) patch.credentials = body.credentials;
  if (body.propagation_timeout !== undefined) patch.propagationTimeout = body.propagation_timeout;
  if (body.polling_interval !== undefined) patch.pollingInterval = body.polling_interval;
  return patch;
}

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
