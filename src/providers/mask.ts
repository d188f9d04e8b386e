// How stored credentials leave the daemon (secret fields masked) and come back (a mask sent back keeps the stored secret).
import type { FieldSpec } from './plugin.js';

export const MASK = '********';

/** Secret fields, and anything the plugin does not describe, become MASK. */
function maskCredentials(plain: Record<string, unknown>, fields: readonly FieldSpec[]): Record<string, unknown> {
  const specs = new Map(fields.map((f) => [f.name, f]));
  return Object.fromEntries(Object.entries(plain).map(([k, v]) => [k, specs.get(k) && !specs.get(k)!.secret ? v : MASK]));
}

/** A masked value sent back unchanged means "keep the stored secret". */
export function unmask(sent: Record<string, unknown>, stored: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(sent).map(([k, v]) => [k, v === MASK ? stored[k] : v]));
}

/** The `credentials` and `credentials_readable` of a reply: masked, or `{}` and false when no configured key opens them. */
export function maskedView(open: () => Record<string, unknown>, fields: readonly FieldSpec[]): { credentials: Record<string, unknown>; credentials_readable: boolean } {
  try {
    return { credentials: maskCredentials(open(), fields), credentials_readable: true };
  } catch {
    return { credentials: {}, credentials_readable: false };
  }
}
