// The JSON bodies the webhook provider sends, and reading the far side's `{success, message, record_id}` reply.
import { isAtOrBelow, normaliseName } from '../../dns/names.js';
import { AppError } from '../../errors.js';
import type { RecordRequest } from '../../plugin-api/index.js';
import { farSideMessage } from './client.js';

export type WebhookAction = 'create' | 'delete';

/**
 * The name relative to its zone (`_acme-challenge.www` for zone `example.com`, `@` at the apex); null when the zone
 * is unknown or does not hold the name. No guessing from the labels: that is wrong under suffixes such as `co.uk`.
 */
export function subdomainOf(fqdn: string, zone?: string): string | null {
  const name = normaliseName(fqdn);
  const z = zone === undefined ? '' : normaliseName(zone);
  if (!z || !isAtOrBelow(name, z)) return null;
  return name === z ? '@' : name.slice(0, -(z.length + 1));
}

/** `domain` is the name being validated (RecordRequest.domain); `zone` is the daemon's (null when unknown). */
export function recordPayload(action: WebhookAction, req: RecordRequest, now = new Date()): Record<string, unknown> {
  return {
    action,
    fqdn: req.fqdn,
    domain: req.domain,
    zone: req.zone ?? null,
    subdomain: subdomainOf(req.fqdn, req.zone),
    value: req.value,
    ttl: req.ttl,
    request_id: req.challengeId,
    timestamp: now.toISOString(),
    // delete carries the value as well, so the far side removes only this one of possibly several values.
    ...(action === 'delete' ? { record_id: req.recordId ?? null } : {}),
  };
}

/** Reads a 2xx reply of create/delete: it must be JSON with `success: true`; returns the far side's record_id. */
export function parseReply(text: string, status: number, host: string, action: string, secrets: readonly string[]): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new AppError('WEBHOOK_FAILED', `webhook ${host} answered HTTP ${status} without a JSON object`, {
      details: { host, action, status },
      logDetail: farSideMessage(text, secrets),
    });
  }
  const reply = parsed as { success?: unknown; record_id?: unknown };
  if (reply.success !== true) {
    // A 2xx that says "not done" is the endpoint's answer about this request; trouble of its own is a 5xx.
    throw new AppError('WEBHOOK_FAILED', `webhook ${host} reported failure for ${action}`, {
      delivery: 'refused',
      details: { host, action, status, success: reply.success ?? null },
      logDetail: farSideMessage(text, secrets),
    });
  }
  const id = reply.record_id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : null;
}
