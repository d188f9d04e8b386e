// The pino root logger, with every key that can hold a secret redacted.
import { pino, type Logger, type DestinationStream } from 'pino';
import { maskQueryValues } from './security/url-query.js';

const SECRET_KEYS: ReadonlySet<string> = new Set([
  'password', 'token', 'secret', 'authorization', 'cookie', 'auth_value', 'api_token', 'api_key', 'auth_token',
  'tsig_key_secret', 'key', 'credentials', 'env_vars', 'headers', 'internalToken', 'adminToken',
  'passwordHash', 'password_hash', 'encryptionKey', 'databaseUrl', 'redisUrl', 'client_secret', 'secret_access_key', 'api_access_token',
]);
const CENSOR = '[REDACTED]';
/** Keys are looked at on the logged object and up to two levels down (`key`, `*.key`, `*.*.key`). */
const DEPTH = 2;

/** A copy that keeps what a plain spread would drop: an Error's message and stack, its prototype for the serializer. */
function copyOf(value: object): Record<string, unknown> {
  if (Array.isArray(value)) return [...value] as unknown as Record<string, unknown>;
  const copy = Object.assign(Object.create(Object.getPrototypeOf(value) as object | null) as object, value) as Record<string, unknown>;
  if (value instanceof Error) {
    for (const k of ['message', 'stack', 'cause'] as const) {
      if (k in value) Object.defineProperty(copy, k, { value: value[k], writable: true, configurable: true, enumerable: false });
    }
  }
  return copy;
}

/**
 * `value` with every secret-named key censored, and the query values of http(s) URLs at the same depths (a webhook's
 * `?token=…`): objects on the way to such a key are copied, the rest is passed through untouched (a log line without
 * secrets costs one look at each key). pino's own `redact` parsed each of its ~70 wildcard paths on every line, a
 * noticeable share of a challenge's CPU.
 */
export function redacted(value: unknown, depth = 0): unknown {
  if (depth > DEPTH || value === null || typeof value !== 'object' || value instanceof Date || Buffer.isBuffer(value)) return value;
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(value)) {
    const r = SECRET_KEYS.has(k) ? CENSOR : typeof v === 'string' ? maskQueryValues(v, CENSOR) : redacted(v, depth + 1);
    if (r === v) continue;
    out ??= copyOf(value);
    out[k] = r;
  }
  return out ?? value;
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const logger = pino(
    {
      level,
      base: { service: 'dns01-proxy' },
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => redacted(object) as Record<string, unknown>,
        bindings: (bindings) => redacted(bindings) as Record<string, unknown>,
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    // Asynchronous: a synchronous write per line held the event loop for as long as the disk or pipe took.
    // pino flushes what is buffered when the process exits.
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
  // pino passes only the root's bindings through formatters.bindings; children (which inherit this) redact their own.
  const child = logger.child;
  logger.child = function (this: Logger, bindings, options) {
    return child.call(this, redacted(bindings) as typeof bindings, options);
  } as typeof child;
  return logger;
}

export type { Logger };
