// Caddy admin API client: reads and replaces only our `@id`-tagged TLS automation policies, leaving the rest of Caddy's config alone.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Agent } from 'undici';
import { undici } from '../lazy-undici.js';
import { POLICY_ID_PREFIX, type CaddyPolicy } from './types.js';

export interface CaddyAdminClientOptions {
  /** Per request, connect to last body byte. */
  timeoutMs?: number;
  /** Strings that must never appear in an error (e.g. the internal token); our pushed secrets are scrubbed too. */
  secrets?: () => string[];
}

export type CaddyErrorKind = 'unreachable' | 'timeout' | 'rejected' | 'conflict' | 'protocol';

/** A failed admin call. `caddyMessage` is Caddy's own error text, bounded and scrubbed of secrets. */
export class CaddyAdminError extends Error {
  constructor(
    readonly kind: CaddyErrorKind,
    message: string,
    readonly status?: number,
    readonly caddyMessage?: string,
  ) {
    super(message);
    this.name = 'CaddyAdminError';
  }
}

const MAX_ERROR_TEXT = 1000;
/** A connection Caddy dropped while swapping its admin server (reset, or closed before answering). */
const RESET_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'UND_ERR_SOCKET', 'ECONNREFUSED']);
const SECRET_KEY = /token|secret|password|credential|(^|_)key$/i;
const TLS = '/config/apps/tls';

/** String values under secret-looking keys of what we sent, so Caddy echoing them back cannot leak them. */
function secretValues(value: unknown, out: string[] = [], key = ''): string[] {
  if (typeof value === 'string') {
    if (SECRET_KEY.test(key) && value.length >= 6) out.push(value);
  } else if (Array.isArray(value)) {
    for (const v of value) secretValues(v, out, key);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) secretValues(v, out, k);
  }
  return out;
}

export function isOwnedPolicy(p: unknown): boolean {
  const id = p && typeof p === 'object' ? (p as Record<string, unknown>)['@id'] : undefined;
  return typeof id === 'string' && id.startsWith(POLICY_ID_PREFIX);
}

/**
 * Ours first, then everyone else's in their own order. Caddy uses the first policy whose subjects
 * match, and an operator's catch-all policy (no subjects) must not shadow the names we manage.
 */
export function mergePolicies(current: unknown[], ours: CaddyPolicy[]): unknown[] {
  return [...ours, ...current.filter((p) => !isOwnedPolicy(p))];
}

export class CaddyAdminClient {
  private readonly base: string;
  private readonly timeoutMs: number;
  /**
   * Our own connections, never shared with fetch or anything else in the process: Caddy replaces its
   * admin server on every config load and closes the old one's idle keep-alive sockets, so a pooled
   * socket can be dead by the next call ("other side closed"). Every call closes its socket (`reset`).
   */
  private dispatcher: Agent | undefined;

