// Start-up's wait for PostgreSQL: tries until it answers, with capped exponential backoff, for at most DNS01_DATABASE_WAIT.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { connectionErrorCode } from './client.js';

/** Also a server not up yet at start-up: its name does not resolve yet (its container or Service is not there), no route to it yet. */
const NOT_THERE_YET: ReadonlySet<string> = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** The code and text of the error (or of its causes: drizzle wraps the driver's as "Failed query: …") saying the server is not up. */
function notUp(err: unknown): { code: string; message: string } | undefined {
  for (let e = err as { code?: string; message?: string; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    const code = connectionErrorCode({ code: e.code }) ?? (NOT_THERE_YET.has(e.code ?? '') ? e.code : undefined);
    if (code) return { code, message: String(e.message ?? code) };
  }
  return undefined;
}

/** "5m", "2s", "750ms": as the setting is written. */
function duration(ms: number): string {
  if (ms > 0 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

export interface WaitOptions {
  /** How long to keep trying (DNS01_DATABASE_WAIT); 0 gives up after the first failure. */
  waitMs: number;
  log: Logger;
  /** Aborted (SIGTERM): stop waiting at once; rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
  /** Each failed attempt: how many so far and why (no secret in it). */
  onRetry?: ((attempts: number, error: string) => void) | undefined;
  /** Text that must never reach a log line or the final message (the password of DATABASE_URL). */
  secrets?: string[];
  firstDelayMs?: number;
  maxDelayMs?: number;
}

/** The password of a postgres:// URL as written and as decoded: what an error text must never carry. */
export function urlSecrets(url: string): string[] {
  try {
    const password = new URL(url).password;
    return password ? [...new Set([password, decodeURIComponent(password)])] : [];
  } catch {
    return [];
  }
}

/**
 * Runs `attempt` until it succeeds. Only a server that is not there yet is waited for (refused, reset, timed out, starting
 * up, name not resolving); any other failure (a wrong password, no such database) is thrown at once, since waiting would
 * not fix it. Giving up throws one line naming the wait, the attempts and the last error.
 */
export async function untilDatabaseUp(attempt: () => Promise<void>, opts: WaitOptions): Promise<void> {
  const { log, signal } = opts;
  const started = Date.now();
  const scrub = (text: string) => (opts.secrets ?? []).reduce((t, s) => (s ? t.split(s).join('***') : t), text);
  const aborted = new Promise<never>((_, reject) => {
    if (signal?.aborted) reject(signal.reason);
    signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
  aborted.catch(() => undefined);
  for (let n = 1, delay = opts.firstDelayMs ?? 500; ; n++, delay = Math.min(delay * 2, opts.maxDelayMs ?? 10_000)) {
    signal?.throwIfAborted();
    try {
      const tried = attempt();
      // Left running when SIGTERM comes mid-attempt (a connect can take connect_timeout); its outcome no longer matters.
      tried.catch(() => undefined);
      await Promise.race([tried, aborted]);
      if (n > 1) log.info({ attempts: n }, 'database reachable');
      return;
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      const down = notUp(err);
      if (!down) throw err;
      const { code } = down;
      const error = scrub(down.message).slice(0, 200);
      const left = started + opts.waitMs - Date.now();
      if (left <= 0) {
        throw new Error(`the database did not answer within ${duration(opts.waitMs)} (DNS01_DATABASE_WAIT; ${n} attempt${n === 1 ? '' : 's'}, last error: ${error}); start it, or wait longer`);
      }
      const next = Math.min(delay, left);
      opts.onRetry?.(n, error);
      log.warn({ attempt: n, nextTryInMs: next, code, err: error }, 'database not reachable; trying again');
      await sleep(next, undefined, signal ? { signal } : {}).catch(() => signal?.throwIfAborted());
    }
  }
}
