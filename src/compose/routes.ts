// The route table: every URL path the daemon answers, the guard in front of each family, and what each route module
// is given. Route modules build no services: they get them here (built once in compose/services.ts).
import type { Hono } from 'hono';
import type { Logger } from 'pino';
import type { AcmeDnsService } from '../acme-dns/service.js';
import type { AuditLog } from '../audit/listing.js';
import type { CaddySync } from '../caddy/sync.js';
import type { CaddyDeps } from '../caddy/wiring.js';
import type { PluginCalls } from '../calls/plugin-calls.js';
import type { ChallengeListing } from '../challenges/listing.js';
import { checkZone, type Resolvers } from '../challenges/resolvers.js';
import type { ManualChallenges } from '../challenges/manual.js';
import type { ChallengeService } from '../challenges/service.js';
import type { ClientAccess } from '../clients/access.js';
import type { ClientTokenStore } from '../clients/tokens.js';
import type { DeclaredConfig } from '../declared/apply.js';
import type { Keyring } from '../crypto/keyring.js';
import type { KeyRotation } from '../crypto/rotation.js';
import type { Detector } from '../detect/detector.js';
import type { PluginLoader } from '../plugin-loader/loader.js';
import type { ProviderStore } from '../providers/store.js';
import { recordPhases } from '../phases.js';
import type { SiteStore } from '../sites/store.js';
import { uiRoutes } from '../ui/routes.js';
import type { UiSessions } from '../ui/session.js';
import { requireCaller, requireSecret } from '../http/auth.js';
import type { LoginGuard } from '../http/login-guard.js';
import { openApiReplySchema } from '../http/wire/ops.js';
import { described, openApiDocument, type AuthScheme } from '../http/openapi.js';
import { opsRoutes, type OpsDeps } from '../http/ops.js';
import { acmeDnsRoutes } from '../http/routes/acme-dns.js';
import { auditRoutes } from '../http/routes/audit-logs.js';
import { caddyRoutes } from '../http/routes/caddy.js';
import { challengeRoutes } from '../http/routes/challenges.js';
import { clientTokenRoutes } from '../http/routes/client-tokens.js';
import { configRoutes } from '../http/routes/config.js';
import { credentialRoutes } from '../http/routes/credentials.js';
import { detectRoutes } from '../http/routes/detect.js';
import { homeRoutes } from '../http/routes/home.js';
import { encryptionRoutes } from '../http/routes/encryption.js';
import { internalRoutes } from '../http/routes/internal.js';
import { manualRoutes } from '../http/routes/manual.js';
import { pluginRoutes } from '../http/routes/plugins.js';
import { providerRoutes } from '../http/routes/providers.js';
import { siteRoutes } from '../http/routes/sites.js';

export interface RouteServices {
  log: Logger;
  /** /health, /ready and /metrics. */
  ops: OpsDeps;
  /** DNS01_SERVER_TIMING: internal API replies say where their time went. */
  serverTiming?: boolean;
  /** Decides who may call /internal/*: the shared token, client tokens. */
  access: ClientAccess;
  adminToken: string;
  /** Failed admin-token logins, limited per source (the API, the operator page, acme-dns registration). */
  adminLogins: LoginGuard;
  /** Failed acme-dns account logins. */
  acmeDnsLogins: LoginGuard;
  challenges: ChallengeService;
  providers: ProviderStore;
  calls: PluginCalls;
  detector: Detector;
  /** The resolvers zone discovery asks: a provider's test checks its zone is found through them. */
  resolvers: Resolvers;
  sites: SiteStore;
  caddy: CaddyDeps;
  caddySync: CaddySync | null;
  loader: PluginLoader | null;
  rotation: KeyRotation;
  keyring: Keyring;
  listing: ChallengeListing;
  manual: ManualChallenges;
  /** The operator page's signed sessions and their logouts. */
  uiSessions: UiSessions;
  clientTokens: ClientTokenStore;
  auditLog: AuditLog;
  acmeDns: AcmeDnsService | null;
  /** The DNS01_CONFIG file's apply; null when it is unset. */
  declared: DeclaredConfig | null;
}

/** Who may call a path, as the guards below decide it; the OpenAPI document says the same. */
function authFor(path: string): AuthScheme {
  if (path.startsWith('/internal/')) return 'internal';
  return path.startsWith('/api/v1/') ? 'admin' : 'none';
}

/** Mounts in this order: a guard (`use`) covers only what is mounted after it. */
export function mountRoutes(app: Hono, s: RouteServices): void {
  const child = (module: string) => s.log.child({ module });
  app.route('/', opsRoutes(s.ops));
  app.route('/', homeRoutes());
  // Registered before the admin token check, which it answers ahead of: the API's shape is no secret (docs/api.md).
  let document: Record<string, unknown> | undefined;
  app.get('/api/v1/openapi.json', described({ summary: 'This API as an OpenAPI 3.1 document', responses: { 200: { description: 'the document', schema: openApiReplySchema } }, auth: 'none' }),
    (c) => c.json((document ??= openApiDocument(app.routes, authFor))));

  if (s.serverTiming) {
    app.use('/internal/*', async (c, next) => {
      c.header('Server-Timing', await recordPhases(next));
    });
  }
  app.use('/internal/*', requireCaller(s.access, 'dns01-proxy'));
  app.route('/internal/dns-challenge', internalRoutes(s.challenges, s.access, child('internal')));

  app.use('/api/v1/*', requireSecret(s.adminToken, { allowBasic: false, realm: 'dns01-proxy admin', actor: 'admin', logins: { guard: s.adminLogins, door: 'admin_api' } }));
  const api = (path: string, routes: Hono) => app.route(`/api/v1${path}`, routes);
  api('', providerRoutes(s.providers, s.calls, child('admin'), (zone) => checkZone(s.resolvers, zone)));
  api('', credentialRoutes(s.providers, s.calls));
  api('', detectRoutes(s.detector));
  api('/sites', siteRoutes(s.sites));
  api('/caddy', caddyRoutes(s.caddy, s.caddySync));
  api('/admin/plugins', pluginRoutes(s.loader));
  api('/admin/encryption', encryptionRoutes(s.rotation, s.keyring));
  api('/challenges', challengeRoutes(s.listing));
  api('', manualRoutes(s.manual));
  api('/client-tokens', clientTokenRoutes(s.clientTokens));
  api('', auditRoutes(s.auditLog, child('audit')));
  api('/config', configRoutes(s.declared && ((o) => s.declared!.apply(o))));

  // The operator page, with its own session login instead of the bearer token.
  app.route('/ui', uiRoutes({ ...s, log: child('ui') }));
  // acme-dns's register/update, with acme-dns's error bodies.
  app.route('/acme-dns', acmeDnsRoutes(s.acmeDns, s.adminToken, s.access, child('acme-dns'), { admin: s.adminLogins, accounts: s.acmeDnsLogins }));
}
