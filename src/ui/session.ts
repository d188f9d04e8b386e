// Operator page sessions: a signed cookie derived from the admin token, a per-session CSRF token, and the same-origin checks.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';

export const COOKIE = 'dns01_ui';
const LIFETIME_S = 12 * 3600;

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The cookie is `issued.id.mac`, signed with a key derived from the admin token: it holds no secret, works on
 * every replica without shared state, and stops working when the token is rotated. Logout revokes its id in
 * this process (and clears the cookie); other replicas honour it until it ends, at most 12 hours.
 */
export class UiSessions {
  private readonly key: Buffer;
  private readonly revoked = new Map<string, number>();

  constructor(adminToken: string) {
    this.key = createHmac('sha256', adminToken).update('dns01-proxy ui session v1').digest();
  }

  private mac(text: string): string {
    return createHmac('sha256', this.key).update(text).digest('base64url');
  }

  /** The id of the session this request carries, or null. */
  sessionOf(c: Context, now = Date.now()): string | null {
    const [issued, id, mac] = (getCookie(c, COOKIE) ?? '').split('.');
    if (!issued || !id || !mac || !equal(mac, this.mac(`${issued}.${id}`))) return null;
    if (now / 1000 - Number(issued) > LIFETIME_S || this.revoked.has(id)) return null;
    return id;
  }

  /** A token the session's forms carry: a cross-site page can neither read nor compute it. */
  csrfToken(sessionId: string): string {
    return this.mac(`csrf.${sessionId}`);
  }

  checkCsrf(sessionId: string, sent: unknown): boolean {
    return typeof sent === 'string' && equal(sent, this.csrfToken(sessionId));
  }

  start(c: Context): void {
    const issued = Math.floor(Date.now() / 1000);
    const id = randomBytes(16).toString('base64url');
    setCookie(c, COOKIE, `${issued}.${id}.${this.mac(`${issued}.${id}`)}`, {
      path: '/ui', httpOnly: true, sameSite: 'Strict', maxAge: LIFETIME_S, secure: isHttps(c),
    });
  }

  end(c: Context, sessionId: string): void {
    const now = Date.now();
    for (const [id, until] of this.revoked) if (until < now) this.revoked.delete(id);
    this.revoked.set(sessionId, now + LIFETIME_S * 1000);
    deleteCookie(c, COOKIE, { path: '/ui', secure: isHttps(c) });
  }
}

/** Behind Caddy the daemon sees plain HTTP; the Secure flag follows what the browser used. */
function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
}

/**
 * Refuses a state-changing request another site started: the browser's Sec-Fetch-Site must say same-origin,
 * and an Origin header must be this page's own. The SameSite=Strict cookie and the CSRF token are the other two locks.
 */
export function sameOriginOnly(): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const site = c.req.header('sec-fetch-site');
      const origin = c.req.header('origin');
      const own = new URL(c.req.url).origin;
      const forwardedOwn = c.req.header('x-forwarded-proto') === 'https' ? own.replace(/^http:/, 'https:') : own;
      if ((site !== undefined && site !== 'same-origin') || (origin !== undefined && origin !== own && origin !== forwardedOwn)) {
        return c.text('cross-site request refused', 403);
      }
    }
    await next();
  };
}
