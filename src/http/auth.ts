// Secret checks: the internal API's callers (shared or client token, bearer or basic password) and the admin API (bearer).
import type { Context, MiddlewareHandler } from 'hono';
import { setActor } from '../audit/context.js';
import type { Caller, ClientAccess } from '../clients/access.js';
import { TOKEN_PREFIX } from '../clients/tokens.js';
import { AppError, type ErrorCode } from '../errors.js';
import { timed } from '../phases.js';
import { sameSecret } from '../security/compare.js';
import { auditOf } from './audit.js';
import type { LoginDoor, LoginGuard } from './login-guard.js';
import { sourceAddress } from './peer.js';

function presented(header: string | undefined, allowBasic: boolean): string | null {
  if (!header) return null;
  const [scheme, rest] = header.split(/\s+/, 2);
  if (!rest) return null;
  if (/^bearer$/i.test(scheme ?? '')) return rest.trim();
  if (allowBasic && /^basic$/i.test(scheme ?? '')) {
    const decoded = Buffer.from(rest, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : null;
  }
  return null;
}

/** An authentication failure, in the audit log at most a few times a minute per source address (a flood is only counted). */
function refused(c: Context, api: string, code: ErrorCode): void {
  auditOf(c).recordLimited({ action: 'auth.failed', category: 'auth', outcome: 'denied', details: { api, code, path: c.req.path.slice(0, 200) } });
}

function missing(allowBasic: boolean, realm: string): AppError {
  return new AppError('UNAUTHORIZED', 'missing credentials', {
    headers: allowBasic ? { 'WWW-Authenticate': `Basic realm="${realm}"` } : { 'WWW-Authenticate': 'Bearer' },
  });
}

/**
 * acmeproxy clients (lego httpreq, libdns/acmeproxy, acme.sh) send the secret as the basic-auth password. With a
 * login guard, wrong secrets are limited per source address (a missing one is no guess and is not counted).
 */
export function requireSecret(secret: string, opts: { allowBasic: boolean; realm: string; actor: string; logins?: { guard: LoginGuard; door: LoginDoor } }): MiddlewareHandler {
  return async (c, next) => {
    const got = presented(c.req.header('authorization'), opts.allowBasic);
    if (got === null) {
      refused(c, opts.actor, 'UNAUTHORIZED');
      throw missing(opts.allowBasic, opts.realm);
    }
    const attempt = opts.logins?.guard.begin(c, opts.logins.door, opts.actor);
    if (!sameSecret(got, secret)) {
      attempt?.failed();
      refused(c, opts.actor, 'FORBIDDEN');
      throw new AppError('FORBIDDEN', 'invalid credentials');
    }
    attempt?.passed();
    setActor(opts.actor);
    await next();
  };
}

declare module 'hono' {
  interface ContextVariableMap {
    /** Who called the internal API; set by requireCaller. */
    caller: Caller;
  }
}

/**
 * The internal API's gate: the shared token or a client token, as a bearer token or the basic-auth password
 * (the username is ignored). The caller is kept on the context for the routes' per-name checks.
 */
export function requireCaller(access: ClientAccess, realm: string): MiddlewareHandler {
  return async (c, next) => {
    const got = presented(c.req.header('authorization'), true);
    if (got === null) {
      refused(c, 'internal', 'UNAUTHORIZED');
      throw missing(true, realm);
    }
    // A refused token is recorded by ClientAccess (its one place for refusals).
    const caller = await timed('auth', () => access.authenticate(got, sourceAddress(c)));
    c.set('caller', caller);
    setActor(caller.kind === 'shared' ? 'internal' : `client:${caller.name}`);
    await next();
  };
}

/**
 * acme-dns registration's gate: the admin token as a bearer token (as `/api/v1` takes it), or a client token as a
 * bearer token or the basic-auth password with any user name: Go's net/http turns a server URL's user info
 * (`https://caddy:TOKEN@host/acme-dns`) into basic auth, which is how lego's acme-dns client (goacmedns) carries
 * it. The admin token is refused as basic auth, so it never sits in a client's server URL or storage file. A
 * client token's caller is kept on the context (`registrantOf`); the admin token leaves none. Unknown secrets count
 * against the source's login limit, as the admin token's do.
 */
export function requireRegistrant(adminToken: string, access: ClientAccess, opts: { realm: string; logins: { guard: LoginGuard; door: LoginDoor } }): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header('authorization');
    const got = presented(header, true);
    if (got === null) {
      refused(c, 'acme-dns', 'UNAUTHORIZED');
      throw missing(true, opts.realm);
    }
    const isClientToken = got.startsWith(TOKEN_PREFIX);
    const attempt = opts.logins.guard.begin(c, opts.logins.door, isClientToken ? undefined : 'admin');
    if (sameSecret(got, adminToken)) {
      if (/^basic\s/i.test(header ?? '')) {
        attempt.release();
        refused(c, 'acme-dns', 'FORBIDDEN');
        throw new AppError('FORBIDDEN', 'the admin token is taken only as a bearer token; a server URL\'s user info carries a client token');
      }
      attempt.passed();
      setActor('admin');
      return next();
    }
    if (!isClientToken) {
      attempt.failed();
      refused(c, 'acme-dns', 'FORBIDDEN');
      throw new AppError('FORBIDDEN', 'invalid credentials');
    }
    let caller: Caller;
    try {
      // A refused client token is recorded by ClientAccess (its one place for refusals).
      caller = await access.authenticate(got, sourceAddress(c), 'acme-dns');
      attempt.passed();
    } catch (err) {
      // An unknown token is a guess; a known one that is revoked, expired or out of its networks is not.
      if (err instanceof AppError && err.code === 'FORBIDDEN') attempt.failed();
      throw err;
    } finally {
      attempt.release();
    }
    if (caller.kind !== 'client') throw new AppError('FORBIDDEN', 'the shared internal token cannot register acme-dns accounts; use a client token');
    c.set('caller', caller);
    setActor(`client:${caller.name}`);
    await next();
  };
}

/** The client token behind an acme-dns registration; null when the admin token registers. */
export function registrantOf(c: Context): Extract<Caller, { kind: 'client' }> | null {
  const caller = c.get('caller') as Caller | undefined;
  return caller?.kind === 'client' ? caller : null;
}

export function callerOf(c: Context): Caller {
  const caller = c.get('caller') as Caller | undefined;
  if (!caller) throw new Error('callerOf: no requireCaller in front of this route');
  return caller;
}
