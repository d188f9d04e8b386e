// Admin API for providers: auth, CRUD, one default, name conflicts, provider types, credential test, guarded delete.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusal } from '../support/api.js';
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

  it('lists provider types in the documented shape at /dns-providers/types, which no provider id shadows', async () => {
    const types = new Map((await d.api.providers.types()).map((t) => [t.type, t]));
    // docs/api.md#provider-types: the four the daemon works for are custom; the Caddy-native ten are built in.
    for (const t of ['webhook', 'script', 'rfc2136', 'manual']) expect(types.get(t), t).toMatchObject({ is_built_in: false, category: 'custom', proxied: true, interface_version: 1 });
    const native = ['azure', 'cloudflare', 'digitalocean', 'dnsimple', 'godaddy', 'googleclouddns', 'hetzner', 'namecheap', 'route53', 'vultr'];
    for (const t of native) expect(types.get(t), t).toMatchObject({ is_built_in: true, category: 'built_in', proxied: false });
    expect(types.size).toBe(14);
    expect(types.get('cloudflare')!.documentation_url).toBe('https://github.com/caddy-dns/cloudflare');
    const allowed = ['text', 'password', 'textarea', 'select', 'number', 'boolean'];
    for (const t of types.values()) {
      for (const f of t.fields) {
        expect(allowed, `${t.type}.${f.name}`).toContain(f.type);
        expect(Object.keys(f), `${t.type}.${f.name}`).toEqual(expect.arrayContaining(['name', 'label', 'type', 'required', 'default', 'placeholder', 'hint']));
        expect(f.options !== undefined, `${t.type}.${f.name}`).toBe(f.type === 'select');
      }
    }
    const rfc = new Map(types.get('rfc2136')!.fields.map((f) => [f.name, f]));
    expect(rfc.get('tsig_key_secret')).toMatchObject({ type: 'password', required: true, secret: true });
    expect(rfc.get('tsig_algorithm')).toMatchObject({ type: 'select', default: 'hmac-sha256' });
    expect(rfc.get('tsig_algorithm')!.options).toContainEqual({ value: 'hmac-sha256', label: 'hmac-sha256' });
    const hookFields = new Map(types.get('webhook')!.fields.map((f) => [f.name, f]));
    expect(hookFields.get('create_url')).toMatchObject({ type: 'text', required: true, placeholder: expect.stringMatching(/^https:/), hint: expect.any(String) });
    expect(hookFields.get('auth_value')).toMatchObject({ type: 'password', required: false });
  });

  it('serves one type\'s fields, the same list as the types endpoint; an unknown type is 400 naming the known ones', async () => {
    for (const t of await d.api.providers.types()) {
      const res = await d.admin(`/dns-providers/types/${t.type}/fields`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ success: true, type: t.type, fields: t.fields });
    }
    const bad = await refusal(d.api.providers.fields('nope'));
    expect(bad.status).toBe(400);
    expect(bad.code).toBe('INVALID_PROVIDER_TYPE');
    expect(bad.body.error.details?.known_types).toContain('webhook');
    // One path only: the old one is gone.
    expect((await d.admin('/provider-types')).status).toBe(404);
  });

  it('CRUD, with one default at a time and unique names', async () => {
    const a = await d.addProvider(body('a', { is_default: true }));
    const b = await d.addProvider(body('b', { is_default: true }));
    expect((await d.api.providers.get(a)).is_default).toBe(false);
    expect((await refusal(d.api.providers.create(body('a')))).status).toBe(409);
    expect(await d.api.providers.update(b, { name: 'b2', enabled: false })).toMatchObject({ name: 'b2', enabled: false, is_default: true });
    expect((await refusal(d.api.internal.create({ provider_id: b, fqdn: '_acme-challenge.off.example.com', value: txtValue('off') }))).status).toBe(409);
    expect(await d.api.providers.remove(a)).toEqual({ success: true, status: 'deleted' });
    expect((await refusal(d.api.providers.get(a))).status).toBe(404);
    expect((await refusal(d.api.providers.update(b, { provider_type: 'nope' }))).status).toBe(400);
  });

  it('the credential test reaches the far side', async () => {
    const id = await d.addProvider(body('testable'));
    expect(await d.api.providers.test(id)).toMatchObject({ tested: true, ok: true });
    expect(hook.calls.at(-1)!.body.action).toBe('test');
  });

  it('refuses to delete a provider whose record may still exist, unless forced', async () => {
    const id = await d.addProvider(body('busy'));
    const value = txtValue('busy');
    await d.api.internal.create({ provider_id: id, fqdn: '_acme-challenge.busy.example.com', value }, { status: 201 });
    expect((await refusal(d.api.providers.remove(id))).status).toBe(409);
    const forced = await d.api.providers.remove(id, { force: true });
    expect(forced.records_possibly_left).toEqual([{ fqdn: '_acme-challenge.busy.example.com', value }]);
    expect(d.logs()).toContain('provider force-deleted');
  });
});
