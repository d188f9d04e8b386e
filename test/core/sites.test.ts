// Sites API: CRUD, validation, and the most specific site choosing the provider for the acmeproxy path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coverage } from '../../src/dns/names.js';
import { refusal } from '../support/api.js';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

describe('sites', () => {
  let d: TestDaemon;
  const hooks: WebhookReceiver[] = [];
  const ids: string[] = [];

  beforeAll(async () => {
    d = await startTestDaemon();
    for (const name of ['default', 'zone', 'exact']) {
      const hook = await startWebhookReceiver();
      hooks.push(hook);
      ids.push(await d.addProvider({ name, provider_type: 'webhook', credentials: { create_url: hook.url }, is_default: name === 'default' }));
    }
  });
  afterAll(async () => {
    await d?.stop();
    await Promise.all(hooks.map((h) => h.stop()));
  });

  it('create, read, update, delete', async () => {
    const site = await d.api.sites.create({ domain_names: ['B.example.org.', '*.example.org', 'b.example.org'], dns_provider_id: ids[1] });
    expect(site.domain_names).toEqual(['*.example.org', 'b.example.org']);
    expect(site.enabled).toBe(true);
    expect(await d.api.sites.update(site.id, { enabled: false })).toMatchObject({ enabled: false, domain_names: ['*.example.org', 'b.example.org'] });
    expect((await d.api.sites.list()).map((s) => s.id)).toContain(site.id);
    await d.api.sites.remove(site.id);
    expect((await refusal(d.api.sites.get(site.id))).status).toBe(404);
  });

  it.each([
    [{ domain_names: [], dns_provider_id: '00000000-0000-4000-8000-000000000000' }, 400],
    [{ domain_names: ['not a domain'], dns_provider_id: '00000000-0000-4000-8000-000000000000' }, 400],
    [{ domain_names: ['*.*.example.com'], dns_provider_id: '00000000-0000-4000-8000-000000000000' }, 400],
    [{ domain_names: ['com'], dns_provider_id: '00000000-0000-4000-8000-000000000000' }, 400],
    [{ domain_names: ['example.com'], dns_provider_id: 'nope' }, 400],
    [{ domain_names: ['example.com'], dns_provider_id: '00000000-0000-4000-8000-000000000000' }, 404],
  ])('refuses %j with %i', async (body, status) => {
    expect((await refusal(d.api.sites.create(body))).status).toBe(status);
  });

  it('a provider used by a site cannot be deleted', async () => {
    const site = await d.api.sites.create({ domain_names: ['used.example.net'], dns_provider_id: ids[2] });
    expect((await refusal(d.api.providers.remove(ids[2]!))).status).toBe(409);
    await d.api.sites.remove(site.id);
  });

  it('the most specific site wins: exact over wildcard, deeper wildcard over shallower, else the default', async () => {
    await d.api.sites.create({ domain_names: ['*.shop.test'], dns_provider_id: ids[1] });
    await d.api.sites.create({ domain_names: ['www.shop.test'], dns_provider_id: ids[2] });
    const send = async (name: string) => {
      const value = txtValue(name);
      expect((await d.internal('/present', { body: { fqdn: `_acme-challenge.${name}.`, value } })).status).toBe(200);
      return hooks.findIndex((h) => h.calls.some((c) => c.body?.value === value));
    };
    expect(await send('www.shop.test')).toBe(2);
    expect(await send('api.shop.test')).toBe(1);
    expect(await send('shop.test')).toBe(1);
    expect(await send('elsewhere.test')).toBe(0);
  });

  it('coverage ranks names', () => {
    expect(coverage('www.a.com', 'www.a.com')).toBeGreaterThan(coverage('*.a.com', 'www.a.com'));
    expect(coverage('*.b.a.com', 'x.b.a.com')).toBeGreaterThan(coverage('*.a.com', 'x.b.a.com'));
    expect(coverage('*.a.com', 'a.com')).toBeGreaterThanOrEqual(0);
    expect(coverage('*.a.com', 'evil-a.com')).toBe(-1);
    expect(coverage('a.com', 'b.a.com')).toBe(-1);
  });
});
