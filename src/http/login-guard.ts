// The login limit at the HTTP doors (operator page, admin bearer, acme-dns update): 429 AUTH_RATE_LIMITED with
// Retry-After, the metric, and a log line and audit event when a lock-out begins.
import type { Context } from 'hono';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { Attempt, LoginThrottle } from '../security/login-throttle.js';
import { auditOf } from './audit.js';
import { sourceAddress } from './peer.js';

export type LoginDoor = 'ui' | 'admin_api' | 'acme_dns';

export interface LoginAttempt {
  /** A wrong credential. */
  failed(): void;
  passed(): void;
  /** Settles nothing if failed or passed came first; call it in `finally`. */
  release(): void;
}

/** One guard per secret: the admin token's doors share one, acme-dns accounts have another. */
export class LoginGuard {
  constructor(private readonly throttle: LoginThrottle, private readonly metrics: Metrics, private readonly log: Logger) {}

  /** Throws 429 AUTH_RATE_LIMITED when this source (or, for a source that has failed, the account) is over its limit. */
  begin(c: Context, door: LoginDoor, account?: string): LoginAttempt {
    const source = sourceAddress(c);
    const verdict = this.throttle.begin(source, account);
    if (!verdict.ok) {
      this.metrics.loginRefusals.labels(door, verdict.scope === 'source' ? 'source_limited' : 'account_limited').inc();
      const seconds = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000));
      const who = verdict.scope === 'source' ? 'from this address' : 'for this account';
      throw new AppError('AUTH_RATE_LIMITED', `too many failed logins ${who}; try again in ${seconds} s`, {
        headers: { 'Retry-After': String(seconds) }, details: { retry_after_seconds: seconds },
      });
    }
    return this.wrap(c, door, source, account, verdict.attempt);
  }

  private wrap(c: Context, door: LoginDoor, source: string, account: string | undefined, attempt: Attempt): LoginAttempt {
    return {
      failed: () => {
        this.metrics.loginRefusals.labels(door, 'wrong_credential').inc();
        for (const lock of attempt.failed()) {
          const seconds = Math.ceil(lock.ms / 1000);
          this.log.warn({ door, scope: lock.scope, ip: source || null, ...(account ? { account } : {}), seconds }, 'too many failed logins: locked out');
          auditOf(c).recordLimited({
            action: 'auth.lockout', category: 'auth', outcome: 'denied',
            details: { door, scope: lock.scope, seconds, ...(account ? { account } : {}) },
          });
        }
      },
      passed: () => attempt.passed(),
      release: () => attempt.release(),
    };
  }
}
