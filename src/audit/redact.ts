// The one gate every audit event's details pass: secret-looking keys and a plugin's secret fields are masked, sizes
// bounded, URL query values hidden, and every key and string made storable (audit/storable.ts).
import { maskQueryValues } from '../security/url-query.js';
import { storableCapped } from './storable.js';

export const REDACTED = '[redacted]';
/** Set on details from which keys or items were left out (over MAX_DETAILS, or an array over 50 items). */
export const TRUNCATED = '_truncated';

/** Names that hold secrets whatever the plugin says: tokens, passwords, keys, TSIG secrets, credentials blobs. */
const SECRET_NAME = /(token|passw|secret|key|credential|authorization|cookie|signature|private|tsig|hmac)/i;
const MAX_DEPTH = 4;
const MAX_STRING = 500;
const MAX_KEY = 100;
const MAX_ITEMS = 50;
/** Characters of keys and values one event's details may hold, about the length of their JSON. */
export const MAX_DETAILS = 10_000;

interface Budget {
  left: number;
  cut: boolean;
}

/**
 * Returns a copy of `details` fit for the audit table: every key that names a secret, or that `secretFields` lists
 * (a plugin's fields marked `secret`), becomes `[redacted]` whatever its value; an http(s) URL keeps its query names
 * but not their values; long strings are cut with a marker (storable.ts), and what does not fit in MAX_DETAILS is
 * left out with `_truncated: true`. Values are otherwise not inspected for secrets, so a caller puts only names, ids
 * and codes in details.
 */
export function redactDetails(details: Record<string, unknown>, secretFields: ReadonlySet<string> = new Set()): Record<string, unknown> {
  const budget: Budget = { left: MAX_DETAILS, cut: false };
  const out = walk(details, secretFields, 0, budget);
  const record = out !== null && typeof out === 'object' && !Array.isArray(out) ? (out as Record<string, unknown>) : {};
  if (budget.cut) record[TRUNCATED] = true;
  return record;
}

function walk(value: unknown, secretFields: ReadonlySet<string>, depth: number, budget: Budget): unknown {
  if (typeof value === 'string') {
    const room = Math.max(0, Math.min(MAX_STRING, budget.left));
    const shown = maskQueryValues(value, REDACTED);
    if (shown.length > room && room < MAX_STRING) budget.cut = true;
    const text = storableCapped(shown, room);
    budget.left -= text.length;
    return text;
  }
  if (value === null || typeof value === 'number' || typeof value === 'boolean') {
    budget.left -= 8;
    return value;
  }
  if (value instanceof Date) return walk(value.toISOString(), secretFields, depth, budget);
  if (depth >= MAX_DEPTH) return walk('[nested]', secretFields, depth, budget);
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const v of value) {
      if (out.length >= MAX_ITEMS || budget.left <= 0) {
        budget.cut = true;
        break;
      }
      out.push(walk(v, secretFields, depth + 1, budget));
    }
    return out;
  }
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (budget.left <= 0) {
        budget.cut = true;
        break;
      }
      const key = storableCapped(k, MAX_KEY);
      budget.left -= key.length + 4;
      out[key] = SECRET_NAME.test(k) || secretFields.has(k) ? REDACTED : walk(v, secretFields, depth + 1, budget);
    }
    return out;
  }
  return undefined;
}
