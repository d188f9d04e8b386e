// One webhook call: SSRF-guarded POST, per-attempt timeout, capped response body, retries with backoff on transient failures.
import type { Logger } from 'pino';
import type { Agent } from 'undici';
import { AppError, isAppError, isNotSentCode } from '../../errors.js';
import { undici } from '../../lazy-undici.js';
import { createGuardedDispatcher } from '../../security/ssrf.js';

/** A far side answering more than this is misbehaving; we never buffer an unbounded reply. */
export const MAX_RESPONSE_BYTES = 64 * 1024;
const MESSAGE_MAX = 200;

export interface WebhookCall {
  url: string;
  /** What the far side calls this request ('create', 'delete', 'test'); for logs and error details. */
  action: string;
  body: Record<string, unknown>;
  /** Auth and custom headers; every value is a secret and never logged. */
  headers: Record<string, string>;
  contentType: 'application/json' | 'application/x-www-form-urlencoded';
  timeoutMs: number;
  maxRetries: number;
  /** Backoff base: attempt n waits base * 2^(n-1) before the next one. */
  backoffMs: number;
  verifyTls: boolean;
  allowPrivate: boolean;
  log: Logger;
  signal?: AbortSignal;
}

export interface WebhookReply {
  status: number;
  text: string;
}

// Certificate problems do not heal by retrying in a second; they need an operator.
const TLS_PERMANENT = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL/;
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT']);

class AttemptTimeout extends Error {}

/** Removes every secret value from text the far side wrote (it may echo a rejected token back) and shortens it. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('[redacted]');
  out = out.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return out.length > MESSAGE_MAX ? `${out.slice(0, MESSAGE_MAX)}...` : out;
}

/** The far side's `message` field when the body is JSON with one, else the start of the body. */
export function farSideMessage(text: string, secrets: readonly string[]): string {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && typeof (parsed as { message?: unknown }).message === 'string') {
      return scrub((parsed as { message: string }).message, secrets);
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  return scrub(text.trim(), secrets);
}

async function readCapped(body: AsyncIterable<Buffer> & { destroy(): void }, host: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_RESPONSE_BYTES) {
      body.destroy();
      throw new AppError('WEBHOOK_FAILED', `webhook ${host} answered more than ${MAX_RESPONSE_BYTES} bytes`, {
        details: { host, reason: 'response too large' },
      });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function findAppError(err: unknown): AppError | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (isAppError(e)) return e;
  }
  return undefined;
}

function errorCode(err: unknown): string {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return err instanceof Error ? err.name : 'unknown';
}

/** Turns a thrown error from one attempt into the AppError we report; retryable marks the ones worth another try. */
function classify(err: unknown, call: WebhookCall, host: string): AppError {
  const app = findAppError(err);
  if (app) return app;
  const code = errorCode(err);
  if (err instanceof AttemptTimeout || TIMEOUT_CODES.has(code)) {
    return new AppError('WEBHOOK_TIMEOUT', `webhook ${host} did not answer within ${call.timeoutMs} ms`, {
      retryable: true,
      details: { host, action: call.action, timeout_ms: call.timeoutMs },
    });
  }
  if (call.signal?.aborted) {
    return new AppError('WEBHOOK_FAILED', `webhook ${host} call aborted by shutdown`, {
      retryable: true,
      details: { host, action: call.action, reason: 'aborted' },
    });
  }
  const retryable = !TLS_PERMANENT.test(code);
  // Only the error code goes out: messages of lower layers are not ours to vouch for.
  return new AppError('WEBHOOK_FAILED', `webhook ${host} unreachable (${code})`, {
    retryable,
    delivery: isNotSentCode(code) || !retryable ? 'not_sent' : 'maybe',
    details: { host, action: call.action, reason: code },
  });
}

/**
 * 4xx statuses that are not about the one request: the far side rejects our credentials (401, 407), or is too slow
 * or too busy (408, 429). They fail every call alike, so they count toward the breaker like a 5xx.
 */
const PROVIDER_WIDE_4XX = new Set([401, 407, 408, 429]);

