// Builds the HTTP app: what every request goes through (source, audit scope, metrics, body limit) and the one error
// handler. The URL paths are the composition root's (compose/routes.ts), handed in as `mount`.
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { connectionErrorCode } from '../db/client.js';
import { AppError, isAppError } from '../errors.js';
import type { AuditSink } from '../audit/writer.js';
import type { Metrics } from '../metrics.js';
import { auditScope } from './audit.js';
import { MAX_BODY_BYTES, tooLarge } from './body.js';
import { trackSource, type TrustedProxies } from './peer.js';
import type { Logger } from 'pino';
import { acmeDnsErrorBody } from './routes/acme-dns.js';

export interface AppDeps {
  log: Logger;
  metrics: Metrics;
  /** Whose forwarding headers name a request's source address (DNS01_TRUSTED_PROXIES). */
  proxies: TrustedProxies;
  /** Where requests' audit events go (audit/writer.ts). */
  audit: AuditSink;
}

function routeFamily(path: string): string {
  if (path.startsWith('/internal/')) return 'internal';
  if (path.startsWith('/api/')) return 'admin';
  if (path === '/ui' || path.startsWith('/ui/')) return 'ui';
  if (path.startsWith('/acme-dns/')) return 'acme-dns';
  return ['/health', '/ready', '/metrics'].includes(path) ? path.slice(1) : 'other';
}

/** `mount` adds the routes, after the per-request middleware and before the error handler. */
export function createApp(deps: AppDeps, mount: (app: Hono) => void): Hono {
  const app = new Hono();

  app.use('*', trackSource(deps.proxies));
  app.use('*', auditScope(deps.audit));
  app.use('*', async (c, next) => {
    await next();
    deps.metrics.httpRequests.labels(routeFamily(c.req.path), String(c.res.status)).inc();
  });
  // Hono's bodyLimit first reads `c.req.raw.body`, for which @hono/node-server builds a web Request and stream around
  // every request, GETs included (a large share of a request's CPU). A declared length is checked without that; only a
  // chunked body goes through it, counted as it streams.
  const streamedLimit = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: () => { throw tooLarge(); } });
  app.use('*', async (c, next) => {
    const length = c.req.header('content-length');
    if (length !== undefined && c.req.header('transfer-encoding') === undefined) {
      if (Number(length) > MAX_BODY_BYTES) throw tooLarge();
      return next();
    }
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    return streamedLimit(c, next);
  });

  mount(app);

  app.notFound((c) => c.json(new AppError('NOT_FOUND', 'no such endpoint').toBody(), 404));
  app.onError((err, c) => {
    let e: AppError;
    if (isAppError(err)) e = err;
    else if (err instanceof HTTPException && err.status < 500) e = new AppError('VALIDATION_ERROR', err.message || 'bad request', { status: err.status });
    else if (connectionErrorCode(err)) {
      deps.log.warn({ err: (err as Error).message, code: connectionErrorCode(err), path: c.req.path }, 'database unavailable');
      e = new AppError('SERVICE_UNAVAILABLE', 'the database is unavailable; try again shortly', { headers: { 'Retry-After': '5' } });
    }
    else {
      deps.log.error({ err, path: c.req.path, method: c.req.method }, 'unhandled error');
      e = new AppError('INTERNAL_ERROR', 'internal error');
    }
    if (e.status >= 500 && isAppError(err)) deps.log.warn({ code: e.code, path: c.req.path }, e.message);
    for (const [k, v] of Object.entries(e.headers ?? {})) c.header(k, v);
    // acme-dns clients print (and some parse) `{"error": "..."}`; the body limit and auth errors included.
    if (c.req.path.startsWith('/acme-dns/')) return c.json(acmeDnsErrorBody(e), e.status as 400);
    return c.json(e.toBody(), e.status as 400);
  });
  return app;
}
