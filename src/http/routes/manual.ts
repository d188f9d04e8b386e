// Admin API for manual challenges: status, poll, verify now, cancel, and the list of pending ones.
import { Hono } from 'hono';
import { remainingMs, type ManualChallenge, type ManualChallenges, type VerifyOutcome } from '../../challenges/manual.js';
import type { ChallengeStatus } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { audited, noteAudit } from '../audit.js';
import { described } from '../openapi.js';

/** The words of docs/manual.md#admin-api: a person reads these, so "verified" covers both seen and seen-then-cleaned-up. */
const STATUS: Record<ChallengeStatus, string> = {
  CREATED: 'pending', PENDING: 'pending', VERIFYING: 'verified', VERIFIED: 'verified', DELETED: 'deleted', EXPIRED: 'expired', FAILED: 'failed',
};

export function manualStatus(m: ManualChallenge): string {
  return STATUS[m.row.status];
}

export function manualView(m: ManualChallenge, now = Date.now()): Record<string, unknown> {
  const { row } = m;
  return {
    id: row.id, provider_id: row.providerId, status: manualStatus(m), fqdn: row.fqdn, record_type: 'TXT', value: row.value, ttl: m.ttl,
    created_at: row.createdAt.toISOString(), expires_at: row.expiresAt.toISOString(), last_check_at: row.lastCheckAt?.toISOString() ?? null,
    dns_propagated: row.verifiedAt !== null, time_remaining_seconds: Math.floor(remainingMs(row, now) / 1000),
    ...(m.instructions ? { instructions: m.instructions } : {}),
  };
}

export function pollView(m: ManualChallenge, now = Date.now()): Record<string, unknown> {
  return {
    success: true, status: manualStatus(m), dns_propagated: m.row.verifiedAt !== null,
    time_remaining_seconds: Math.floor(remainingMs(m.row, now) / 1000), last_check_at: m.row.lastCheckAt?.toISOString() ?? null,
  };
}

/** Found: `{success, dns_found, message}`; not (yet): DNS_NOT_PROPAGATED, which is HTTP 200 with `success: false`. */
export function verifyReply(v: VerifyOutcome): Record<string, unknown> {
  if (v.found) return { success: true, dns_found: true, message: 'TXT record verified successfully' };
  const servers = v.result?.servers ?? [];
  const message = v.error
    ? `could not check ${v.challenge.row.fqdn}: ${v.error}`
    : `${v.challenge.row.fqdn} is served by ${servers.filter((s) => s.seen).length} of ${servers.length} authoritative servers; the daemon keeps checking until the challenge expires`;
  return new AppError('DNS_NOT_PROPAGATED', message, {
    details: { challenge_id: v.challenge.row.id, dns_found: false, ...(v.result ? { servers: v.result.servers } : {}) },
  }).toBody();
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

export function manualRoutes(manual: ManualChallenges): Hono {
  const app = new Hono();
  app.get('/manual-challenges', described({
    summary: 'Every pending manual challenge, with its instructions', responses: { 200: '`{success, challenges}`' },
  }), async (c) => c.json({ success: true, challenges: (await manual.pending()).map((m) => manualView(m)) }));

  const base = '/dns-providers/:id/manual-challenge/:challengeId';
  app.get(base, described({
    summary: 'One manual challenge: the record to create and the time left', responses: { 200: '`{success, id, status, fqdn, value, …}`' },
  }), async (c) => c.json({ success: true, ...manualView(await manual.live(c.req.param('challengeId'), c.req.param('id'))) }));
  app.get(`${base}/poll`, described({
    summary: 'Whether the record is seen yet',
    responses: { 200: '`{success, status, dns_propagated, time_remaining_seconds, last_check_at}`' },
  }), async (c) => c.json(pollView(await manual.live(c.req.param('challengeId'), c.req.param('id')))));
  app.post(`${base}/verify`, described({
    summary: 'Check DNS for the record now',
    responses: { 200: '`{success: true, dns_found: true}`, or the `DNS_NOT_PROPAGATED` error body' },
  }), audited('challenge.verify', 'challenge', 'challenge', 'challengeId'), async (c) => {
    // Noted first, so a refused verify names the provider the path did.
    noteAudit(c, { details: { api: 'admin', provider_id: c.req.param('id') } });
    const v = await manual.verify(c.req.param('challengeId'), c.req.param('id'));
    noteAudit(c, { details: { api: 'admin', ...verifyNote(v) } });
    return c.json(verifyReply(v));
  });
  app.delete(base, described({ summary: 'Cancel a manual challenge', responses: { 200: '`{success, id, status}`' } }),
    audited('challenge.cancel', 'challenge', 'challenge', 'challengeId'), async (c) => {
      noteAudit(c, { details: { api: 'admin', provider_id: c.req.param('id') } });
      const done = await manual.cancel(c.req.param('challengeId'), c.req.param('id'));
      noteAudit(c, { details: { api: 'admin', ...cancelNote(done) } });
      return c.json({ success: true, id: done.row.id, status: manualStatus(done) });
    });
  return app;
}
