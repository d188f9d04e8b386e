// The console's routes under /ui: its headers, login and logout, the session and CSRF check in front of every view,
// the views (one module each under views/), and the one error page.
import { setActor } from '../audit/context.js';
import { auditOf } from '../http/audit.js';
import type { LoginAttempt } from '../http/login-guard.js';
import { sourceAddress } from '../http/peer.js';
import { Hono } from 'hono';
import { AppError, isAppError } from '../errors.js';
import { sameSecret } from '../security/compare.js';
import { CSP } from './assets.js';
import type { UiDeps, UiEnv } from './deps.js';
import { ErrorPage, HOME, LoginPage } from './layout.js';
import { sameOriginOnly } from './session.js';
import { auditRoutes } from './views/audit.js';
import { encryptionRoutes } from './views/encryption.js';
import { challengeRoutes } from './views/challenges.js';
import { clientTokenRoutes } from './views/client-tokens.js';
import { manualRoutes } from './views/manual.js';
import { overviewRoutes } from './views/overview.js';
import { pluginRoutes } from './views/plugins.js';
import { providerRoutes } from './views/providers.js';
import { siteRoutes } from './views/sites.js';

/** Where a login may send the browser on: only back to a console page, never elsewhere. */
const safeNext = (next: unknown) => (typeof next === 'string' && /^\/ui(\/[\w-]+)*$/.test(next) ? next : HOME);

export function uiRoutes(deps: UiDeps): Hono<UiEnv> {
  const { uiSessions: sessions, adminToken, log, adminLogins: logins } = deps;
  const app = new Hono<UiEnv>();

  app.use('*', async (c, next) => {
    await next();
    c.header('Content-Security-Policy', CSP);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('X-Frame-Options', 'DENY');
    // Not no-referrer: with it, Chromium sends `Origin: null` on the page's own form posts, which the origin check refuses.
    c.header('Referrer-Policy', 'same-origin');
    c.header('Cache-Control', 'no-store');
  });
  app.use('*', sameOriginOnly());

  app.get('/login', (c) => (sessions.sessionOf(c) ? c.redirect(HOME, 303) : c.html(LoginPage({ failed: false, next: safeNext(c.req.query('next')) }))));
  app.post('/login', async (c) => {
    const form = await c.req.parseBody();
    const next = safeNext(form.next);
    let attempt: LoginAttempt;
    try {
      attempt = logins.begin(c, 'ui', 'admin');
    } catch (err) {
      if (!isAppError(err) || err.code !== 'AUTH_RATE_LIMITED') throw err;
      for (const [k, v] of Object.entries(err.headers ?? {})) c.header(k, v);
      return c.html(LoginPage({ failed: false, limited: err.message, next }), 429);
    }
    if (typeof form.token !== 'string' || !sameSecret(form.token, adminToken)) {
      attempt.failed();
      log.warn({ ip: sourceAddress(c) || null }, 'ui login refused: wrong admin token');
      auditOf(c).recordLimited({ action: 'auth.failed', category: 'auth', outcome: 'denied', details: { api: 'ui', code: 'FORBIDDEN', path: '/ui/login' } });
      return c.html(LoginPage({ failed: true, next }), 401);
    }
    attempt.passed();
    sessions.start(c);
    return c.redirect(next, 303);
  });

  // Everything below needs a session, and every form post its CSRF token.
  app.use('*', async (c, next) => {
    const session = sessions.sessionOf(c);
    if (!session) {
      if (c.req.path.endsWith('/poll')) throw new AppError('UNAUTHORIZED', 'log in again at /ui/login');
      const back = c.req.method === 'GET' ? `?next=${encodeURIComponent(c.req.path)}` : '';
      return c.redirect(`/ui/login${back}`, 303);
    }
    if (c.req.method === 'POST' && !sessions.checkCsrf(session, (await c.req.parseBody()).csrf)) {
      // Refused before any route's own audit: recorded here, so a forged form on an action leaves its trace too.
      auditOf(c).recordLimited({ action: 'auth.failed', category: 'auth', outcome: 'denied', details: { api: 'ui', code: 'FORBIDDEN', reason: 'csrf', path: c.req.path } });
      throw new AppError('FORBIDDEN', 'the form is stale or was not sent from this page; reload it and try again');
    }
    c.set('session', session);
    c.set('csrf', sessions.csrfToken(session));
    // The console acts with the admin token's authority.
    setActor('admin');
    await next();
  });

  app.get('/', (c) => c.redirect(HOME, 303));
  app.post('/logout', (c) => {
    sessions.end(c, c.get('session'));
    return c.redirect('/ui/login', 303);
  });
  for (const view of [overviewRoutes(deps), challengeRoutes(deps), manualRoutes(deps.manual), providerRoutes(deps), siteRoutes(deps), pluginRoutes(deps), auditRoutes(deps), encryptionRoutes(deps)]) app.route('/', view);
  app.route('/', clientTokenRoutes(deps));

  app.onError((err, c) => {
    if (isAppError(err) && err.code === 'CHALLENGE_EXPIRED' && c.req.method === 'POST') {
      return c.redirect(`/ui/challenges/${c.req.path.split('/')[3]}?result=expired`, 303);
    }
    const e = isAppError(err) ? err : new AppError('INTERNAL_ERROR', 'internal error');
    if (!isAppError(err)) log.error({ err, path: c.req.path }, 'unhandled error in the operator page');
    if (c.req.path.endsWith('/poll')) return c.json(e.toBody(), e.status as 400);
    const session = sessions.sessionOf(c);
    return c.html(ErrorPage({ status: e.status, code: e.code, message: e.message, ...(session ? { csrf: sessions.csrfToken(session) } : {}) }), e.status as 400);
  });
  return app;
}
