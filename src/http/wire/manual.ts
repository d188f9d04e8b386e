// Manual challenges on the wire (docs/manual.md): the record to create, the poll, the verify reply, and the audit notes the
// API and the operator page (src/ui/) both write.
import { z } from 'zod';
import { remainingMs, type ManualChallenge, type VerifyOutcome } from '../../challenges/manual.js';
import type { ChallengeStatus } from '../../db/schema.js';
import { AppError, errorBodySchema } from '../../errors.js';
import { serversSchema } from './challenges.js';
import { instant, iso, success } from './common.js';

/** The words of docs/manual.md: a person reads these, so "verified" covers both seen and seen-then-cleaned-up. */
const STATUS = {
  CREATED: 'pending', PENDING: 'pending', VERIFYING: 'verified', VERIFIED: 'verified', DELETED: 'deleted', EXPIRED: 'expired', FAILED: 'failed',
} as const satisfies Record<ChallengeStatus, string>;
const manualStatusSchema = z.enum(['pending', 'verified', 'deleted', 'expired', 'failed']);
export type ManualStatus = z.infer<typeof manualStatusSchema>;

export function manualStatus(m: ManualChallenge): ManualStatus {
  return STATUS[m.row.status];
}

export const manualChallengeSchema = z.strictObject({
  id: z.uuid(),
  provider_id: z.uuid(),
  status: manualStatusSchema,
  fqdn: z.string(),
  record_type: z.literal('TXT'),
  value: z.string(),
  ttl: z.number().int(),
  created_at: instant,
  expires_at: instant,
  last_check_at: instant.nullable(),
  dns_propagated: z.boolean(),
  time_remaining_seconds: z.number().int(),
  instructions: z.string().optional().describe('the provider\'s notes, when it has any'),
});
export type ManualChallengeView = z.infer<typeof manualChallengeSchema>;

export function manualView(m: ManualChallenge, now = Date.now()): ManualChallengeView {
  const { row } = m;
  return {
    id: row.id, provider_id: row.providerId, status: manualStatus(m), fqdn: row.fqdn, record_type: 'TXT', value: row.value, ttl: m.ttl,
    created_at: iso(row.createdAt), expires_at: iso(row.expiresAt), last_check_at: iso(row.lastCheckAt),
    dns_propagated: row.verifiedAt !== null, time_remaining_seconds: Math.floor(remainingMs(row, now) / 1000),
    ...(m.instructions ? { instructions: m.instructions } : {}),
  };
}

export const manualListReplySchema = z.strictObject({ success, challenges: z.array(manualChallengeSchema) });
export const manualReplySchema = manualChallengeSchema.extend({ success });

export const pollReplySchema = z.strictObject({
  success, status: manualStatusSchema, dns_propagated: z.boolean(), time_remaining_seconds: z.number().int(), last_check_at: instant.nullable(),
});

export function pollView(m: ManualChallenge, now = Date.now()): z.infer<typeof pollReplySchema> {
  return {
    success: true, status: manualStatus(m), dns_propagated: m.row.verifiedAt !== null,
    time_remaining_seconds: Math.floor(remainingMs(m.row, now) / 1000), last_check_at: iso(m.row.lastCheckAt),
  };
}

const verifiedSchema = z.strictObject({ success, dns_found: z.literal(true), message: z.string() });
/** Found, or DNS_NOT_PROPAGATED, which is HTTP 200 with `success: false` (its details: challenge_id, dns_found, servers). */
export const verifyReplySchema = z.union([verifiedSchema, errorBodySchema]);
/** The details of the DNS_NOT_PROPAGATED body of a verify. */
export const notPropagatedDetailsSchema = z.strictObject({ challenge_id: z.uuid(), dns_found: z.literal(false), servers: serversSchema.optional() });

export function verifyReply(v: VerifyOutcome): z.infer<typeof verifyReplySchema> {
  if (v.found) return { success: true, dns_found: true, message: 'TXT record verified successfully' };
  const servers = v.result?.servers ?? [];
  // A failed check's error names the resolvers asked and the setting; a result says which resolver found the zone.
  const found = v.result?.zone && v.challenge.row.lastCheck?.resolver ? ` of ${v.result.zone} (found through ${v.challenge.row.lastCheck.resolver})` : '';
  const message = v.error
    ? `could not check ${v.challenge.row.fqdn}: ${v.error}`
    : `${v.challenge.row.fqdn} is served by ${servers.filter((s) => s.seen).length} of ${servers.length} authoritative servers${found}; the daemon keeps checking until the challenge expires`;
  const details: z.infer<typeof notPropagatedDetailsSchema> = {
    challenge_id: v.challenge.row.id, dns_found: false, ...(v.result ? { servers: v.result.servers } : {}),
  };
  return new AppError('DNS_NOT_PROPAGATED', message, { details }).toBody();
}

export const cancelReplySchema = z.strictObject({ success, id: z.uuid(), status: manualStatusSchema });

export function cancelReply(m: ManualChallenge): z.infer<typeof cancelReplySchema> {
  return { success: true, id: m.row.id, status: manualStatus(m) };
}

/** What the audit event of a verify says: the challenge and what DNS showed (`check_failed`: no server could be asked). */
export function verifyNote(v: VerifyOutcome): Record<string, unknown> {
  const { row } = v.challenge;
  return { provider_id: row.providerId, fqdn: row.fqdn, dns_found: v.found, result: v.found ? 'verified' : v.error ? 'check_failed' : 'not_found' };
}

/** What the audit event of a cancel says: the challenge and the status it ended in. */
export function cancelNote(m: ManualChallenge): Record<string, unknown> {
  return { provider_id: m.row.providerId, fqdn: m.row.fqdn, status: m.row.status };
}
