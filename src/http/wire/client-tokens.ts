// Client tokens on the wire: never the token itself, except once in the reply that creates it.
import { z } from 'zod';
import type { ClientTokenRow } from '../../db/schema.js';
import { instant, iso, success } from './common.js';

export const clientTokenSchema = z.strictObject({
  id: z.uuid(),
  name: z.string(),
  allowed_domains: z.array(z.string()),
  allowed_cidrs: z.array(z.string()).nullable().describe('null: any network'),
  providers: z.array(z.uuid()).nullable().describe('null: any provider'),
  expires_at: instant.nullable(),
  revoked_at: instant.nullable(),
  created_at: instant,
  state: z.enum(['active', 'expired', 'revoked']),
});
export type ClientTokenView = z.infer<typeof clientTokenSchema>;

export function clientTokenView(row: ClientTokenRow): ClientTokenView {
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
    created_at: iso(row.createdAt),
    state,
  };
}

export const clientTokenReplySchema = z.strictObject({ success, client_token: clientTokenSchema });
export const clientTokenCreatedReplySchema = clientTokenReplySchema.extend({ token: z.string().describe('the secret: shown in this reply only') });
export const clientTokenListReplySchema = z.strictObject({ success, client_tokens: z.array(clientTokenSchema) });
