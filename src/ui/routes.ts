// The operator page's routes under /ui: login and logout, the pending list, one challenge, its poll and its actions.
import { setActor } from '../audit/context.js';
import { audited, auditOf, noteAudit } from '../http/audit.js';
import type { LoginAttempt, LoginGuard } from '../http/login-guard.js';
import { sourceAddress } from '../http/peer.js';
import { Hono, type Context } from 'hono';
import type { Logger } from 'pino';
import { isExpired, type ManualChallenges } from '../challenges/manual.js';
import { AppError, isAppError } from '../errors.js';
import { sameSecret } from '../security/compare.js';
import { cancelNote, pollView, verifyNote } from '../http/wire/manual.js';
import { CSP } from './assets.js';
import { ChallengePage, ErrorPage, ListPage, LoginPage } from './pages.js';
import { sameOriginOnly, type UiSessions } from './session.js';

type Env = { Variables: { session: string } };

const ID = /^[0-9a-f-]{36}$/;
/** Where a login may send the browser on: only back to one of these pages, never elsewhere. */
const safeNext = (next: unknown) => (typeof next === 'string' && /^\/ui\/challenges(\/[0-9a-f-]{36})?$/.test(next) ? next : '/ui/challenges');

/** `logins` is the admin token's guard, the one /api/v1 uses too: a guesser gets no second allowance here. */
export function uiRoutes(manual: ManualChallenges, sessions: UiSessions, adminToken: string, log: Logger, logins: LoginGuard): Hono<Env> {
  const app = new Hono<Env>();

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

  app.get('/', (c) => c.redirect('/ui/challenges', 303));
  app.get('/login', (c) => (sessions.sessionOf(c) ? c.redirect('/ui/challenges', 303) : c.html(LoginPage({ failed: false, next: safeNext(c.req.query('next')) }))));
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
    // The page acts with the admin token's authority.
    setActor('admin');
    await next();
  });

  app.post('/logout', (c) => {
    sessions.end(c, c.get('session'));
    return c.redirect('/ui/login', 303);
  });

  const csrf = (c: Context<Env>) => sessions.csrfToken(c.get('session'));
  const idOf = (c: Context<Env>) => {
    const id = c.req.param('id') ?? '';
    if (!ID.test(id)) throw new AppError('CHALLENGE_NOT_FOUND', 'no manual challenge with that id');
    return id;
  };

  app.get('/challenges', async (c) => c.html(ListPage({ items: await manual.pending(), csrf: csrf(c), result: c.req.query('result'), now: Date.now() })));
  app.get('/challenges/:id', async (c) => {
    const m = await manual.get(idOf(c));
    const now = Date.now();
    const seen = /^\d+\/\d+$/.test(c.req.query('seen') ?? '') ? `Seen on ${c.req.query('seen')} authoritative servers.` : undefined;
    return c.html(ChallengePage({ m, csrf: csrf(c), result: c.req.query('result'), ...(seen ? { seen } : {}), now, expired: isExpired(m.row, now) }));
  });
  app.get('/challenges/:id/poll', async (c) => c.json(pollView(await manual.live(idOf(c)))));

  const outcome = async (c: Context<Env>, step: 'check' | 'verify') => {
    const id = idOf(c);
    noteAudit(c, { details: { api: 'ui', step } });
    const v = await manual.verify(id);
    noteAudit(c, { details: { api: 'ui', step, ...verifyNote(v) } });
    const servers = v.result?.servers;
    const seen = servers ? `&seen=${servers.filter((s) => s.seen).length}/${servers.length}` : '';
    const result = v.found ? 'verified' : v.error ? 'check_failed' : step === 'check' ? 'checked' : 'not_found';
    return c.redirect(`/ui/challenges/${id}?result=${result}${seen}`, 303);
  };
  // "Check DNS now" asks DNS just as verify does: both are recorded as challenge.verify, details.step telling them apart.
  app.post('/challenges/:id/check', audited('challenge.verify', 'challenge'), (c) => outcome(c, 'check'));
  app.post('/challenges/:id/verify', audited('challenge.verify', 'challenge'), (c) => outcome(c, 'verify'));
  app.post('/challenges/:id/cancel', audited('challenge.cancel', 'challenge'), async (c) => {
    noteAudit(c, { details: { api: 'ui' } });
    const done = await manual.cancel(idOf(c));
    noteAudit(c, { details: { api: 'ui', ...cancelNote(done) } });
    return c.redirect('/ui/challenges?result=cancelled', 303);
  });

  app.onError((err, c) => {
    if (isAppError(err) && err.code === 'CHALLENGE_EXPIRED' && c.req.method === 'POST') {
      return c.redirect(`/ui/challenges/${c.req.path.split('/')[3]}?result=expired`, 303);
    }
    const e = isAppError(err) ? err : new AppError('INTERNAL_ERROR', 'internal error');
    if (!isAppError(err)) log.error({ err, path: c.req.path }, 'unhandled error in the operator page');
    if (c.req.path.endsWith('/poll')) return c.json(e.toBody(), e.status as 400);
    const session = sessions.sessionOf(c);
    return c.html(ErrorPage({ status: e.status, message: e.message, ...(session ? { csrf: sessions.csrfToken(session) } : {}) }), e.status as 400);
  });
  return app;
}
