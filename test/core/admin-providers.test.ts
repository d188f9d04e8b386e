// Admin API for providers: auth, CRUD, one default, name conflicts, provider types, credential test, guarded delete.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

describe('admin API: providers', () => {
  let d: TestDaemon;
  let hook: WebhookReceiver;
  beforeAll(async () => {
    hook = await startWebhookReceiver();
    d = await startTestDaemon();
  });
  afterAll(async () => {
    await d?.stop();
    await hook?.stop();
  });

  const body = (name: string, extra: Record<string, unknown> = {}) => ({ name, provider_type: 'webhook', credentials: { create_url: hook.url }, ...extra });

  it('needs the admin token, and the internal token is not enough', async () => {
    expect((await fetch(`${d.url}/api/v1/dns-providers`)).status).toBe(401);
    expect((await fetch(`${d.url}/api/v1/dns-providers`, { headers: { authorization: `Bearer ${d.internalToken}` } })).status).toBe(403);
    expect((await fetch(`${d.url}/api/v1/dns-providers`, { headers: { authorization: `Basic ${Buffer.from(`x:${d.adminToken}`).toString('base64')}` } })).status).toBe(401);
  });

  it('lists provider types with their fields', async () => {
    const res = (await (await d.admin('/provider-types')).json()) as { provider_types: { type: string; proxied: boolean; fields: { name: string }[] }[] };
    const types = new Map(res.provider_types.map((t) => [t.type, t]));
    for (const t of ['webhook', 'script', 'rfc2136', 'manual', 'cloudflare', 'route53']) expect(types.has(t)).toBe(true);
    expect(types.get('webhook')!.proxied).toBe(true);
    expect(types.get('cloudflare')!.proxied).toBe(false);
    expect(types.get('rfc2136')!.fields.map((f) => f.name)).toContain('tsig_key_secret');
  });

  it('CRUD, with one default at a time and unique names', async () => {
    const a = await d.addProvider(body('a', { is_default: true }));
    const b = await d.addProvider(body('b', { is_default: true }));
    const getA = (await (await d.admin(`/dns-providers/${a}`)).json()) as { provider: { is_default: boolean } };
    expect(getA.provider.is_default).toBe(false);
    expect((await d.admin('/dns-providers', { method: 'POST', body: body('a') })).status).toBe(409);
    const put = await d.admin(`/dns-providers/${b}`, { method: 'PUT', body: { name: 'b2', enabled: false } });
    expect(((await put.json()) as { provider: Record<string, unknown> }).provider).toMatchObject({ name: 'b2', enabled: false, is_default: true });
    expect((await d.internal('/create', { body: { provider_id: b, fqdn: '_acme-challenge.off.example.com', value: txtValue('off') } })).status).toBe(409);
    expect((await d.admin(`/dns-providers/${a}`, { method: 'DELETE' })).status).toBe(200);
    expect((await d.admin(`/dns-providers/${a}`)).status).toBe(404);
    expect((await d.admin(`/dns-providers/${b}`, { method: 'PUT', body: { provider_type: 'nope' } })).status).toBe(400);
  });

  it('the credential test reaches the far side', async () => {
    const id = await d.addProvider(body('testable'));
    const res = (await (await d.admin(`/dns-providers/${id}/test`, { method: 'POST' })).json()) as { result: { ok: boolean } };
    expect(res.result.ok).toBe(true);
    expect(hook.calls.at(-1)!.body.action).toBe('test');
  });

  it('refuses to delete a provider whose record may still exist, unless forced', async () => {
    const id = await d.addProvider(body('busy'));
    const value = txtValue('busy');
    expect((await d.internal('/create', { body: { provider_id: id, fqdn: '_acme-challenge.busy.example.com', value } })).status).toBe(201);
    const refused = await d.admin(`/dns-providers/${id}`, { method: 'DELETE' });
    expect(refused.status).toBe(409);
    const forced = await d.admin(`/dns-providers/${id}?force=true`, { method: 'DELETE' });
    expect(forced.status).toBe(200);
    expect(((await forced.json()) as { records_possibly_left: unknown[] }).records_possibly_left).toEqual([{ fqdn: '_acme-challenge.busy.example.com', value }]);
    expect(d.logs()).toContain('provider force-deleted');
  });
});
