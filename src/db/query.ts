// Query strings as every listing reads them: decoded strictly and checked whole before any value reaches SQL, a bad one
// refused with 400 VALIDATION_ERROR naming the parameter. The zod builders here are also what the OpenAPI document shows.
import { z } from 'zod';
import { AppError } from '../errors.js';

export function invalidQuery(field: string, message: string): AppError {
  return new AppError('VALIDATION_ERROR', `query parameter ${field}: ${message}`, { details: { fields: [{ field, message }] } });
}

/** A parameter name as an error may echo it: bounded, control characters shown as `?`. */
function shown(name: string): string {
  return name.slice(0, 40).replace(/[\p{Cc}\p{Cs}]/gu, '?');
}

function decodePart(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}

/**
 * The query string of a request URL, one value per name. Hono's reader keeps an escape it cannot decode (`%ED%A0%80`,
 * a lone surrogate; `%uD800`; a bare `%`) as literal text and takes the first of repeated names; a filter should mean
 * exactly what was sent, so both are refused here.
 */
export function queryOf(url: string): Record<string, string> {
  // No prototype: a parameter named `__proto__` is a name like any other (and an unknown one).
  const query: Record<string, string> = Object.create(null);
  const at = url.indexOf('?');
  if (at < 0) return query;
  for (const part of url.slice(at + 1).split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawName = eq < 0 ? part : part.slice(0, eq);
    const name = decodePart(rawName);
    if (name === undefined) throw invalidQuery(shown(rawName), 'the name is not percent-encoded UTF-8');
    const value = decodePart(eq < 0 ? '' : part.slice(eq + 1));
    if (value === undefined) throw invalidQuery(shown(name), 'not percent-encoded UTF-8 (a % on its own is written %25)');
    if (Object.hasOwn(query, name)) throw invalidQuery(shown(name), 'given more than once');
    query[name] = value;
  }
  return query;
}

/** `query` read with `schema` (an object of the builders below): an unknown name or a bad value is a 400 naming it. */
export function parseQuery<S extends z.ZodObject>(schema: S, query: Record<string, string>): z.output<S> {
  const known = Object.keys(schema.shape);
  const unknown = Object.keys(query).find((k) => !known.includes(k));
  if (unknown !== undefined) throw invalidQuery(shown(unknown), `unknown parameter; expected one of ${known.join(', ')}`);
  const parsed = schema.safeParse(query);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw invalidQuery(String(issue.path[0] ?? 'query'), issue.message);
}

// Control characters (C0, DEL, C1) have no place in a filter: NUL is not even storable in PostgreSQL text.
const NO_CONTROL = /^[^\x00-\x1f\x7f-\x9f]*$/;

/** Free text (a name, an id, a search term): 1 to `max` characters, none of them a control character. */
export function queryText(max: number, what: string) {
  const length = `expected 1 to ${max} characters`;
  return z.string().min(1, length).max(max, length).regex(NO_CONTROL, 'control characters (NUL, ESC, DEL, …) are not allowed').optional().describe(what);
}

/** One of `values`, exactly. */
export function queryChoice<const T extends readonly [string, ...string[]]>(values: T, what: string) {
  return z.enum(values, { error: `expected ${values.length > 1 ? 'one of ' : ''}${values.join(', ')}` }).optional().describe(what);
}

/** A page size: digits only (no sign, fraction, exponent or hex), 1 to `max`. */
export function queryLimit(max: number, fallback: number) {
  const message = `expected a whole number from 1 to ${max}`;
  return z.string().regex(/^\d{1,6}$/, message).refine((t) => Number(t) >= 1 && Number(t) <= max, message).transform(Number)
    .optional().describe(`page size, 1 to ${max}; default ${fallback}`);
}

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const INSTANT_HINT = 'expected a real ISO 8601 date or date-time, e.g. 2026-01-31 or 2026-01-31T12:00:00Z';

/**
 * The instant `text` names, or undefined unless every field is in range: Date would roll 2026-02-30 into March and
 * 25:61 into the next day, so the fields must come back as written. No offset means UTC. Years 1 to 9999 only
 * (PostgreSQL has no year 0).
 */
export function parseInstant(text: string): Date | undefined {
  const m = INSTANT.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [number, number, number, number, number, number];
  const at = new Date(0);
  at.setUTCFullYear(year, month - 1, day);
  at.setUTCHours(hour, minute, second, m[7] ? Number(m[7].padEnd(3, '0').slice(0, 3)) : 0);
  if (at.getUTCFullYear() !== year || at.getUTCMonth() !== month - 1 || at.getUTCDate() !== day
    || at.getUTCHours() !== hour || at.getUTCMinutes() !== minute || at.getUTCSeconds() !== second) return undefined;
  const offset = m[8] && m[8] !== 'Z' ? /^([+-])(\d{2}):?(\d{2})$/.exec(m[8]) : null;
  if (offset) {
    const [, sign, h, min] = offset as unknown as [string, string, string, string];
    if (Number(h) > 23 || Number(min) > 59) return undefined;
    at.setTime(at.getTime() - (sign === '-' ? -1 : 1) * (Number(h) * 60 + Number(min)) * 60_000);
  }
  return at.getUTCFullYear() >= 1 && at.getUTCFullYear() <= 9999 ? at : undefined;
}

/** A date or date-time, checked field by field (see parseInstant); the value is the Date. */
export function queryInstant(what: string) {
  return z.string().max(40, INSTANT_HINT).regex(INSTANT, INSTANT_HINT).refine((t) => parseInstant(t) !== undefined, INSTANT_HINT)
    .transform((t) => parseInstant(t)!).optional().describe(`${what}: a real ISO 8601 date or date-time (2026-02-30 is refused); without an offset, UTC`);
}
