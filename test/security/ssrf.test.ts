// The SSRF guard against real servers: a real DNS server answers the names, a real HTTP server (maybe) gets the call.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { AppError } from '../../src/errors.js';
import { checkWebhookUrl, createGuardedDispatcher, isBlockedAddress, type ResolveAll } from '../../src/security/ssrf.js';
import { startHttpsWebhookReceiver, startWebhookReceiver, type HttpsWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { resolverLookup, startTinyDns, type TinyDns } from './tiny-dns.js';

async function refusal(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err, 'expected the call to be refused').toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe('WEBHOOK_TARGET_BLOCKED');
  return err as AppError;
}

function blockedSync(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return e as AppError;
  }
  throw new Error('expected a refusal');
}

describe('checkWebhookUrl (save time)', () => {
  it('accepts https to a public-looking name and to a public literal IP', () => {
    expect(checkWebhookUrl('https://hooks.example.com/dns?x=1', { allowPrivate: false }).host).toBe('hooks.example.com');
    expect(checkWebhookUrl('https://8.8.8.8/hook', { allowPrivate: false }).hostname).toBe('8.8.8.8');
  });

  it('refuses plain http unless private webhooks are allowed', () => {
    const err = blockedSync(() => checkWebhookUrl('http://hooks.example.com/x', { allowPrivate: false }));
    expect(err.code).toBe('WEBHOOK_TARGET_BLOCKED');
    expect(err.message).toContain('https');
    expect(checkWebhookUrl('http://hooks.example.com/x', { allowPrivate: true }).protocol).toBe('http:');
  });

  it.each(['ftp://example.com/x', 'file:///etc/passwd', 'gopher://example.com/'])('refuses the scheme of %s', (u) => {
    expect(blockedSync(() => checkWebhookUrl(u, { allowPrivate: true })).code).toBe('WEBHOOK_TARGET_BLOCKED');
  });

  it('refuses userinfo without repeating it', () => {
    const err = blockedSync(() => checkWebhookUrl('https://admin:hunter22@hooks.example.com/', { allowPrivate: true }));
    expect(err.code).toBe('WEBHOOK_TARGET_BLOCKED');
    expect(JSON.stringify({ m: err.message, d: err.details })).not.toContain('hunter22');
  });

  it('refuses a malformed URL as a validation error', () => {
    expect(blockedSync(() => checkWebhookUrl('not a url', { allowPrivate: false })).code).toBe('VALIDATION_ERROR');
  });

  it.each([
    'https://127.0.0.1/', 'https://0x7f.1/', 'https://2130706433/', 'https://0177.0.0.1/', 'https://[::1]/',
    'https://[::ffff:127.0.0.1]/', 'https://[::ffff:7f00:1]/', 'https://169.254.169.254/latest/meta-data/',
    'https://[::ffff:169.254.169.254]/', 'https://10.0.0.5/', 'https://[fd00:ec2::254]/', 'https://[64:ff9b::a00:5]/',
    'https://localhost/', 'https://api.localhost/', 'https://localhost./', 'https://LOCALHOST./', 'https://foo.localhost./',
    'https://Foo.LocalHost/', 'https://localhost../', 'http://localhost:8080/', 'https://printer.local/', 'https://printer.local./',
    'https://nas.home.arpa/', 'https://hooks.invalid/', 'https://x.onion/',
  ])('refuses %s', (u) => {
    const err = blockedSync(() => checkWebhookUrl(u, { allowPrivate: false }));
    expect(err.code).toBe('WEBHOOK_TARGET_BLOCKED');
    expect(err.status).toBe(400);
  });

  it('with private webhooks allowed, still refuses names that never resolve, but allows loopback names', () => {
    for (const u of ['https://hooks.invalid/', 'https://hooks.invalid./', 'https://x.onion/']) {
      expect(blockedSync(() => checkWebhookUrl(u, { allowPrivate: true })).code).toBe('WEBHOOK_TARGET_BLOCKED');
    }
    for (const u of ['http://localhost./', 'https://foo.localhost/', 'http://printer.local/', 'https://hooks.test/']) {
      expect(checkWebhookUrl(u, { allowPrivate: true }).href).toBe(u);
    }
    // Names that only look alike are ordinary names.
    for (const u of ['https://localhost.example.com/', 'https://mylocalhost/', 'https://invalid.example/', 'https://local.example.org/']) {
      expect(checkWebhookUrl(u, { allowPrivate: false }).href).toBe(u);
    }
  });

  it('names the range but never the path or query (they carry tokens)', () => {
    const err = blockedSync(() => checkWebhookUrl('https://0x7f.1/hook?token=sekrit-token', { allowPrivate: false }));
    expect(err.message).toContain('127.0.0.0/8 (loopback)');
    expect(JSON.stringify({ m: err.message, d: err.details })).not.toContain('sekrit-token');
  });

  it('keeps metadata addresses refused even with private webhooks allowed', () => {
    expect(checkWebhookUrl('http://10.0.0.5/x', { allowPrivate: true }).hostname).toBe('10.0.0.5');
    expect(blockedSync(() => checkWebhookUrl('http://169.254.169.254/', { allowPrivate: true })).message).toContain('metadata');
  });

  it.each([22, 25, 1, 444, 1023, 0])('refuses port %i, naming the field and port, unless the setting lists it', (port) => {
    const err = blockedSync(() => checkWebhookUrl(`https://hooks.example.com:${port}/x?token=port-tok`, { allowPrivate: true, field: 'create_url' }));
    expect(err.code).toBe('WEBHOOK_TARGET_BLOCKED');
    expect(err.status).toBe(400);
    expect(err.message).toMatch(new RegExp(`^create_url: .*port ${port} is not allowed`));
    expect(err.details).toMatchObject({ field: 'create_url', port, host: 'hooks.example.com' });
    expect(JSON.stringify({ m: err.message, d: err.details })).not.toContain('port-tok');
    if (port > 0) expect(checkWebhookUrl(`https://hooks.example.com:${port}/x`, { allowPrivate: true, allowedPorts: [port] }).port).toBe(String(port));
  });

  it('takes 80, 443 (also implied by the scheme), 1024 and 65535 without the setting', () => {
    for (const u of ['http://hooks.example.com/', 'http://hooks.example.com:80/', 'https://hooks.example.com/', 'https://hooks.example.com:443/', 'https://hooks.example.com:1024/', 'https://hooks.example.com:65535/', 'http://hooks.example.com:443/', 'https://hooks.example.com:80/']) {
      expect(checkWebhookUrl(u, { allowPrivate: true }).hostname, u).toBe('hooks.example.com');
    }
  });

  it.each([
    ['254 characters', `https://${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}/`, 'over 253'],
    ['a 64-character label', `https://${'a'.repeat(64)}.example.com/`, 'over 63'],
    ['two dots in a row', 'https://hooks..example.com/', 'empty label'],
    ['a leading dot', 'https://.hooks.example.com/', 'empty label'],
    ['two trailing dots', 'https://hooks.example.com../', 'empty label'],
  ])('refuses a host name of %s as a validation error naming the field', (_what, u, words) => {
    const err = blockedSync(() => checkWebhookUrl(u, { allowPrivate: false, field: 'delete_url' }));
    expect(err.code).toBe('VALIDATION_ERROR');
    expect(err.message).toMatch(/^delete_url: webhook host .* is not a valid host name/);
    expect(err.message).toContain(words);
    expect(err.details).toEqual({ fields: [{ field: 'delete_url', message: expect.stringContaining(words) }] });
  });

  it('takes a host name of 253 characters, with or without the root\'s trailing dot; IP literals meet the guard, not the name rules', () => {
    const name = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;
    expect(name.length).toBe(253);
    expect(checkWebhookUrl(`https://${name}/`, { allowPrivate: false }).hostname).toBe(name);
    expect(checkWebhookUrl(`https://${name}./`, { allowPrivate: false }).hostname).toBe(`${name}.`);
    expect(blockedSync(() => checkWebhookUrl('https://[::ffff:169.254.169.254]:8443/', { allowPrivate: true })).message).toContain('metadata');
    expect(blockedSync(() => checkWebhookUrl('https://10.0.0.5:22/', { allowPrivate: false })).message).toContain('private');
  });
});

