// DNS providers on the wire: the create and change bodies (turned into the store's domain input), the masked reply,
// provider types with their credential fields, and a credential test's result.
import { z } from 'zod';
import type { RegisteredType } from '../../calls/catalogue.js';
import type { TestOutcome } from '../../calls/plugin-calls.js';
import type { ZoneCheck } from '../../challenges/resolvers.js';
import type { DnsProviderRow, ProviderSettings } from '../../db/schema.js';
import type { PublicCredentials } from '../../providers/mask.js';
import type { CallStats } from '../../providers/stats.js';
import type { ProviderInput, ProviderPatch } from '../../providers/store.js';
import { instant, iso, managedBy, success } from './common.js';

const settingsSchema = z
  .object({
    rate_limit_per_minute: z.number().int().min(1).max(10_000).optional(),
    rate_limit_wait_seconds: z.number().int().min(0).max(30).optional(),
    breaker_threshold: z.number().int().min(1).max(1000).optional(),
    breaker_reset_seconds: z.number().int().min(1).max(86_400).optional(),
    ttl: z.number().int().min(1).max(86_400).optional(),
    caddy_mode: z.enum(['native', 'proxied']).optional(),
    wait_for_propagation: z.boolean().optional(),
  })
  .strict();

const providerFields = {
  name: z.string().trim().min(1).max(100).regex(/^[\w .@-]+$/, 'letters, digits, space and _ . @ - only'),
  provider_type: z.string().min(1).max(64),
  credentials: z.record(z.string(), z.unknown()),
  enabled: z.boolean(),
  is_default: z.boolean(),
  propagation_timeout: z.number().int().min(1).max(86_400).nullable(),
  polling_interval: z.number().int().min(1).max(3600).nullable(),
  settings: settingsSchema,
  use_multi_credentials: z.boolean(),
};

export const providerInputSchema = z
  .object({
    ...providerFields,
    credentials: providerFields.credentials.default({}),
    enabled: providerFields.enabled.default(true),
    is_default: providerFields.is_default.default(false),
    propagation_timeout: providerFields.propagation_timeout.optional(),
    polling_interval: providerFields.polling_interval.optional(),
    settings: providerFields.settings.default({}),
    use_multi_credentials: providerFields.use_multi_credentials.default(false),
  })
  .strict();
// No defaults here: a field left out of a PUT keeps its stored value.
export const providerPatchSchema = z.object(providerFields).partial().strict();

function toSettings(s: z.infer<typeof settingsSchema>): ProviderSettings {
  const out: ProviderSettings = {};
  if (s.rate_limit_per_minute !== undefined) out.rateLimitPerMinute = s.rate_limit_per_minute;
  if (s.rate_limit_wait_seconds !== undefined) out.rateLimitWaitSeconds = s.rate_limit_wait_seconds;
  if (s.breaker_threshold !== undefined) out.breakerThreshold = s.breaker_threshold;
  if (s.breaker_reset_seconds !== undefined) out.breakerResetSeconds = s.breaker_reset_seconds;
  if (s.ttl !== undefined) out.ttl = s.ttl;
  if (s.caddy_mode !== undefined) out.caddyMode = s.caddy_mode;
  if (s.wait_for_propagation !== undefined) out.waitForPropagation = s.wait_for_propagation;
  return out;
}

export function providerInput(body: z.infer<typeof providerInputSchema>): ProviderInput {
  return {
    name: body.name, providerType: body.provider_type, credentials: body.credentials, enabled: body.enabled, isDefault: body.is_default,
    propagationTimeout: body.propagation_timeout ?? null, pollingInterval: body.polling_interval ?? null, settings: toSettings(body.settings),
    useMultiCredentials: body.use_multi_credentials,
  };
}

/** Only the fields the body names: one left out keeps its stored value. */
export function providerPatch(body: z.infer<typeof providerPatchSchema>): ProviderPatch {
  const patch: ProviderPatch = {};
  if (body.name !== undefined) patch.name = body.name;
  if (body.provider_type !== undefined) patch.providerType = body.provider_type;
  if (body.credentials !== undefined) patch.credentials = body.credentials;
  if (body.enabled !== undefined) patch.enabled = body.enabled;
  if (body.is_default !== undefined) patch.isDefault = body.is_default;
  if (body.propagation_timeout !== undefined) patch.propagationTimeout = body.propagation_timeout;
  if (body.polling_interval !== undefined) patch.pollingInterval = body.polling_interval;
  if (body.settings !== undefined) patch.settings = toSettings(body.settings);
  if (body.use_multi_credentials !== undefined) patch.useMultiCredentials = body.use_multi_credentials;
  return patch;
}

/** A provider's (or a zone-specific credential's) call statistics, with what this process has not written yet. */
export const statsSchema = z.strictObject({
  success_count: z.number().int(), failure_count: z.number().int(), last_used_at: instant.nullable(), last_error: z.string().nullable(),
});

/** Secret fields, and keys the plugin does not describe, are `********`; `{}` and false when no configured key opens them. */
export const maskedSchema = {
  credentials: z.record(z.string(), z.unknown()),
  credentials_readable: z.boolean(),
};

export function maskedView(masked: PublicCredentials): { credentials: Record<string, unknown>; credentials_readable: boolean } {
  return masked ? { credentials: masked, credentials_readable: true } : { credentials: {}, credentials_readable: false };
}

