// Builds the HTTP app: ops endpoints, the internal API, the admin API, the operator page, and the one error handler.
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { Logger } from 'pino';
import { connectionErrorCode } from '../db/client.js';
import { AppError, isAppError } from '../errors.js';
import type { AuditSink } from '../audit/writer.js';
import type { ClientAccess } from '../clients/access.js';
import type { Metrics } from '../metrics.js';
import { recordPhases } from '../phases.js';
import { auditScope } from './audit.js';
import { requireCaller, requireSecret } from './auth.js';
import { MAX_BODY_BYTES, tooLarge } from './body.js';
import type { LoginGuard } from './login-guard.js';
import { openApiReplySchema } from './wire/ops.js';
import { described, openApiDocument, type AuthScheme } from './openapi.js';
import { opsRoutes, type OpsDeps } from './ops.js';
import { trackSource, type TrustedProxies } from './peer.js';
import { acmeDnsErrorBody } from './routes/acme-dns.js';

export interface AppDeps extends OpsDeps {
  log: Logger;
  metrics: Metrics;
  /** Decides who may call /internal/*: the shared token, client tokens. */
  access: ClientAccess;
  adminToken: string;
  /** Failed admin-token logins, limited per source (shared with the operator page's login). */
  adminLogins: LoginGuard;
  /** Whose forwarding headers name a request's source address (DNS01_TRUSTED_PROXIES). */
  proxies: TrustedProxies;
  /** Where requests' audit events go (audit/writer.ts). */
  audit: AuditSink;
  internal: Hono;
  admin: Hono;
  /** The operator page (src/ui), with its own session login instead of the bearer token. */
  ui?: Hono<any>;
  /** acme-dns's register/update, with acme-dns's error bodies. */
  acmeDns: Hono;
  /** DNS01_SERVER_TIMING: internal API replies say where their time went. */
  serverTiming?: boolean;
}

function routeFamily(path: string): string {
  if (path.startsWith('/internal/')) return 'internal';
  if (path.startsWith('/api/')) return 'admin';
  if (path === '/ui' || path.startsWith('/ui/')) return 'ui';
  if (path.startsWith('/acme-dns/')) return 'acme-dns';
  return ['/health', '/ready', '/metrics'].includes(path) ? path.slice(1) : 'other';
}

/** Who may call a path, as the middleware below decides it; the OpenAPI document says the same. */
function authFor(path: string): AuthScheme {
  if (path.startsWith('/internal/')) return 'internal';
  return path.startsWith('/api/v1/') ? 'admin' : 'none';
}

export function createApp(deps: AppDeps): Hono {
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

  app.route('/', opsRoutes(deps));
  // Registered before the admin token check, which it answers ahead of: the API's shape is no secret (docs/api.md).
  let document: Record<string, unknown> | undefined;
  app.get('/api/v1/openapi.json', described({ summary: 'This API as an OpenAPI 3.1 document', responses: { 200: { description: 'the document', schema: openApiReplySchema } }, auth: 'none' }),
    (c) => c.json((document ??= openApiDocument(app.routes, authFor))));
  if (deps.serverTiming) {
    app.use('/internal/*', async (c, next) => {
      c.header('Server-Timing', await recordPhases(next));
    });
  }
  app.use('/internal/*', requireCaller(deps.access, 'dns01-proxy'));
  app.route('/internal/dns-challenge', deps.internal);
  app.use('/api/v1/*', requireSecret(deps.adminToken, { allowBasic: false, realm: 'dns01-proxy admin', actor: 'admin', logins: { guard: deps.adminLogins, door: 'admin_api' } }));
  app.route('/api/v1', deps.admin);
  if (deps.ui) app.route('/ui', deps.ui);
  app.route('/acme-dns', deps.acmeDns);

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
