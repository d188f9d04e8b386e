// What happens to challenges, as typed events, and the one observer that turns them into metrics, audit events and log lines.
import type { Logger } from 'pino';
import type { AuditSink } from '../audit/writer.js';
import { ACTIVE_STATUSES, type ChallengeRow, type ChallengeStatus } from '../db/schema.js';
import { isAppError } from '../errors.js';
import type { Metrics } from '../metrics.js';

/** Who asked, for the log: the native internal API, the acmeproxy/httpreq dialect, an acme-dns client, the DNS UPDATE door (src/dns-door/), or the janitor. */
export type ClientDialect = 'internal' | 'acmeproxy' | 'acme-dns' | 'dns' | 'janitor';

/** One present or cleanup: the row as it was when the call was decided, who asked, and when the call started. */
interface Call {
  row: ChallengeRow;
  provider: string;
  client: ClientDialect;
  /** performance.now() when the provider call started. */
  started: number;
}

export type ChallengeEvent =
  /** A new row (CREATED). */
  | { kind: 'created'; row: ChallengeRow; provider: string }
  /** An identical challenge was active: nothing was called. */
  | ({ kind: 'reused' } & Call)
  /** The record is written; the row is PENDING. */
  | ({ kind: 'presented' } & Call)
  /** The present failed; `failed` when the row was written FAILED (not when it was deleted or left for the janitor). */
  | ({ kind: 'present_failed'; error: unknown; failed: boolean } & Call)
  /** Every authoritative server serves the value; the row is VERIFYING. */
  | { kind: 'propagated'; row: ChallengeRow; provider: string }
  /** The record is removed (or there was none: `hadRecord` false); the row is in `status` (DELETED, VERIFIED, EXPIRED, FAILED). */
  | ({ kind: 'cleaned'; status: ChallengeStatus; hadRecord: boolean } & Call)
  /** The cleanup failed; the row is in `status` with its record state kept, for the janitor. */
  | ({ kind: 'cleanup_failed'; status: ChallengeStatus; error: unknown } & Call)
  /** An acmeproxy cleanup for a value no row holds: a success, only logged. */
  | { kind: 'cleanup_unmatched'; fqdn: string; provider: string | null };

type Step = 'present' | 'cleanup';

/** The one place challenge events become metric increments, audit events and log lines. */
export class ChallengeObserver {
  constructor(
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly audit?: AuditSink,
  ) {}

  emit(e: ChallengeEvent): void {
    switch (e.kind) {
      case 'created':
        return this.counted('CREATED', e.provider);
      case 'reused':
        return this.outcome('present', e, 'existing');
      case 'presented':
        this.counted('PENDING', e.provider);
        return this.outcome('present', e, 'ok');
      case 'present_failed':
        if (e.failed) this.counted('FAILED', e.provider);
        return this.outcome('present', e, e.error);
      case 'propagated':
        this.counted('VERIFYING', e.provider);
        this.log.info({ challenge: e.row.id, fqdn: e.row.fqdn, provider: e.provider }, 'value visible on every authoritative server');
        return;
      case 'cleaned':
        if (ACTIVE_STATUSES.includes(e.row.status)) this.counted(e.status, e.provider);
        return this.outcome('cleanup', e, e.hadRecord ? 'ok' : 'no_record', e.status);
      case 'cleanup_failed':
        if (ACTIVE_STATUSES.includes(e.row.status)) this.counted(e.status, e.provider);
        return this.outcome('cleanup', e, e.error, e.status);
      case 'cleanup_unmatched':
        this.log.info({ fqdn: e.fqdn, provider: e.provider, client: 'acmeproxy', outcome: 'not_found' }, 'cleanup');
        return;
    }
  }

  private counted(state: ChallengeStatus, providerName: string): void {
    this.metrics.challengeTransitions.labels(state, providerName).inc();
  }

  private audited(step: Step, { row, provider, client }: Call, result: string | unknown, status?: ChallengeStatus): void {
    const failed = typeof result !== 'string';
    this.audit?.record({
      action: auditAction(step, failed, ACTIVE_STATUSES.includes(row.status), status), category: 'challenge', resourceType: 'challenge', resourceId: row.id, outcome: failed ? 'failure' : 'success',
      details: {
        provider_id: row.providerId, provider, fqdn: row.fqdn, client, step,
        ...(failed ? { code: isAppError(result) ? result.code : 'PROVIDER_ERROR' } : { result }),
        ...(status ? { status } : {}), ...(row.credentialId ? { credential_id: row.credentialId } : {}),
      },
    });
  }

  /** The one line per present or cleanup: info when it went through, warn (with the far side's words) when not. */
  private outcome(step: Step, call: Call, result: string | unknown, status?: ChallengeStatus): void {
    const { row, provider, client, started } = call;
    const fields = { challenge: row.id, fqdn: row.fqdn, provider, client, duration_ms: Math.round(performance.now() - started) };
    this.audited(step, call, result, status);
    if (typeof result === 'string') {
      this.log.info({ ...fields, outcome: result }, step);
      return;
    }
    const code = isAppError(result) ? result.code : 'PROVIDER_ERROR';
    const detail = isAppError(result) && result.logDetail ? { detail: result.logDetail } : {};
    const retry = isAppError(result) ? result.headers?.['Retry-After'] : undefined;
    this.log.warn(
      { ...fields, outcome: code, err: (result as Error).message, ...detail, ...(retry ? { retry_after_seconds: Number(retry) } : {}) },
      step === 'cleanup' ? 'cleanup failed; the janitor will retry' : 'present failed',
    );
  }
}

/**
 * The audit event of one present or cleanup: create or fail; for a cleanup, delete, expire or fail by the status the row
 * ends in, or record_removed when the row had finished before (the janitor removing a record nobody cleaned up).
 */
function auditAction(step: Step, failed: boolean, wasActive: boolean, status?: ChallengeStatus): string {
  if (step === 'present') return failed ? 'challenge.fail' : 'challenge.create';
  if (!wasActive) return 'challenge.record_removed';
  return status === 'EXPIRED' ? 'challenge.expire' : status === 'FAILED' ? 'challenge.fail' : 'challenge.delete';
}
