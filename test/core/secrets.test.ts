// Secrets never appear in logs, API responses or the database in clear; credentials are encrypted with a key version.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const AUTH = 'Bearer hook-secret-4f9a1c77e2';
const HEADER = 'x-api-key-7d1e0b5a99';
const TSIG = Buffer.from('tsig-secret-value-0123456789abcdef').toString('base64');

describe('secrets', () => {
  let d: TestDaemon;
  let hook: WebhookReceiver;
  let webhookId: string;
  const replies: string[] = [];

  beforeAll(async () => {
    hook = await startWebhookReceiver();
    d = await startTestDaemon();
    webhookId = await d.addProvider({
      name: 'secret-hook', provider_type: 'webhook', is_default: true,
      credentials: { create_url: hook.url, auth_value: AUTH, headers: { 'X-Api-Key': HEADER }, max_retries: 0 },
    });
    await d.addProvider({
      name: 'secret-tsig', provider_type: 'rfc2136',
      credentials: { nameserver: '127.0.0.1', port: 1, tsig_key_name: 'k', tsig_key_secret: TSIG, zone: 'example.com' },
    });
  });
  afterAll(async () => {
    await d?.stop();
    await hook?.stop();
  });

  async function keep(res: Response): Promise<Response> {
    replies.push(await res.clone().text());
    return res;
  }

  it('the webhook receives the secrets it needs', async () => {
    const res = await keep(await d.internal('/present', { body: { fqdn: '_acme-challenge.s.example.com.', value: txtValue('s') } }));
    expect(res.status).toBe(200);
    expect(hook.calls.at(-1)!.headers.authorization).toBe(AUTH);
    expect(hook.calls.at(-1)!.headers['x-api-key']).toBe(HEADER);
  });

  it('provider responses mask every secret field', async () => {
    const list = await keep(await d.admin('/dns-providers'));
    const text = await list.text();
    expect(text).toContain('********');
    const one = await keep(await d.admin(`/dns-providers/${webhookId}`));
    const body = (await one.json()) as { provider: { credentials: Record<string, unknown> } };
    expect(body.provider.credentials.create_url).toBe(hook.url);
    expect(body.provider.credentials.auth_value).toBe('********');
  });

  it('updating with the masked value keeps the stored secret', async () => {
    const one = (await (await d.admin(`/dns-providers/${webhookId}`)).json()) as { provider: { credentials: Record<string, unknown> } };
    const res = await keep(await d.admin(`/dns-providers/${webhookId}`, { method: 'PUT', body: { credentials: { ...one.provider.credentials, timeout_seconds: 5 } } }));
    expect(res.status).toBe(200);
    await keep(await d.internal('/present', { body: { fqdn: '_acme-challenge.s2.example.com.', value: txtValue('s2') } }));
    expect(hook.calls.at(-1)!.headers.authorization).toBe(AUTH);
  });

  it('failures do not echo secrets', async () => {
    hook.setBehaviour({ kind: 'status', status: 401, body: { success: false, message: `bad token ${AUTH}` } });
    const res = await keep(await d.internal('/present', { body: { fqdn: '_acme-challenge.f.example.com.', value: txtValue('f') } }));
    expect(await res.clone().text()).toContain('WEBHOOK_FAILED');
    expect(res.status).toBe(502);
    hook.setBehaviour({ kind: 'ok' });
  });

  it('nothing secret in the database in clear; credentials carry a key version', async () => {
    const r = await d.daemon.database.db.execute(sql`select row_to_json(p)::text as t from dns_providers p`);
    const dump = (Array.isArray(r) ? r : (r as unknown as { rows: { t: string }[] }).rows).map((x) => (x as { t: string }).t).join('\n');
    for (const s of [AUTH, HEADER, TSIG, 'hook-secret', 'tsig-secret']) expect(dump).not.toContain(s);
    expect(dump).toMatch(/"key_version":"k[0-9a-f]{12}"/);
    const all = await d.daemon.database.db.execute(sql`select row_to_json(c)::text as t from challenges c`);
    const challengeDump = (Array.isArray(all) ? all : (all as unknown as { rows: { t: string }[] }).rows).map((x) => (x as { t: string }).t).join('\n');
    expect(challengeDump).not.toContain(AUTH);
  });

  it('no secret in any log line or reply', () => {
    const logs = d.logs();
    expect(logs.length).toBeGreaterThan(0);
    for (const s of [AUTH, HEADER, TSIG, d.internalToken, d.adminToken, 'hook-secret-4f9a1c77e2']) {
      expect(logs).not.toContain(s);
      for (const reply of replies) expect(reply).not.toContain(s);
    }
  });
});
