// Audit hooks for the HTTP layer: each request's scope (peer, user agent, actor) and `audited`, which records an admin change.
import type { Context, MiddlewareHandler } from 'hono';
import { withAuditScope } from '../audit/context.js';
import { NO_AUDIT, type AuditCategory, type AuditSink } from '../audit/writer.js';
import { isAppError } from '../errors.js';
import { sourceAddress } from './peer.js';

declare module 'hono' {
  interface ContextVariableMap {
    /** The daemon's audit writer, set for every request by auditScope. */
    audit: AuditSink;
    /** What a handler tells `audited` about the resource it changed. */
    audited: { id?: string | null; details?: Record<string, unknown> };
  }
}

/** Every request runs in an audit scope: actor `anonymous` until an auth check names it. */
export function auditScope(sink: AuditSink): MiddlewareHandler {
  return (c, next) => {
    c.set('audit', sink);
    return withAuditScope({ actor: 'anonymous', sourceIp: sourceAddress(c), userAgent: c.req.header('user-agent') ?? '' }, next);
  };
}

export function auditOf(c: Context): AuditSink {
  return (c.get('audit') as AuditSink | undefined) ?? NO_AUDIT;
}

/** The resource id and details for the `audited` event of this request (a handler calls it once it knows them). */
export function noteAudit(c: Context, note: { id?: string | null; details?: Record<string, unknown> }): void {
  c.set('audited', note);
}

/**
 * Records `action` after the handler answered: `success` for a 2xx/3xx, `denied` for a 401/403, `failure` otherwise
 * (with the error code), and `failure` for an error answered with a redirect (the operator page's). The resource id is
 * what the handler noted, else the route's `:<idParam>`.
 */
export function audited(action: string, category: AuditCategory, resourceType: string = category, idParam = 'id'): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const note = (c.get('audited') as { id?: string | null; details?: Record<string, unknown> } | undefined) ?? {};
    // A noted id, even null, wins over `:id` (under /dns-providers/:id/credentials that is the provider, not the resource).
    const resourceId = 'id' in note ? note.id : c.req.param(idParam);
    const status = c.res.status;
    const code = isAppError(c.error) ? c.error.code : c.error ? 'INTERNAL_ERROR' : undefined;
    auditOf(c).record({
      action, category, resourceType,
      resourceId: resourceId ?? null,
      outcome: status < 400 && !c.error ? 'success' : status === 401 || status === 403 ? 'denied' : 'failure',
      details: { ...note.details, ...(code ? { code } : {}) },
    });
  };
}