  constructor(baseUrl: string, private readonly opts: CaddyAdminClientOptions = {}) {
    this.base = baseUrl.replace(/\/+$/, '');
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  private scrub(text: string, extra: unknown): string {
    let out = text;
    for (const s of [...(this.opts.secrets?.() ?? []), ...secretValues(extra)]) {
      if (s) out = out.split(s).join('[redacted]');
    }
    return out.length > MAX_ERROR_TEXT ? `${out.slice(0, MAX_ERROR_TEXT)}…` : out;
  }

  private async call(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    ifMatch?: string,
  ): Promise<{ status: number; text: string; etag?: string }> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (ifMatch) headers['if-match'] = ifMatch;
    // A config load makes Caddy swap its admin server, which can reset a connection it just accepted: a GET (safe to
    // repeat) asks again, twice at most; a POST is never repeated, since Caddy may have applied it.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(method, path, headers, body);
      } catch (err) {
        const code = (err as { code?: string }).code ?? (err as { cause?: { code?: string } }).cause?.code;
        if (method !== 'GET' || attempt >= 3 || !RESET_CODES.has(code ?? '')) throw this.translate(err, method, path);
        await sleep(100 * attempt);
      }
    }
  }

  private async once(method: 'GET' | 'POST', path: string, headers: Record<string, string>, body: unknown): Promise<{ status: number; text: string; etag?: string }> {
    const { Agent, request } = await undici();
    this.dispatcher ??= new Agent();
    const res = await request(`${this.base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
      dispatcher: this.dispatcher,
      reset: true,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    });
    const text = await res.body.text();
    // Caddy 2.6 sends the ETag of a GET as an HTTP trailer (it hashes while streaming).
    const etag = res.trailers?.etag ?? (res.headers.etag as string | undefined);
    return { status: res.statusCode, text, ...(etag ? { etag } : {}) };
  }

  private translate(err: unknown, method: string, path: string): CaddyAdminError {
    const e = err as { name?: string; code?: string; message?: string };
    if (e.name === 'TimeoutError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT') {
      return new CaddyAdminError('timeout', `Caddy admin API ${method} ${path}: no answer within ${this.timeoutMs} ms`);
    }
    const code = e.code ?? (err as { cause?: { code?: string } }).cause?.code ?? 'error';
    return new CaddyAdminError('unreachable', `Caddy admin API ${method} ${path} unreachable: ${code}`);
  }

  private fail(method: string, path: string, status: number, text: string, sent?: unknown): never {
    let caddyText = text.trim();
    try {
      const parsed = JSON.parse(text) as { error?: unknown };
      if (typeof parsed.error === 'string') caddyText = parsed.error;
    } catch { /* not JSON: keep the raw text */ }
    const msg = this.scrub(caddyText, sent);
    const kind = status === 412 ? 'conflict' : 'rejected';
    throw new CaddyAdminError(kind, `Caddy admin API ${method} ${path}: HTTP ${status}: ${msg}`, status, msg);
  }

  private parse(path: string, text: string): unknown {
    try {
      return JSON.parse(text);
    } catch {
      throw new CaddyAdminError('protocol', `Caddy admin API GET ${path}: answer is not JSON`);
    }
  }

  /** GET a config path; a path that does not exist yet reads as undefined (Caddy answers 400 "invalid traversal"). */
  async get(path: string): Promise<{ value: unknown; etag?: string }> {
    const res = await this.call('GET', path);
    if (res.status === 400 && /invalid traversal path/.test(res.text)) return { value: undefined };
    if (res.status !== 200) this.fail('GET', path, res.status, res.text);
    return { value: this.parse(path, res.text), ...(res.etag ? { etag: res.etag } : {}) };
  }

  /** Every automation policy Caddy has now (absent path -> []). */
  async readPolicies(): Promise<unknown[]> {
    const { value } = await this.get(`${TLS}/automation/policies`);
    return Array.isArray(value) ? value : [];
  }

  /** Only the policies this daemon owns, as Caddy holds them. */
  async readOwnedPolicies(): Promise<unknown[]> {
    return (await this.readPolicies()).filter(isOwnedPolicy);
  }

  /**
   * Replaces our policies and keeps everyone else's, creating `apps.tls.automation` when missing.
   * Read-modify-write guarded by If-Match (Caddy 2.6 answers 412 when the config moved underneath),
   * retried a few times; Caddy applies a change atomically and keeps its old config on any error.
   */
  async replaceOwnedPolicies(ours: CaddyPolicy[], attempts = 3): Promise<void> {
    for (let i = 1; ; i++) {
      try {
        return await this.replaceOnce(ours);
      } catch (err) {
        if (!(err instanceof CaddyAdminError) || err.kind !== 'conflict' || i >= attempts) throw err;
      }
    }
  }

  private async replaceOnce(ours: CaddyPolicy[]): Promise<void> {
    const tls = await this.get(TLS);
    if (tls.value !== undefined) {
      const tlsObj = (tls.value ?? {}) as Record<string, unknown>;
      const automation = (tlsObj.automation ?? {}) as Record<string, unknown>;
      const current = Array.isArray(automation.policies) ? automation.policies : [];
      const merged = mergePolicies(current, ours);
      if (tls.value === null) {
        if (merged.length === 0) return;
        return this.post(TLS, { automation: { policies: merged } }, tls.etag);
      }
      const next = { ...automation };
      if (merged.length > 0) next.policies = merged;
      else delete next.policies;
      // POST on an object key sets it whole (only an existing array would be appended to).
      return this.post(`${TLS}/automation`, next, tls.etag);
    }
    if (ours.length === 0) return;
    const tlsApp = { automation: { policies: ours } };
    const apps = await this.get('/config/apps');
    if (apps.value !== undefined && apps.value !== null) return this.post('/config/apps/tls', tlsApp, apps.etag);
    const root = await this.get('/config/');
    const rootObj = root.value && typeof root.value === 'object' ? (root.value as Record<string, unknown>) : null;
    if (rootObj) return this.post('/config/apps', { tls: tlsApp }, root.etag);
    // Caddy started with no config at all: nothing else to keep.
    return this.post('/config/', { apps: { tls: tlsApp } }, root.etag);
  }

  /** POST (set) one config path; with `etag` from get(), Caddy refuses with 412 if that path changed since. */
  async post(path: string, body: unknown, etag?: string): Promise<void> {
    const res = await this.call('POST', path, body, etag);
    if (res.status !== 200) this.fail('POST', path, res.status, res.text, body);
  }
}