export function statsView(s: CallStats): z.infer<typeof statsSchema> {
  return { success_count: s.successCount, failure_count: s.failureCount, last_used_at: iso(s.lastUsedAt), last_error: s.lastError };
}

export const providerSchema = z.strictObject({
  id: z.uuid(),
  name: z.string(),
  provider_type: z.string(),
  enabled: z.boolean(),
  is_default: z.boolean(),
  propagation_timeout: z.number().int().nullable(),
  polling_interval: z.number().int().nullable(),
  // Every key is there; one the provider leaves unset is absent from the JSON text (undefined).
  settings: settingsSchema,
  use_multi_credentials: z.boolean(),
  ...maskedSchema,
  key_version: z.string(),
  ...statsSchema.shape,
  managed_by: managedBy,
  created_at: instant,
  updated_at: instant,
});
export type ProviderView = z.infer<typeof providerSchema>;

/** The API view: `masked` is the store's masked credentials (null: unreadable), `stats` the row's counts with unwritten ones. */
export function providerView(row: DnsProviderRow, masked: PublicCredentials, stats: CallStats): ProviderView {
  const s = row.settings;
  return {
    id: row.id, name: row.name, provider_type: row.providerType, enabled: row.enabled, is_default: row.isDefault,
    propagation_timeout: row.propagationTimeout, polling_interval: row.pollingInterval,
    settings: {
      rate_limit_per_minute: s.rateLimitPerMinute, rate_limit_wait_seconds: s.rateLimitWaitSeconds, breaker_threshold: s.breakerThreshold,
      breaker_reset_seconds: s.breakerResetSeconds, ttl: s.ttl, caddy_mode: s.caddyMode, wait_for_propagation: s.waitForPropagation,
    },
    use_multi_credentials: row.useMultiCredentials, ...maskedView(masked),
    key_version: row.keyVersion, ...statsView(stats), managed_by: row.managedBy,
    created_at: iso(row.createdAt), updated_at: iso(row.updatedAt),
  };
}

export const providerReplySchema = z.strictObject({ success, provider: providerSchema });
export const providerListReplySchema = z.strictObject({ success, providers: z.array(providerSchema) });
export const providerDeletedReplySchema = z.strictObject({
  success, status: z.literal('deleted'),
  records_possibly_left: z.array(z.strictObject({ fqdn: z.string(), value: z.string() })).optional()
    .describe('with force=true: records the provider may have left in DNS, to remove by hand'),
});

export const testOutcomeSchema = z.union([
  z.strictObject({ tested: z.literal(true), ok: z.boolean(), message: z.string() }),
  z.strictObject({ tested: z.literal(false), reason: z.string() }),
]);
export const zoneCheckSchema = z.strictObject({
  ok: z.boolean(),
  resolver: z.string().describe('the resolvers asked, with where they come from (`DNS01_DNS_RESOLVERS` or the system\'s)'),
  message: z.string(),
}).describe('whether the zone the credentials name is found (its SOA) through the resolvers the propagation checker asks');
export const testReplySchema = z.strictObject({ success, result: testOutcomeSchema, zone_check: zoneCheckSchema.optional() });

export function testReply(result: TestOutcome, zoneCheck?: ZoneCheck): z.infer<typeof testReplySchema> {
  return { success: true, result, ...(zoneCheck ? { zone_check: zoneCheck } : {}) };
}

export const fieldSchema = z.strictObject({
  name: z.string(),
  label: z.string(),
  type: z.enum(['text', 'password', 'textarea', 'select', 'number', 'boolean']),
  required: z.boolean(),
  secret: z.boolean(),
  default: z.unknown(),
  placeholder: z.string().nullable(),
  hint: z.string().nullable(),
  options: z.array(z.strictObject({ value: z.string(), label: z.string() })).readonly().optional(),
});

export const providerTypeSchema = z.strictObject({
  type: z.string(),
  name: z.string(),
  description: z.string(),
  is_built_in: z.boolean().describe('true: Caddy has a module of its own for this type'),
  category: z.enum(['built_in', 'custom', 'plugin']),
  documentation_url: z.string().nullable(),
  interface_version: z.number().int(),
  version: z.string(),
  author: z.string(),
  fields: z.array(fieldSchema).readonly(),
  proxied: z.boolean().describe('true: the daemon writes the records (Caddy sends challenges to it); false: Caddy\'s own module does'),
  defaults: z.strictObject({ propagationTimeout: z.number(), pollingInterval: z.number(), ttl: z.number() }),
  can_test: z.boolean(),
});

/** docs/api.md's type object, with what this daemon adds after `fields`. */
export function providerTypeView({ plugin: p, category, fields }: RegisteredType): z.infer<typeof providerTypeSchema> {
  const m = p.metadata;
  return {
    type: m.type, name: m.name, description: m.description, is_built_in: category === 'built_in', category,
    documentation_url: m.documentationUrl ?? null, interface_version: m.interfaceVersion, version: m.version, author: m.author,
    fields,
    proxied: Boolean(p.present), defaults: p.defaults, can_test: Boolean(p.test),
  };
}

export const typeListReplySchema = z.strictObject({ success, types: z.array(providerTypeSchema) });
export const typeFieldsReplySchema = z.strictObject({ success, type: z.string(), fields: z.array(fieldSchema).readonly() });
