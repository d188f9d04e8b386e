// The webhook provider against a real HTTP(S) receiver: payloads, headers, record ids, retries, timeouts, SSRF, secrets.
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { AppError } from '../../src/errors.js';
import type { PluginContext, RecordRequest } from '../../src/plugin-api/index.js';
import { webhookPlugin, type WebhookCredentials } from '../../src/plugins/webhook/index.js';
import { subdomainOf } from '../../src/plugins/webhook/payload.js';
import { startHttpsWebhookReceiver, startWebhookReceiver, type HttpsWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const AUTH = 'Bearer auth-secret-7f3a9c';
const CUSTOM = 'custom-secret-b81d2e';
const logLines: string[] = [];
const log = pino({ level: 'trace' }, new Writable({ write(chunk, _enc, cb) { logLines.push(String(chunk)); cb(); } }));
const ctx = (allowPrivateWebhooks = true): PluginContext => ({ log, settings: { allowPrivateWebhooks, scriptsDir: '/nonexistent' }, signal: new AbortController().signal });

function creds(over: Record<string, unknown>): WebhookCredentials {
  return webhookPlugin.credentials.parse({ auth_value: AUTH, headers: { 'X-Api-Key': CUSTOM }, retry_backoff_ms: 5, ...over });
}

const req: RecordRequest = {
  challengeId: 'ch-123',
  fqdn: '_acme-challenge.www.example.com',
  domain: 'www.example.com',
  zone: 'example.com',
  value: 'Xz1aB2cD3eF4gH5iJ6kL7mN8oP9qR0sT1uV2wX3yZ4a',
  ttl: 60,
};

async function failure(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err, 'expected the call to fail').toBeInstanceOf(AppError);
  const e = err as AppError;
  // No secret may leave through an error, whatever the failure.
  expect(JSON.stringify({ m: e.message, d: e.details, b: e.toBody() })).not.toMatch(/auth-secret|custom-secret/);
  return e;
}

let hook: WebhookReceiver;
let other: WebhookReceiver;
let tlsHook: HttpsWebhookReceiver;

beforeAll(async () => {
  [hook, other, tlsHook] = await Promise.all([startWebhookReceiver(), startWebhookReceiver(), startHttpsWebhookReceiver()]);
});
afterAll(async () => {
  await Promise.all([hook?.stop(), other?.stop(), tlsHook?.stop()]);
  // Whatever happened above, no log line carried a secret.
  const all = logLines.join('\n');
  expect(all.length).toBeGreaterThan(0);
  expect(all).not.toContain('auth-secret');
  expect(all).not.toContain('custom-secret');
});
afterEach(() => {
  hook.setBehaviour({ kind: 'ok' });
  hook.calls.length = 0;
  other.calls.length = 0;
});

