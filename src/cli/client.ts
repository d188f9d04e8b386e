// The CLI's admin API client: where the daemon is, its token, one bounded request, and errors that never show the token.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Documented in docs/cli.md; scripts rely on these. */
export const EXIT = { ok: 0, api: 1, usage: 2, unreachable: 3, auth: 4 } as const;

export class CliError extends Error {
  constructor(readonly exitCode: number, message: string) {
    super(message);
  }
}

export interface Target {
  url: string;
  token: string;
  timeoutMs: number;
}

export interface TargetFlags {
  url?: string;
  token?: string;
  dataDir?: string;
  timeout?: string;
}

/** The daemon's own default listen address (DNS01_HOST, DNS01_PORT). */
export const DEFAULT_URL = 'http://127.0.0.1:8053';

/** Flags, then the environment, then the admin-token file the daemon writes into its data directory. */
export function resolveTarget(flags: TargetFlags, env: NodeJS.ProcessEnv): Target {
  const url = (flags.url ?? env.DNS01_URL ?? DEFAULT_URL).replace(/\/+$/, '');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(EXIT.usage, 'the daemon URL is not a URL; expected e.g. http://127.0.0.1:8053');
  }
  if (!['http:', 'https:'].includes(parsed.protocol) || parsed.username || parsed.password) {
    throw new CliError(EXIT.usage, 'the daemon URL must be http:// or https:// without user:password (the token goes in --token or DNS01_ADMIN_TOKEN)');
  }
  const seconds = flags.timeout === undefined ? 10 : Number(flags.timeout);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 600) throw new CliError(EXIT.usage, '--timeout: expected seconds, more than 0 and at most 600');
  let token = flags.token ?? env.DNS01_ADMIN_TOKEN;
  if (token === undefined) {
    const file = join(flags.dataDir ?? env.DNS01_DATA_DIR ?? './data', 'admin-token');
    try {
      token = readFileSync(file, 'utf8').trim();
    } catch {
      throw new CliError(EXIT.usage, `no admin token: pass --token, set DNS01_ADMIN_TOKEN, or point --data-dir/DNS01_DATA_DIR at the daemon's data directory (${file} is not readable)`);
    }
  }
  // Checked here so fetch never builds an error message around the header value.
  if (!/^[\x21-\x7e]{1,4096}$/.test(token)) throw new CliError(EXIT.usage, 'the admin token is empty or has characters a header cannot carry');
  return { url, token, timeoutMs: seconds * 1000 };
}

export interface ApiReply {
  status: number;
  body: Record<string, unknown>;
}

/** Replaces the token wherever it might have crept into text meant for a terminal or a log. */
export function redact(text: string, token: string): string {
  return token ? text.split(token).join('***') : text;
}

/** The daemon's /health names it (src/http/identity.ts); anything else on that URL never sees the token. */
const SERVICE = 'dns01-proxy';

export class AdminClient {
  private identified: Promise<void> | undefined;

  constructor(private readonly target: Target) {}

  /** One request under the timeout. Resolves for any JSON reply; `expectOk` turns a non-2xx into a CliError. */
  async request(method: string, path: string, body?: unknown, expectOk = true): Promise<ApiReply> {
    const res = await this.send(method, path, AbortSignal.timeout(this.target.timeoutMs), body);
    return this.reply(res, expectOk);
  }

