// Bad input gets a documented 4xx, stores nothing and sends nothing: malformed JSON, huge bodies, odd names and values.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

describe('hostile input', () => {
  let d: TestDaemon;
  let hook: WebhookReceiver;
  let providerId: string;

  beforeAll(async () => {
    hook = await startWebhookReceiver();
    d = await startTestDaemon();
    providerId = await d.addProvider({ name: 'h', provider_type: 'webhook', credentials: { create_url: hook.url }, is_default: true });
  });
  afterAll(async () => {
    await d?.stop();
    await hook?.stop();
  });

  async function rows(): Promise<number> {
    const r = await d.daemon.database.db.execute(sql`select count(*)::int as n from challenges`);
    return ((Array.isArray(r) ? r : (r as unknown as { rows: unknown[] }).rows)[0] as { n: number }).n;
  }

  async function expectRefused(res: Response, status: number, code: string): Promise<void> {
    expect(res.status).toBe(status);
    const body = (await res.json()) as { success: boolean; error: { code: string; message: string } };
    expect(body.success).toBe(false);
    expect(body.error.code).toBe(code);
    expect(body.error.message.length).toBeGreaterThan(0);
  }

  const good = { provider_id: '', fqdn: '_acme-challenge.ok.example.com', value: txtValue('ok') };

  it.each([
    ['not JSON', '{"fqdn":', 'INVALID_JSON'],
    ['a JSON array', '[1,2]', 'INVALID_JSON'],
    ['a JSON string', '"hello"', 'INVALID_JSON'],
    ['empty', '', 'INVALID_JSON'],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('latin1'), 'INVALID_JSON'],
  ])('malformed body (%s) -> 400 %s', async (_label, raw, code) => {
    const before = await rows();
    await expectRefused(await d.internal('/create', { raw }), 400, code);
    await expectRefused(await d.internal('/present', { raw }), 400, code);
    expect(await rows()).toBe(before);
  });

  it('a body over 64 KiB -> 413 PAYLOAD_TOO_LARGE, with or without content-length', async () => {
    const big = JSON.stringify({ ...good, provider_id: providerId, pad: 'x'.repeat(70 * 1024) });
    await expectRefused(await d.internal('/create', { raw: big }), 413, 'PAYLOAD_TOO_LARGE');
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < 80; i++) c.enqueue(new TextEncoder().encode('x'.repeat(1024)));
        c.close();
      },
    });
    const chunked = await fetch(`${d.url}/internal/dns-challenge/present`, {
      method: 'POST',
      headers: { authorization: `Bearer ${d.internalToken}` },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    await expectRefused(chunked, 413, 'PAYLOAD_TOO_LARGE');
  });

  it.each([
    ['no _acme-challenge label', 'www.example.com'],
    ['only the label', '_acme-challenge'],
    ['a TLD only', '_acme-challenge.com'],
    ['a label over 63 characters', `_acme-challenge.${'a'.repeat(64)}.com`],
    ['a name over 253 characters', `_acme-challenge.${'abcdefghi.'.repeat(25)}com`],
    ['an empty label', '_acme-challenge..example.com'],
    ['a wildcard', '_acme-challenge.*.example.com'],
    ['a space', '_acme-challenge.exa mple.com'],
    ['a newline', '_acme-challenge.example.com\n; rm -rf /'],
    ['shell syntax', '_acme-challenge.$(id).example.com'],
    ['a non-ASCII name', '_acme-challenge.bücher.example'],
    ['a NUL byte', '_acme-challenge.exa\u0000mple.com'],
    ['a number', 12345],
  ])('fqdn with %s -> 400 VALIDATION_ERROR, nothing stored or sent', async (_label, fqdn) => {
    const before = { rows: await rows(), calls: hook.calls.length };
    await expectRefused(await d.internal('/create', { body: { ...good, provider_id: providerId, fqdn } }), 400, 'VALIDATION_ERROR');
    await expectRefused(await d.internal('/present', { body: { fqdn, value: good.value } }), 400, 'VALIDATION_ERROR');
    expect({ rows: await rows(), calls: hook.calls.length }).toEqual(before);
  });

  it.each([
    ['too short', 'abc'],
    ['44 characters', `${txtValue('x')}A`],
    ['standard base64 characters', `${txtValue('y').slice(0, 42)}+`],
    ['quotes', `"${txtValue('z').slice(0, 41)}"`],
    ['a number', 42],
  ])('value %s -> 400 VALIDATION_ERROR', async (_label, value) => {
    const before = hook.calls.length;
    await expectRefused(await d.internal('/create', { body: { ...good, provider_id: providerId, value } }), 400, 'VALIDATION_ERROR');
    expect(hook.calls.length).toBe(before);
  });

  it('unknown or malformed provider ids -> 404 PROVIDER_NOT_FOUND', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'nope', "'; drop table challenges; --"]) {
      await expectRefused(await d.internal('/create', { body: { ...good, provider_id: id } }), 404, 'PROVIDER_NOT_FOUND');
      await expectRefused(await d.internal(`/providers/${encodeURIComponent(id)}/present`, { body: { fqdn: good.fqdn, value: good.value } }), 404, 'PROVIDER_NOT_FOUND');
      await expectRefused(await d.internal(`/providers/${encodeURIComponent(id)}/cleanup`, { body: { fqdn: good.fqdn, value: good.value } }), 404, 'PROVIDER_NOT_FOUND');
    }
    expect(await rows()).toBe(0);
  });

  it('unknown fields in create are refused; the admin API refuses unknown provider types and bad credentials', async () => {
    await expectRefused(await d.internal('/create', { body: { ...good, provider_id: providerId, extra: 1 } }), 400, 'VALIDATION_ERROR');
    await expectRefused(await d.admin('/dns-providers', { method: 'POST', body: { name: 'x', provider_type: 'nope', credentials: {} } }), 400, 'INVALID_PROVIDER_TYPE');
    await expectRefused(await d.admin('/dns-providers', { method: 'POST', body: { name: 'y', provider_type: 'webhook', credentials: { create_url: 'not a url' } } }), 400, 'VALIDATION_ERROR');
    await expectRefused(await d.admin('/dns-providers', { method: 'POST', body: { name: 'z', provider_type: 'webhook', credentials: { create_url: 'http://169.254.169.254/latest' } } }), 400, 'WEBHOOK_TARGET_BLOCKED');
    const list = (await (await d.admin('/dns-providers')).json()) as { providers: unknown[] };
    expect(list.providers).toHaveLength(1);
  });

  it('the daemon is still healthy after all of it', async () => {
    expect((await fetch(`${d.url}/health`)).status).toBe(200);
    const res = await d.internal('/create', { body: { ...good, provider_id: providerId } });
    expect(res.status).toBe(201);
  });
});