describe('webhook provider: requests', () => {
  it('POSTs the documented payload with auth and custom headers', async () => {
    const { recordId } = await webhookPlugin.present(creds({ create_url: hook.url }), req, ctx());
    expect(recordId).toBe('rec-1');
    expect(hook.calls).toHaveLength(1);
    const call = hook.calls[0]!;
    expect(call.method).toBe('POST');
    expect(call.headers['content-type']).toBe('application/json');
    expect(call.headers.authorization).toBe(AUTH);
    expect(call.headers['x-api-key']).toBe(CUSTOM);
    expect(call.body).toEqual({
      action: 'create',
      fqdn: '_acme-challenge.www.example.com',
      domain: 'www.example.com',
      zone: 'example.com',
      subdomain: '_acme-challenge.www',
      value: req.value,
      ttl: 60,
      request_id: 'ch-123',
      timestamp: expect.any(String),
    });
    expect(new Date(call.body.timestamp).toISOString()).toBe(call.body.timestamp);
  });

  it('uses a custom auth header name and sends no auth header without a value', async () => {
    await webhookPlugin.present(creds({ create_url: hook.url, auth_header: 'X-Hook-Token' }), req, ctx());
    expect(hook.calls[0]!.headers['x-hook-token']).toBe(AUTH);
    expect(hook.calls[0]!.headers.authorization).toBeUndefined();
    await webhookPlugin.present(webhookPlugin.credentials.parse({ create_url: hook.url }), req, ctx());
    expect(hook.calls[1]!.headers.authorization).toBeUndefined();
  });

  it('round-trips record_id: delete carries the value and the id create returned', async () => {
    const c = creds({ create_url: hook.url });
    const { recordId } = await webhookPlugin.present(c, req, ctx());
    await webhookPlugin.cleanup(c, { ...req, recordId }, ctx());
    expect(hook.calls.map((x) => x.body.action)).toEqual(['create', 'delete']);
    expect(hook.calls[1]!.body).toMatchObject({ action: 'delete', value: req.value, record_id: recordId, request_id: 'ch-123' });
  });

  it('sends delete to delete_url when set', async () => {
    const c = creds({ create_url: hook.url, delete_url: other.url });
    await webhookPlugin.cleanup(c, { ...req, recordId: null }, ctx());
    expect(hook.calls).toHaveLength(0);
    expect(other.calls[0]!.body).toMatchObject({ action: 'delete', record_id: null });
  });

  it('derives subdomain from the zone it is given, and guesses none without one', async () => {
    await webhookPlugin.present(creds({ create_url: hook.url }), { ...req, zone: 'example.co.uk', fqdn: '_acme-challenge.a.b.example.co.uk' }, ctx());
    expect(hook.calls[0]!.body).toMatchObject({ subdomain: '_acme-challenge.a.b', zone: 'example.co.uk' });
    // No zone known (the daemon's SOA walk failed): null, not "the last two labels".
    await webhookPlugin.present(creds({ create_url: hook.url }), { ...req, zone: undefined, fqdn: '_acme-challenge.a.b.example.co.uk' }, ctx());
    expect(hook.calls[1]!.body).toMatchObject({ zone: null, subdomain: null, fqdn: '_acme-challenge.a.b.example.co.uk' });
    expect(subdomainOf('_acme-challenge.shop.example.co.uk', 'example.co.uk')).toBe('_acme-challenge.shop');
    expect(subdomainOf('_acme-challenge.example.com.', 'example.com')).toBe('_acme-challenge');
    expect(subdomainOf('_acme-challenge.example.com', '_acme-challenge.example.com')).toBe('@');
    expect(subdomainOf('_acme-challenge.example.com', 'example.org')).toBeNull();
    expect(subdomainOf('_acme-challenge.example.com')).toBeNull();
  });
});