  /**
   * A GET whose body is read as it arrives (an export): the timeout covers the wait for the reply's head, then each
   * pause between chunks, never the whole transfer. A non-2xx reply is a CliError as for `request`.
   */
  async download(path: string): Promise<{ contentType: string; chunks: AsyncIterable<Uint8Array> }> {
    const abort = new AbortController();
    let timer = setTimeout(() => abort.abort(new DOMException('timed out', 'TimeoutError')), this.target.timeoutMs);
    const res = await this.send('GET', path, abort.signal).catch((err: unknown) => {
      clearTimeout(timer);
      throw err;
    });
    if (!res.ok || !res.body) {
      clearTimeout(timer);
      await this.reply(res, true);
      throw new CliError(EXIT.api, `${this.target.url} answered ${res.status} without a body`);
    }
    const reader = res.body.getReader();
    const chunks = async function* (this: AdminClient) {
      try {
        for (;;) {
          let next: ReadableStreamReadResult<Uint8Array>;
          try {
            next = await reader.read();
          } catch (err) {
            throw new CliError(EXIT.unreachable, `${this.target.url} stopped answering: ${this.reason(err)}`);
          }
          if (next.done) return;
          clearTimeout(timer);
          timer = setTimeout(() => abort.abort(new DOMException('timed out', 'TimeoutError')), this.target.timeoutMs);
          yield next.value;
        }
      } finally {
        clearTimeout(timer);
        await reader.cancel().catch(() => {});
      }
    }.call(this);
    return { contentType: res.headers.get('content-type') ?? '', chunks };
  }

  private async send(method: string, path: string, signal: AbortSignal, body?: unknown): Promise<Response> {
    await (this.identified ??= this.identify());
    try {
      return await fetch(`${this.target.url}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${this.target.token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal,
        redirect: 'error',
      });
    } catch (err) {
      throw new CliError(EXIT.unreachable, `cannot reach ${this.target.url}: ${this.reason(err)}`);
    }
  }

  private async reply(res: Response, expectOk: boolean): Promise<ApiReply> {
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      throw new CliError(EXIT.unreachable, `${this.target.url} stopped answering: ${this.reason(err)}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new CliError(EXIT.api, `${this.target.url} answered ${res.status} without JSON: is this the dns01-proxy daemon?`);
    }
    const reply = { status: res.status, body: (parsed && typeof parsed === 'object' ? parsed : {}) as Record<string, unknown> };
    if (res.status === 401 || res.status === 403) {
      throw new CliError(EXIT.auth, `the daemon refused the admin token (${res.status}): check --token, DNS01_ADMIN_TOKEN or the data directory's admin-token`);
    }
    if (expectOk && (res.status < 200 || res.status > 299)) throw new CliError(EXIT.api, this.apiMessage(reply));
    return reply;
  }

  /** Before the token goes anywhere: /health must say it is dns01-proxy (a shared host may run another daemon there). */
  private async identify(): Promise<void> {
    let service: unknown;
    try {
      const res = await fetch(`${this.target.url}/health`, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(this.target.timeoutMs), redirect: 'error' });
      service = ((await res.json().catch(() => ({}))) as { service?: unknown } | null)?.service;
    } catch (err) {
      throw new CliError(EXIT.unreachable, `cannot reach ${this.target.url}: ${this.reason(err)}`);
    }
    if (service !== SERVICE) {
      const said = typeof service === 'string' ? `says it is ${JSON.stringify(service.slice(0, 60))}` : 'does not name dns01-proxy';
      throw new CliError(EXIT.unreachable, `${this.target.url}/health ${said}: this is not the dns01-proxy daemon, so the admin token was not sent (check --url or DNS01_URL)`);
    }
  }

  apiMessage(reply: ApiReply): string {
    const e = reply.body.error as { code?: string; message?: string; details?: { fields?: { field: string; message: string }[]; problems?: string[] } } | undefined;
    const fields = (e?.details?.fields?.map((f) => `\n  ${f.field || '(body)'}: ${f.message}`).join('') ?? '') + (e?.details?.problems?.map((p) => `\n  ${p}`).join('') ?? '');
    return redact(`${e?.code ?? `HTTP ${reply.status}`}: ${e?.message ?? 'the daemon gave no reason'}${fields}`, this.target.token);
  }

  private reason(err: unknown): string {
    const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
    if (e?.name === 'TimeoutError') return `no answer within ${this.target.timeoutMs / 1000}s`;
    return redact(e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err), this.target.token);
  }
}
