// The pino root logger, with every path that can hold a secret redacted.
import { pino, type Logger, type DestinationStream } from 'pino';

const SECRET_KEYS = [
  'password', 'token', 'secret', 'authorization', 'auth_value', 'api_token', 'api_key', 'auth_token',
  'tsig_key_secret', 'key', 'credentials', 'env_vars', 'headers', 'internalToken', 'adminToken',
  'passwordHash', 'password_hash', 'encryptionKey', 'databaseUrl', 'redisUrl', 'client_secret', 'secret_access_key', 'api_access_token',
];

/** Redaction paths for the key names above at the top level and up to two levels down. */
export const REDACT_PATHS = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]).concat([
  'req.headers.authorization', 'req.headers.cookie', 'config.databaseUrl', 'config.redisUrl',
]);

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'dns01-proxy' },
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    // Asynchronous: a synchronous write per line held the event loop for as long as the disk or pipe took (most of a
    // challenge's CPU time in the benchmark). pino flushes what is buffered when the process exits.
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

export type { Logger };