describe('webhook provider: failures and retries', () => {
  it('retries 5xx with backoff and succeeds', async () => {
    hook.setBehaviour({ kind: 'fail', times: 3, status: 503 });
    const firstLine = logLines.length;
    const { recordId } = await webhookPlugin.present(creds({ create_url: hook.url, max_retries: 3, retry_backoff_ms: 7 }), req, ctx());
    expect(recordId).toMatch(/^rec-\d+$/);
    expect(hook.calls).toHaveLength(4);
    // The schedule, read from the logs rather than a clock: base, 2x base, 4x base.
    const waits = logLines.slice(firstLine).map((l) => JSON.parse(l) as { retryInMs?: number }).flatMap((l) => l.retryInMs ?? []);
    expect(waits).toEqual([7, 14, 28]);
  });

  it('gives up after max_retries with WEBHOOK_FAILED carrying status and the far side message', async () => {
    hook.setBehaviour({ kind: 'fail', times: 100, status: 500, message: 'database down' });
    const err = await failure(webhookPlugin.present(creds({ create_url: hook.url, max_retries: 2 }), req, ctx()));
    expect(err.code).toBe('WEBHOOK_FAILED');
    expect(err.status).toBe(502);
    expect(err.retryable).toBe(true);
    expect(err.details).toMatchObject({ status: 500, attempts: 3 });
    expect(err.logDetail).toBe('database down');
    expect(hook.calls).toHaveLength(3);
  });

  it.each([400, 401, 403, 404, 422, 429])('does not retry HTTP %i', async (status) => {
    hook.setBehaviour({ kind: 'status', status, body: { success: false, message: 'no' } });
    const err = await failure(webhookPlugin.present(creds({ create_url: hook.url, max_retries: 3 }), req, ctx()));
    expect(err.code).toBe('WEBHOOK_FAILED');
    expect(err.retryable).toBe(false);
    expect(err.details).toMatchObject({ status, attempts: 1 });
    expect(hook.calls).toHaveLength(1);
  });

  it('turns a hanging far side into WEBHOOK_TIMEOUT after each attempt times out', async () => {
    hook.setBehaviour({ kind: 'hang' });
    const err = await failure(webhookPlugin.present(creds({ create_url: hook.url, timeout_seconds: 0.3, max_retries: 1 }), req, ctx()));
    expect(err.code).toBe('WEBHOOK_TIMEOUT');
    expect(err.status).toBe(504);
    expect(err.retryable).toBe(true);
    expect(hook.calls).toHaveLength(2);
  });

  it('stops at once, without retrying, when the daemon shuts down mid-call', async () => {
    hook.setBehaviour({ kind: 'hang' });
    const shutdown = new AbortController();
    const call = webhookPlugin.present(creds({ create_url: hook.url, timeout_seconds: 60, max_retries: 3 }), req, { ...ctx(), signal: shutdown.signal });
    while (hook.calls.length === 0) await new Promise((r) => setTimeout(r, 10));
    shutdown.abort();
    const err = await failure(call);
    expect(err.code).toBe('WEBHOOK_FAILED');
    expect(err.details).toMatchObject({ reason: 'aborted', attempts: 1 });
    expect(hook.calls).toHaveLength(1);
  });

  it('treats success:false as WEBHOOK_FAILED without retrying', async () => {
    hook.setBehaviour({ kind: 'successFalse', message: 'zone is locked' });
    const err = await failure(webhookPlugin.present(creds({ create_url: hook.url }), req, ctx()));
    expect(err.code).toBe('WEBHOOK_FAILED');
    expect(err.details).toMatchObject({ success: false });
    expect(err.logDetail).toBe('zone is locked');
    expect(hook.calls).toHaveLength(1);
  });

  it('refuses a 2xx that is not JSON {success: true}', async () => {
    hook.setBehaviour({ kind: 'status', status: 200, body: '<html>welcome to nginx</html>' });
    expect((await failure(webhookPlugin.present(creds({ create_url: hook.url }), req, ctx()))).code).toBe('WEBHOOK_FAILED');
  });

  it('caps the response body at 64 KiB', async () => {
    hook.setBehaviour({ kind: 'huge', bytes: 200 * 1024 });
    const err = await failure(webhookPlugin.present(creds({ create_url: hook.url }), req, ctx()));
    expect(err.code).toBe('WEBHOOK_FAILED');
    expect(err.details?.reason).toBe('response too large');
  });

  it('truncates the far side message and scrubs secrets it echoes back', async () => {
    hook.setBehaviour({ kind: 'status', status: 401, body: { success: false, message: `token ${AUTH} and ${CUSTOM} rejected ${'x'.repeat(500)}` } });
    const err = await failure(webhookPlugin.present(creds({ create_url: hook.url }), req, ctx()));
    const message = String(err.logDetail);
    expect(message).toContain('[redacted]');
    expect(message.length).toBeLessThanOrEqual(203);
  });

  it('does not follow a redirect to a private address', async () => {
    hook.setBehaviour({ kind: 'status', status: 302, headers: { location: other.url }, body: '' });
    const err = await failure(webhookPlugin.present(creds({ create_url: hook.url }), req, ctx()));
    expect(err.code).toBe('WEBHOOK_FAILED');
    expect(err.details).toMatchObject({ status: 302, attempts: 1 });
    expect(other.calls).toHaveLength(0);
  });

  it('reports an unreachable far side as WEBHOOK_FAILED after retries', async () => {
    const gone = await startWebhookReceiver();
    await gone.stop();
    const err = await failure(webhookPlugin.present(creds({ create_url: gone.url, max_retries: 1 }), req, ctx()));
    expect(err.code).toBe('WEBHOOK_FAILED');
    expect(err.details).toMatchObject({ reason: 'ECONNREFUSED', attempts: 2 });
  });
});

