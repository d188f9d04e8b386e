// Client tokens on the wire: never the token itself, except once in the reply that creates it.
import { z } from 'zod';
import { DOOR_TSIG_ALGORITHMS, type ClientTokenInput, type ClientTokenStore } from '../../clients/tokens.js';
import type { ClientTokenRow } from '../../db/schema.js';
import { parseAllowFrom } from '../../security/cidr.js';
import { domainName } from '../../sites/store.js';
import { instant, iso, managedBy, success } from './common.js';

/**
 * Left out or null: any network, as `providers: null` is any provider. An empty list is refused rather than read
 * as either "any" or "none", which an operator could expect equally.
 */
const cidrs = z
  .array(z.string().max(64))
  .min(1, 'list at least one range, or leave allowed_cidrs out (or null) for any network')
  .max(100)
  .transform((v, ctx) => parseAllowFrom(v) ?? (ctx.addIssue({ code: 'custom', message: 'every entry must be a CIDR range such as 10.0.0.0/8 or 2001:db8::/32' }), z.NEVER))
  .nullable()
  .default(null);

export const clientTokenInputSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'expected 1-64 letters, digits, dot, hyphen or underscore'),
    allowed_domains: z.array(domainName).min(1).max(100),
    allowed_cidrs: cidrs,
    providers: z.array(z.uuid()).min(1).max(100).nullable().default(null),
    expires_at: z.iso.datetime({ offset: true }).nullable().default(null),
    tsig_algorithm: z.enum(DOOR_TSIG_ALGORITHMS).optional()
      .describe('also make a TSIG key for the DNS UPDATE door (docs/dns-update.md); its secret is in the creating reply only'),
  })
  .strict();

export function clientTokenInput(body: z.infer<typeof clientTokenInputSchema>): ClientTokenInput {
  return {
    name: body.name, allowedDomains: body.allowed_domains, allowedCidrs: body.allowed_cidrs, providerIds: body.providers,
    expiresAt: body.expires_at === null ? null : new Date(body.expires_at),
    ...(body.tsig_algorithm ? { tsigAlgorithm: body.tsig_algorithm } : {}),
  };
}

export const clientTokenSchema = z.strictObject({
  id: z.uuid(),
  name: z.string(),
  allowed_domains: z.array(z.string()),
  allowed_cidrs: z.array(z.string()).nullable().describe('null: any network'),
  providers: z.array(z.uuid()).nullable().describe('null: any provider'),
  expires_at: instant.nullable(),
  revoked_at: instant.nullable(),
  managed_by: managedBy.describe('the config file (DNS01_CONFIG) that declares this token, or `caddy-sync` for the Caddy sync\'s own token; the API then refuses to revoke it. null: made through the API'),
  created_at: instant,
  state: z.enum(['active', 'expired', 'revoked']),
  tsig_key: z.strictObject({ name: z.string(), algorithm: z.enum(DOOR_TSIG_ALGORITHMS) }).nullable()
    .describe('the TSIG key the DNS UPDATE door takes from this client (never its secret); null: none'),
});
export type ClientTokenView = z.infer<typeof clientTokenSchema>;

/** `key`: the token's TSIG key (ClientTokenStore.tsigKeysOf), null when it has none. */
export function clientTokenView(row: ClientTokenRow, key: ClientTokenView['tsig_key']): ClientTokenView {
  const state = row.revokedAt ? 'revoked' : row.expiresAt && row.expiresAt.getTime() <= Date.now() ? 'expired' : 'active';
  return {
    id: row.id,
    name: row.name,
    allowed_domains: row.allowedDomains,
    // Stored as [] (allowedFrom's "any address"), shown as null like `providers`.
    allowed_cidrs: row.allowedCidrs.length > 0 ? row.allowedCidrs : null,
    providers: row.providerIds,
    expires_at: iso(row.expiresAt),
    revoked_at: iso(row.revokedAt),
    managed_by: row.managedBy,
    created_at: iso(row.createdAt),
    state,
    tsig_key: key,
  };
}

/** Rows as the API shows them, each with its TSIG key's name and algorithm (one query for all of them). */
export async function clientTokenViews(store: Pick<ClientTokenStore, 'tsigKeysOf'>, rows: ClientTokenRow[]): Promise<ClientTokenView[]> {
  const keys = await store.tsigKeysOf(rows.map((r) => r.id));
  return rows.map((r) => clientTokenView(r, keys.get(r.id) ?? null));
}

export const clientTokenReplySchema = z.strictObject({ success, client_token: clientTokenSchema });
const tsigKeySchema = z.strictObject({
  name: z.string().describe('`<token name>.dns01-proxy.`, lower case (a key declared in the config file may have its own)'),
  algorithm: z.enum(DOOR_TSIG_ALGORITHMS),
  secret: z.string().describe('base64: shown in this reply only'),
});
export const clientTokenCreatedReplySchema = clientTokenReplySchema.extend({
  token: z.string().describe('the secret: shown in this reply only'),
  tsig_key: tsigKeySchema.optional().describe('only when `tsig_algorithm` was given'),
});

/** `POST /api/v1/client-tokens/{id}/tsig-key`: a new secret for the token's key, or a first key. */
export const tsigKeyInputSchema = z
  .object({
    tsig_algorithm: z.enum(DOOR_TSIG_ALGORITHMS).optional()
      .describe('the new key\'s algorithm; left out: the current key\'s (required when the token has no key yet)'),
  })
  .strict();
export const tsigKeyReplySchema = clientTokenReplySchema.extend({ tsig_key: tsigKeySchema.describe('the key with its new secret: shown in this reply only') });
export const tsigKeyDeletedReplySchema = clientTokenReplySchema.extend({ deleted_tsig_key: z.string().describe('the name of the key removed') });
export const clientTokenListReplySchema = z.strictObject({ success, client_tokens: z.array(clientTokenSchema) });
