// Challenges on the wire: the row as the internal API shows it, the operator's fuller view, and the replies that carry them.
import { z } from 'zod';
import type { ChallengeEntry } from '../../challenges/listing.js';
import { CHALLENGE_STATUSES, RECORD_STATES, type ChallengeRow } from '../../db/schema.js';
import { instant, iso, success } from './common.js';

export const challengeSchema = z.strictObject({
  id: z.uuid(),
  provider_id: z.uuid(),
  credential_id: z.uuid().nullable(),
  fqdn: z.string().describe('where the TXT value is written: the name asked for, or the end of its CNAME chain'),
  delegated_from: z.string().nullable().describe('the name the client asked for when a CNAME delegated it to `fqdn`; null otherwise'),
  zone: z.string().nullable(),
  value: z.string(),
  status: z.enum(CHALLENGE_STATUSES),
  record_state: z.enum(RECORD_STATES),
  attempts: z.number().int(),
  cleanup_attempts: z.number().int(),
  error: z.string().nullable(),
  created_at: instant,
  updated_at: instant,
  expires_at: instant,
  verified_at: instant.nullable(),
  completed_at: instant.nullable(),
});
export type ChallengeView = z.infer<typeof challengeSchema>;

export function challengeView(row: ChallengeRow): ChallengeView {
  return {
    id: row.id, provider_id: row.providerId, credential_id: row.credentialId, fqdn: row.fqdn, delegated_from: row.delegatedFrom, zone: row.zone, value: row.value, status: row.status,
    record_state: row.recordState, attempts: row.attempts, cleanup_attempts: row.cleanupAttempts, error: row.error,
    created_at: iso(row.createdAt), updated_at: iso(row.updatedAt), expires_at: iso(row.expiresAt),
    verified_at: iso(row.verifiedAt), completed_at: iso(row.completedAt),
  };
}

const serverCheck = z.strictObject({ server: z.string(), seen: z.boolean(), error: z.string().optional() });
export const serversSchema = z.array(serverCheck);

/** An operator's view: the row, its provider, the TTL it was written with, the time left and the last propagation check. */
export const challengeDetailSchema = challengeSchema.extend({
  provider_name: z.string(),
  provider_type: z.string(),
  ttl: z.number().int().nullable().describe('null when the provider\'s type is no longer loaded'),
  time_remaining_seconds: z.number().int(),
  last_check: z.strictObject({
    at: instant,
    visible: z.boolean(),
    zone: z.string().optional(),
    target: z.string().optional(),
    servers: serversSchema,
    resolver: z.string().optional().describe('the resolvers the zone and its name servers were asked of, with where they come from (`DNS01_DNS_RESOLVERS` or the system\'s)'),
    error: z.string().optional().describe('why the check itself failed; names the resolvers asked and the setting that changes them'),
  }).nullable(),
});
export type ChallengeDetail = z.infer<typeof challengeDetailSchema>;

export function challengeDetail({ row, provider, ttl, remainingMs }: ChallengeEntry): ChallengeDetail {
  return {
    ...challengeView(row),
    provider_name: provider.name,
    provider_type: provider.providerType,
    ttl,
    time_remaining_seconds: Math.floor(remainingMs / 1000),
    last_check: row.lastCheckAt ? { at: iso(row.lastCheckAt), ...(row.lastCheck ?? { visible: false, servers: [] }) } : null,
  };
}

export const challengeListReplySchema = z.strictObject({
  success, challenges: z.array(challengeDetailSchema), next_cursor: z.string().nullable().describe('pass as `cursor` for the next (older) page'),
});
export const challengeDetailReplySchema = z.strictObject({ success, challenge: challengeDetailSchema });

// The internal API's replies.
export const challengeReplySchema = z.strictObject({ success, challenge: challengeSchema });
export const createdReplySchema = z.strictObject({ success, challenge_id: z.uuid(), status: z.enum(CHALLENGE_STATUSES) });
/** acmeproxy's echo: the request's own values, as sent. */
export const acmeproxyEchoSchema = z.union([
  z.strictObject({ fqdn: z.string(), value: z.string() }),
  z.strictObject({ domain: z.string(), token: z.string().optional(), keyAuth: z.string() }),
]);
