// Shared-secret checks for the internal API (bearer or basic password) and the admin API (bearer).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { AppError } from '../errors.js';

export function sameSecret(a: string, b: string): boolean {
  // Hashing first gives equal lengths, so the comparison time says nothing about the secret.
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

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

/** acmeproxy clients (lego httpreq, libdns/acmeproxy, acme.sh) send the secret as the basic-auth password. */
export function requireSecret(secret: string, opts: { allowBasic: boolean; realm: string }): MiddlewareHandler {
  return async (c, next) => {
    const got = presented(c.req.header('authorization'), opts.allowBasic);
    if (got === null) {
      throw new AppError('UNAUTHORIZED', 'missing credentials', {
        headers: opts.allowBasic ? { 'WWW-Authenticate': `Basic realm="${opts.realm}"` } : { 'WWW-Authenticate': 'Bearer' },
      });
    }
    if (!sameSecret(got, secret)) throw new AppError('FORBIDDEN', 'invalid credentials');
    await next();
  };
}
