// The acmeproxy / lego httpreq dialect: echo replies, RAW mode, case-insensitive keys, provider choice, auth.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

describe('acmeproxy / httpreq endpoints', () => {
  let d: TestDaemon;
  let hookA: WebhookReceiver;
  let hookB: WebhookReceiver;
  let idB: string;

  beforeAll(async () => {
    [hookA, hookB] = await Promise.all([startWebhookReceiver(), startWebhookReceiver()]);
    d = await startTestDaemon();
    await d.addProvider({ name: 'default-hook', provider_type: 'webhook', credentials: { create_url: hookA.url }, is_default: true });
    idB = await d.addProvider({ name: 'other-hook', provider_type: 'webhook', credentials: { create_url: hookB.url } });
  });
  afterAll(async () => {
    await d?.stop();
    await Promise.all([hookA?.stop(), hookB?.stop()]);
  });

  it('present echoes the request fqdn and value exactly, with status 200', async () => {
    const body = { fqdn: '_acme-challenge.Echo.example.com.', value: txtValue('echo') };
    const res = await d.internal('/present', { body });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(body);
    expect(hookA.calls.at(-1)!.body).toMatchObject({ action: 'create', fqdn: '_acme-challenge.echo.example.com', value: body.value });
  });

  it('accepts keys in any case and a name without the trailing dot', async () => {
    const value = txtValue('case');
    const res = await d.internal('/present', { body: { FQDN: '_acme-challenge.case.example.com', VALUE: value } });
    expect(res.status).toBe(200);
    expect(hookA.calls.at(-1)!.body.value).toBe(value);
    const clean = await d.internal('/cleanup', { body: { Fqdn: '_acme-challenge.case.example.com.', Value: value } });
    expect(clean.status).toBe(200);
    expect(hookA.calls.at(-1)!.body).toMatchObject({ action: 'delete', value });
  });

  it('RAW mode computes base64url(SHA-256(keyAuth)) and puts it at _acme-challenge.<domain>', async () => {
    const keyAuth = 'tok3n_abc.thumbprint-XYZ_123';
    const expected = createHash('sha256').update(keyAuth).digest('base64url');
    const body = { domain: '*.raw.example.com', token: 'tok3n_abc', keyAuth };
    const res = await d.internal('/present', { body });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(body);
    expect(hookA.calls.at(-1)!.body).toMatchObject({ action: 'create', fqdn: '_acme-challenge.raw.example.com', value: expected });
    expect((await d.internal('/cleanup', { body })).status).toBe(200);
    expect(hookA.calls.at(-1)!.body).toMatchObject({ action: 'delete', value: expected });
  });

  it('the provider in the path wins over the default', async () => {
    const value = txtValue('path');
    const res = await d.internal(`/providers/${idB}/present`, { body: { fqdn: '_acme-challenge.path.example.com.', value } });
    expect(res.status).toBe(200);
    expect(hookB.calls.at(-1)!.body.value).toBe(value);
    expect(hookA.calls.some((c) => c.body?.value === value)).toBe(false);
    await d.internal(`/providers/${idB}/cleanup`, { body: { fqdn: '_acme-challenge.path.example.com.', value } });
    expect(hookB.calls.at(-1)!.body).toMatchObject({ action: 'delete', value });
  });

  it('cleanup of a value nobody presented is a 200 no-op', async () => {
    const before = hookA.calls.length;
    const res = await d.internal('/cleanup', { body: { fqdn: '_acme-challenge.never.example.com.', value: txtValue('never') } });
    expect(res.status).toBe(200);
    expect(hookA.calls.length).toBe(before);
  });

  it('accepts the token as bearer too, refuses a wrong or missing one', async () => {
    const body = JSON.stringify({ fqdn: '_acme-challenge.auth.example.com.', value: txtValue('auth') });
    const bearer = await fetch(`${d.url}/internal/dns-challenge/present`, { method: 'POST', headers: { authorization: `Bearer ${d.internalToken}` }, body });
    expect(bearer.status).toBe(200);
    const wrong = await fetch(`${d.url}/internal/dns-challenge/present`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from('caddy:nope').toString('base64')}` }, body });
    expect(wrong.status).toBe(403);
    const none = await fetch(`${d.url}/internal/dns-challenge/present`, { method: 'POST', body });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic/);
    const adminTokenOnInternal = await fetch(`${d.url}/internal/dns-challenge/present`, { method: 'POST', headers: { authorization: `Bearer ${d.adminToken}` }, body });
    expect(adminTokenOnInternal.status).toBe(403);
  });

  it('picks the provider of the most specific site when no provider is in the path', async () => {
    const site = await d.admin('/sites', { method: 'POST', body: { domain_names: ['*.sites.example.com'], dns_provider_id: idB } });
    expect(site.status).toBe(201);
    const value = txtValue('site');
    expect((await d.internal('/present', { body: { fqdn: '_acme-challenge.www.sites.example.com.', value } })).status).toBe(200);
    expect(hookB.calls.at(-1)!.body.value).toBe(value);
  });
});
