// The one gate every audit event's details pass: secret-looking keys and a plugin's secret fields are masked, sizes bounded.
import { maskQueryValues } from '../security/url-query.js';

export const REDACTED = '[redacted]';

/** Names that hold secrets whatever the plugin says: tokens, passwords, keys, TSIG secrets, credentials blobs. */
const SECRET_NAME = /(token|passw|secret|key|credential|authorization|cookie|signature|private|tsig|hmac)/i;
const MAX_DEPTH = 4;
const MAX_STRING = 500;
const MAX_ITEMS = 50;

/**
 * Returns a copy of `details` fit for the audit table: every key that names a secret, or that `secretFields` lists
 * (a plugin's fields marked `secret`), becomes `[redacted]` whatever its value; an http(s) URL keeps its query names
 * but not their values; long strings and arrays are cut. Values are otherwise not inspected for secrets, so a
 * caller puts only names, ids and codes in details.
 */
export function redactDetails(details: Record<string, unknown>, secretFields: ReadonlySet<string> = new Set()): Record<string, unknown> {
  return walk(details, secretFields, 0) as Record<string, unknown>;
}

function walk(value: unknown, secretFields: ReadonlySet<string>, depth: number): unknown {
  if (typeof value === 'string') {
    const shown = maskQueryValues(value, REDACTED);
    return shown.length > MAX_STRING ? `${shown.slice(0, MAX_STRING)}…` : shown;
  }
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (value instanceof Date) return value.toISOString();
  if (depth >= MAX_DEPTH) return '[nested]';
  if (Array.isArray(value)) return value.slice(0, MAX_ITEMS).map((v) => walk(v, secretFields, depth + 1));
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] = SECRET_NAME.test(k) || secretFields.has(k) ? REDACTED : walk(v, secretFields, depth + 1);
    }
    return out;
  }
  return undefined;
}
