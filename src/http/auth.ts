// Secret checks: the internal API's callers (shared or client token, bearer or basic password) and the admin API (bearer).
import type { Context, MiddlewareHandler } from 'hono';
import { setActor } from '../audit/context.js';
import type { Caller, ClientAccess } from '../clients/access.js';
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

export function callerOf(c: Context): Caller {
  const caller = c.get('caller') as Caller | undefined;
  if (!caller) throw new Error('callerOf: no requireCaller in front of this route');
  return caller;
}
