// The JSON bodies the webhook provider sends, and reading the far side's `{success, message, record_id}` reply.
import { AppError } from '../../errors.js';
import type { RecordRequest } from '../plugin.js';
import { farSideMessage } from './client.js';

export type WebhookAction = 'create' | 'delete';

/**
 * The name relative to its zone (`_acme-challenge.www` for zone `example.com`). Without a known zone the last two
 * labels are taken as the zone, which is wrong for `co.uk`-style suffixes; the far side gets `fqdn` too for that reason.
 */
export function subdomainOf(fqdn: string, zone?: string): string {
  const name = fqdn.toLowerCase().replace(/\.$/, '');
  const z = zone?.toLowerCase().replace(/\.$/, '');
  if (z) {
    if (name === z) return '@';
    if (name.endsWith(`.${z}`)) return name.slice(0, -(z.length + 1));
  }
  const labels = name.split('.');
  return labels.length > 2 ? labels.slice(0, -2).join('.') : '@';
}

/** `domain` is the name being validated (RecordRequest.domain); `zone` is what `subdomain` is relative to. */
export function recordPayload(action: WebhookAction, req: RecordRequest, now = new Date()): Record<string, unknown> {
  const subdomain = subdomainOf(req.fqdn, req.zone);
  const zone = req.zone ?? req.fqdn.split('.').slice(-2).join('.');
  return {
    action,
    fqdn: req.fqdn,
    domain: req.domain,
    zone,
    subdomain,
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
    throw new AppError('WEBHOOK_FAILED', `webhook ${host} reported failure for ${action}`, {
      details: { host, action, status, success: reply.success ?? null },
      logDetail: farSideMessage(text, secrets),
    });
  }
  const id = reply.record_id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : null;
}