describe('webhook provider: SSRF and TLS', () => {
  it('refuses private targets unless allowed, without sending anything', async () => {
    for (const url of [hook.url, hook.url.replace('http:', 'https:'), `https://[::ffff:127.0.0.1]:${hook.port}/hook`]) {
      const err = await failure(webhookPlugin.present(creds({ create_url: url }), req, ctx(false)));
      expect(err.code).toBe('WEBHOOK_TARGET_BLOCKED');
      expect(err.status).toBe(400);
    }
    expect(hook.calls).toHaveLength(0);
  });

  it('check() validates both URLs against the setting', () => {
    const c = creds({ create_url: 'https://hooks.example.com/create', delete_url: 'http://hooks.example.com/delete' });
    expect(() => webhookPlugin.check(c, ctx(false).settings)).toThrow(/https/);
    expect(() => webhookPlugin.check(c, ctx(true).settings)).not.toThrow();
    expect(() => webhookPlugin.check(creds({ create_url: 'https://169.254.169.254/' }), ctx(true).settings)).toThrow(/metadata/);
    expect(() => webhookPlugin.check(creds({ create_url: 'https://hooks.example.com/x' }), ctx(false).settings)).not.toThrow();
  });

  it('verifies TLS by default (no retry on a bad certificate) and skips it with verify_tls false', async () => {
    const err = await failure(webhookPlugin.present(creds({ create_url: tlsHook.url }), req, ctx()));
    expect(err.code).toBe('WEBHOOK_FAILED');
    expect(err.retryable).toBe(false);
    expect(err.details?.attempts).toBe(1);
    const { recordId } = await webhookPlugin.present(creds({ create_url: tlsHook.url, verify_tls: false }), req, ctx());
    expect(recordId).toMatch(/^rec-/);
    expect(tlsHook.calls.at(-1)!.headers.authorization).toBe(AUTH);
  });
});

describe('webhook provider: test() and credentials', () => {
  it('test() POSTs {action: "test"} and takes any 2xx as ok', async () => {
    hook.setBehaviour({ kind: 'status', status: 202, body: 'accepted' });
    expect(await webhookPlugin.test(creds({ create_url: hook.url }), ctx())).toEqual({ ok: true, message: 'webhook answered HTTP 202' });
    expect(hook.calls[0]!.body).toEqual({ action: 'test', request_id: expect.any(String), timestamp: expect.any(String) });
  });

  it('test() reports failures without retrying and without secrets', async () => {
    hook.setBehaviour({ kind: 'status', status: 401, body: { success: false, message: `bad token ${AUTH}` } });
    const res = await webhookPlugin.test(creds({ create_url: hook.url }), ctx());
    expect(res.ok).toBe(false);
    expect(res.message).toContain('401');
    expect(res.message).not.toContain('auth-secret');
    expect(hook.calls).toHaveLength(1);
    expect((await webhookPlugin.test(creds({ create_url: hook.url }), ctx(false))).ok).toBe(false);
  });

  it('fills defaults and refuses bad input without echoing values', () => {
    const c = webhookPlugin.credentials.parse({ create_url: 'https://hooks.example.com/x' });
    expect(c).toMatchObject({ auth_header: 'Authorization', headers: {}, timeout_seconds: 10, max_retries: 3, retry_backoff_ms: 1000, verify_tls: true });
    for (const bad of [
      { create_url: 'https://h/x', timeout_seconds: 121 },
      { create_url: 'https://h/x', headers: { Host: 'evil' } },
      { create_url: 'https://h/x', headers: { 'X-A': `line\r\ninjected ${CUSTOM}` } },
      { create_url: 'https://h/x', auth_header: 'Content-Length' },
      { create_url: 'https://h/x', unknown_field: 1 },
    ]) {
      const r = webhookPlugin.credentials.safeParse(bad);
      expect(r.success).toBe(false);
      expect(JSON.stringify(r.error?.issues.map((i) => i.message))).not.toContain('custom-secret');
    }
    // No Caddy module of its own: Caddy sends webhook challenges to the daemon.
    expect('caddyConfig' in webhookPlugin).toBe(false);
    expect(typeof webhookPlugin.present).toBe('function');
  });
});