describe('createGuardedDispatcher (connect time)', () => {
  let dns: TinyDns;
  let hook: WebhookReceiver;
  let hookClosing: WebhookReceiver;
  let pinned: WebhookReceiver;
  let tlsHook: HttpsWebhookReceiver;
  // Names the tiny DNS server knows; `rebind` and `pinned` change their answer on the second query.
  const zone: Record<string, (n: number) => string[]> = {
    'private.test': () => ['10.0.0.5'],
    'loop.test': () => ['127.0.0.1'],
    'meta.test': () => ['169.254.169.254'],
    'mixed.test': () => ['127.0.0.1', '10.0.0.5'],
    'rebind.test': (n) => (n === 1 ? ['127.0.0.1'] : ['10.0.0.5']),
    'pinned.test': (n) => (n === 1 ? ['127.0.0.2'] : ['127.0.0.3']),
  };
  // There is no reachable public address on a test machine: the policy treats 127.0.0.1 and 127.0.0.2 as public.
  const outside = (ip: string) => (ip === '127.0.0.1' || ip === '127.0.0.2' ? null : isBlockedAddress(ip));

  beforeAll(async () => {
    dns = await startTinyDns((name, n) => zone[name]?.(n) ?? []);
    hook = await startWebhookReceiver();
    hookClosing = await startWebhookReceiver({ closeConnections: true });
    pinned = await startWebhookReceiver({ host: '127.0.0.2' });
    tlsHook = await startHttpsWebhookReceiver();
  });
  afterAll(async () => {
    await Promise.all([dns?.stop(), hook?.stop(), hookClosing?.stop(), pinned?.stop(), tlsHook?.stop()]);
  });

  async function post(url: string, dispatcher: Awaited<ReturnType<typeof createGuardedDispatcher>>) {
    try {
      const res = await request(url, { method: 'POST', dispatcher, body: '{"action":"test"}', headers: { 'content-type': 'application/json' } });
      await res.body.text();
      return res.statusCode;
    } finally {
      await dispatcher.destroy();
    }
  }

  it('refuses a name that resolves to a private or loopback address, before any connection', async () => {
    const lookup = resolverLookup(dns.port);
    const before = hook.calls.length;
    for (const name of ['private.test', 'loop.test']) {
      const err = await refusal(post(`http://${name}:${hook.port}/hook`, await createGuardedDispatcher({ allowPrivate: false, lookup })));
      expect(err.message).toContain(name);
    }
    expect(hook.calls.length).toBe(before);
    expect(dns.queries.get('private.test')).toBeGreaterThan(0);
  });

  it('refuses a name when any one of its addresses is blocked', async () => {
    const d = await createGuardedDispatcher({ allowPrivate: false, lookup: resolverLookup(dns.port), policy: outside });
    const err = await refusal(post(`http://mixed.test:${hook.port}/hook`, d));
    expect(err.message).toContain('10.0.0.5');
  });

  it('refuses metadata names even with private webhooks allowed', async () => {
    const d = await createGuardedDispatcher({ allowPrivate: true, lookup: resolverLookup(dns.port) });
    expect((await refusal(post(`http://meta.test:${hook.port}/`, d))).message).toContain('metadata');
  });

  it('checks every new connection: a rebinding answer on the second resolution is refused', async () => {
    const d = await createGuardedDispatcher({ allowPrivate: false, lookup: resolverLookup(dns.port), policy: outside });
    const url = `http://rebind.test:${hookClosing.port}/hook`;
    const first = await request(url, { method: 'POST', dispatcher: d, body: '{}' });
    await first.body.text();
    expect(first.statusCode).toBe(200);
    // The receiver closed the connection, so the second call resolves again and gets 10.0.0.5.
    const err = await refusal(post(url, d));
    expect(err.message).toContain('10.0.0.5');
    expect(hookClosing.calls.length).toBe(1);
    expect(dns.queries.get('rebind.test')).toBe(2);
  });

  it('connects to exactly the address it checked (no second resolution behind the check)', async () => {
    // First answer 127.0.0.2 (allowed, the receiver listens there); any later answer is 127.0.0.3 (blocked, nobody
    // listens). A guard that checked one answer and let the socket resolve again would fail here.
    const d = await createGuardedDispatcher({ allowPrivate: false, lookup: resolverLookup(dns.port), policy: outside });
    expect(await post(`http://pinned.test:${pinned.port}/hook`, d)).toBe(200);
    expect(pinned.calls.at(-1)?.localAddress).toBe('127.0.0.2');
    expect(dns.queries.get('pinned.test')).toBe(1);
  });

  it('checks literal IPs without resolving them, in every spelling', async () => {
    let lookups = 0;
    const lookup: ResolveAll = async (h) => { lookups++; return [{ address: h, family: 4 }]; };
    const before = hook.calls.length;
    for (const host of ['127.0.0.1', '0x7f.1', '2130706433', '[::ffff:127.0.0.1]', '[::ffff:7f00:1]', '[::1]']) {
      const err = await refusal(post(`http://${host}:${hook.port}/hook`, await createGuardedDispatcher({ allowPrivate: false, lookup })));
      expect(err.details?.reason).toMatch(/loopback/);
    }
    await refusal(post('http://169.254.169.254/latest/meta-data/', await createGuardedDispatcher({ allowPrivate: true, lookup })));
    expect(lookups).toBe(0);
    expect(hook.calls.length).toBe(before);
  });

  it('lets private targets through when allowed', async () => {
    expect(await post(`${hook.url}`, await createGuardedDispatcher({ allowPrivate: true }))).toBe(200);
  });

  it('does not follow redirects: a 302 to a private address stays a 302', async () => {
    hook.setBehaviour({ kind: 'status', status: 302, headers: { location: `http://10.0.0.5:${pinned.port}/steal` } });
    try {
      const before = pinned.calls.length;
      expect(await post(hook.url, await createGuardedDispatcher({ allowPrivate: true }))).toBe(302);
      expect(pinned.calls.length).toBe(before);
    } finally {
      hook.setBehaviour({ kind: 'ok' });
    }
  });

  it('verifies TLS by default and accepts an extra CA', async () => {
    const err = await post(tlsHook.url, await createGuardedDispatcher({ allowPrivate: true })).then(() => null, (e: unknown) => e);
    expect((err as { code?: string }).code).toMatch(/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/);
    expect(await post(tlsHook.url, await createGuardedDispatcher({ allowPrivate: true, ca: tlsHook.caPem }))).toBe(200);
    expect(await post(tlsHook.url, await createGuardedDispatcher({ allowPrivate: true, rejectUnauthorized: false }))).toBe(200);
  });
});
