// The one error type every layer throws, and the table of documented codes (docs/errors.md).
import { z } from 'zod';

export const ERROR_CODES = {
  CHALLENGE_NOT_FOUND: 404,
  AUDIT_EVENT_NOT_FOUND: 404,
  CHALLENGE_EXPIRED: 410,
  CNAME_LOOP: 400,
  DNS_NOT_PROPAGATED: 200,
  INVALID_PROVIDER_TYPE: 400,
  WEBHOOK_TIMEOUT: 504,
  WEBHOOK_RATE_LIMITED: 429,
  PROVIDER_RATE_LIMITED: 429,
  WEBHOOK_FAILED: 502,
  WEBHOOK_TARGET_BLOCKED: 400,
  PROVIDER_CIRCUIT_OPEN: 503,
  PROVIDER_NOT_FOUND: 404,
  CREDENTIAL_NOT_FOUND: 404,
  NO_MATCHING_CREDENTIAL: 400,
  PROVIDER_DISABLED: 409,
  PROVIDER_ERROR: 502,
  PROVIDER_NOT_AUTOMATED: 409,
  ACME_DNS_DOMAIN_NOT_WRITABLE: 502,
  SCRIPT_TIMEOUT: 504,
  SCRIPT_PATH_INVALID: 400,
  SCRIPT_FAILED: 502,
  TSIG_AUTH_FAILED: 401,
  DNS_UPDATE_REFUSED: 403,
  DNS_ZONE_NOT_FOUND: 400,
  DNS_SERVER_ERROR: 502,
  DNS_TIMEOUT: 504,
  VALIDATION_ERROR: 400,
  INVALID_JSON: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  AUTH_RATE_LIMITED: 429,
  SHARED_TOKEN_DISABLED: 401,
  CLIENT_TOKEN_REVOKED: 401,
  CLIENT_TOKEN_EXPIRED: 401,
  CLIENT_NETWORK_NOT_ALLOWED: 403,
  CLIENT_DOMAIN_NOT_ALLOWED: 403,
  CLIENT_PROVIDER_NOT_ALLOWED: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  MANAGED_BY_CONFIG: 409,
  MANAGED_BY_DAEMON: 409,
  CONFIG_INVALID: 400,
  CONFIG_NOT_SET: 409,
  CREDENTIALS_UNREADABLE: 500,
  ROTATION_IN_PROGRESS: 409,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL_ERROR: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Every error reply's body (docs/api.md); the OpenAPI document's Error component. */
export const errorBodySchema = z.object({
  success: z.literal(false),
  error: z.object({
    code: z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional().describe('what acting on the code needs, e.g. `fields`; never a secret'),
  }),
});

/**
 * What a failed provider call may have left on the far side, decided where the error is raised:
 * - `refused`: the far side answered and refused this one request (a name its policy does not grant, a 4xx about the
 *   request), or the request itself was invalid. Nothing was written, and it says nothing about the provider's
 *   health, so the circuit breaker does not count it (docs/plugins.md#what-the-breaker-counts).
 * - `not_sent`: provably nothing reached the far side (the name did not resolve, the connection was refused, a
 *   guard stopped the call), or the far side rejected the call as a whole (a bad key): no record can exist.
 * - `maybe`: the request may have arrived (a timeout, a 5xx): the record may exist and must be cleaned up.
 * Left unset, a retryable error is `maybe` and any other `not_sent`.
 */
export type Delivery = 'refused' | 'not_sent' | 'maybe';

export interface AppErrorOptions {
  details?: Record<string, unknown>;
  /** Worth trying again later (network trouble, 5xx, timeouts), as opposed to bad input or bad credentials. */
  retryable?: boolean;
  /** What the failure left on the far side; set where the error is raised. See `Delivery`. */
  delivery?: Delivery;
  /**
   * The daemon itself stopped the call before the plugin reached the far side: a guard (rate limit, open circuit) or
   * a target the daemon will not use (a blocked webhook address, a script outside the allowed directory). Implies
   * delivery `not_sent`; a present that fails so leaves no challenge row (docs/api.md, POST .../create).
   */
  beforeCall?: boolean;
  cause?: unknown;
  /** Overrides the table's status; used for Retry-After style replies that keep their code. */
  status?: number;
  headers?: Record<string, string>;
  /** Text for the log and the challenge row, never for a reply (e.g. what a far side answered). */
  logDetail?: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;
  readonly retryable: boolean;
  readonly delivery: Delivery;
  readonly beforeCall: boolean;
  readonly headers: Record<string, string> | undefined;
  readonly logDetail: string | undefined;

  constructor(code: ErrorCode, message: string, opts: AppErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = opts.status ?? ERROR_CODES[code];
    this.details = opts.details;
    this.retryable = opts.retryable ?? false;
    this.beforeCall = opts.beforeCall ?? false;
    this.delivery = opts.delivery ?? (this.retryable && !this.beforeCall ? 'maybe' : 'not_sent');
    this.headers = opts.headers;
    this.logDetail = opts.logDetail;
  }

  toBody(): z.infer<typeof errorBodySchema> {
    return {
      success: false,
      error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) },
    };
  }
}

const NOT_SENT_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH']);

/** A socket error code that proves nothing was delivered: the name did not resolve, or no connection was made. */
export function isNotSentCode(code: unknown): boolean {
  return NOT_SENT_CODES.has(String(code));
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