function statusError(reply: WebhookReply, call: WebhookCall, host: string): AppError {
  const secrets = Object.values(call.headers);
  const message = farSideMessage(reply.text, secrets);
  // 3xx lands here too: redirects are never followed, a moved webhook is a configuration error. The far side's
  // words go to the log and the challenge row only: the ACME client is not theirs to write to.
  return new AppError('WEBHOOK_FAILED', `webhook ${host} answered HTTP ${reply.status}`, {
    retryable: reply.status >= 500,
    // Any other 4xx is the endpoint's answer about this request (a name it does not serve or allow, a body it
    // will not take): the endpoint is up, and the breaker does not count it.
    delivery: reply.status >= 500 ? 'maybe' : reply.status >= 400 && !PROVIDER_WIDE_4XX.has(reply.status) ? 'refused' : 'not_sent',
    details: { host, action: call.action, status: reply.status },
    ...(message ? { logDetail: message } : {}),
  });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** The payload is flat, so a form carries the same keys; null becomes the empty string. */
function encodeBody(call: WebhookCall): string {
  if (call.contentType === 'application/json') return JSON.stringify(call.body);
  return new URLSearchParams(Object.entries(call.body).map(([k, v]) => [k, v === null || v === undefined ? '' : String(v)])).toString();
}

async function attempt(call: WebhookCall, dispatcher: Agent, host: string): Promise<WebhookReply> {
  const { request } = await undici();
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(new AttemptTimeout('attempt timed out')), call.timeoutMs);
  const signal = call.signal ? AbortSignal.any([ac.signal, call.signal]) : ac.signal;
  try {
    const res = await request(call.url, {
      method: 'POST',
      dispatcher,
      signal,
      headersTimeout: call.timeoutMs,
      bodyTimeout: call.timeoutMs,
      headers: {
        'content-type': call.contentType,
        accept: 'application/json',
        'user-agent': 'dns01-proxy-webhook',
        ...call.headers,
      },
      body: encodeBody(call),
    });
    return { status: res.statusCode, text: await readCapped(res.body, host) };
  } catch (err) {
    throw ac.signal.aborted && !call.signal?.aborted ? new AttemptTimeout('attempt timed out', { cause: err }) : err;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * POSTs call.body and returns the first 2xx reply. Network errors, timeouts and 5xx are retried up to maxRetries
 * times; 3xx/4xx, blocked targets and certificate errors are final at once (external-dns does the same: 4xx is
 * permanent). The last failure is thrown: WEBHOOK_TIMEOUT, WEBHOOK_TARGET_BLOCKED or WEBHOOK_FAILED.
 */
export async function callWebhook(call: WebhookCall): Promise<WebhookReply> {
  const host = new URL(call.url).host;
  const dispatcher = await agentFor(call);
  // Whether any attempt may have reached the far side; only if none did is the failure undelivered.
  let reached = false;
  for (let n = 1; ; n++) {
    let failure: AppError;
    try {
      const reply = await attempt(call, dispatcher, host);
      if (reply.status >= 200 && reply.status < 300) {
        call.log.debug({ host, action: call.action, status: reply.status, attempt: n }, 'webhook answered');
        return reply;
      }
      failure = statusError(reply, call, host);
    } catch (err) {
      failure = classify(err, call, host);
    }
    const retry = failure.retryable && failure.code !== 'WEBHOOK_TARGET_BLOCKED' && n <= call.maxRetries && !call.signal?.aborted;
    const delay = call.backoffMs * 2 ** (n - 1);
    call.log.warn(
      {
        host, action: call.action, attempt: n, code: failure.code, status: failure.details?.status,
        ...(failure.logDetail ? { detail: failure.logDetail } : {}), ...(retry ? { retryInMs: delay } : {}),
      },
      'webhook attempt failed',
    );
    if (failure.delivery !== 'not_sent') reached = true;
    if (!retry) {
      if (failure.details) failure.details.attempts = n;
      if (reached && failure.delivery === 'not_sent') {
        throw new AppError(failure.code, failure.message, { retryable: failure.retryable, delivery: 'maybe', ...(failure.details ? { details: failure.details } : {}), cause: failure });
      }
      throw failure;
    }
    await sleep(delay, call.signal);
  }
}

/**
 * One guarded agent per connection policy, kept for the process: its connections are reused (keep-alive), where a
 * new connection and TLS handshake per call was most of a webhook call's cost. Every new connection is still checked
 * against the policy (security/ssrf.ts); a reused one goes to an address that passed that check.
 */
const agents = new Map<string, Promise<Agent>>();

function agentFor(call: WebhookCall): Promise<Agent> {
  const key = `${call.allowPrivate}|${call.verifyTls}|${call.timeoutMs}`;
  let agent = agents.get(key);
  if (!agent) {
    agent = createGuardedDispatcher({ allowPrivate: call.allowPrivate, rejectUnauthorized: call.verifyTls, connectTimeoutMs: call.timeoutMs });
    agents.set(key, agent);
  }
  return agent;
}
