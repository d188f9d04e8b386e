// How stored credentials leave the daemon (secret fields masked) and come back (a mask sent back keeps the stored secret).
import { AppError } from '../errors.js';
import { maskQueryValues, restoreQueryValues } from '../security/url-query.js';
import type { FieldSpec } from '../plugin-api/index.js';

export const MASK = '********';

/**
 * Secret fields, and anything the plugin does not describe, become MASK; in the other fields a URL keeps its
 * query names but not their values (a webhook's `?token=…`).
 */
function maskCredentials(plain: Record<string, unknown>, fields: readonly FieldSpec[]): Record<string, unknown> {
  const specs = new Map(fields.map((f) => [f.name, f]));
  return Object.fromEntries(Object.entries(plain).map(([k, v]) => {
    if (!specs.get(k) || specs.get(k)!.secret) return [k, MASK];
    return [k, typeof v === 'string' ? maskQueryValues(v, MASK) : v];
  }));
}

/**
 * A masked value sent back unchanged means "keep the stored secret": a whole field that is MASK, or a URL's query
 * value that is MASK (the stored value of that parameter). A masked parameter the stored URL lacks is a 400: storing
 * the mask itself as a token would fail every call.
 */
export function unmask(sent: Record<string, unknown>, stored: Record<string, unknown>): Record<string, unknown> {
  const problems: { field: string; message: string }[] = [];
  const out = Object.fromEntries(Object.entries(sent).map(([k, v]) => {
    if (v === MASK) return [k, stored[k]];
    if (typeof v !== 'string' || !v.includes(MASK)) return [k, v];
    const { url, missing } = restoreQueryValues(v, stored[k], MASK);
    for (const name of missing) {
      problems.push({ field: k, message: `query parameter ${name.slice(0, 64)} is ${MASK} but the stored URL has no value for it; send the value` });
    }
    return [k, url];
  }));
  if (problems.length > 0) {
    throw new AppError('VALIDATION_ERROR', `invalid credentials: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`, { details: { fields: problems } });
  }
  return out;
}

/** Stored credentials as they may leave the daemon: masked, or null when no configured key opens them. */
export type PublicCredentials = Record<string, unknown> | null;

export function maskedCredentials(open: () => Record<string, unknown>, fields: readonly FieldSpec[]): PublicCredentials {
  try {
    return maskCredentials(open(), fields);
  } catch {
    return null;
  }
}
