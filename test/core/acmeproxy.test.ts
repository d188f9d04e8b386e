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

  it('an unknown provider id in the path: 404 with a one-line fix naming it, one warning naming it, nothing sent', async () => {
    const before = hookA.calls.length + hookB.calls.length;
    const logBefore = d.logs().length;
    const body = { fqdn: '_acme-challenge.stale.example.com.', value: txtValue('stale') };
    for (const step of ['present', 'cleanup']) {
      const res = await d.internal(`/providers/default/${step}`, { body });
      expect(res.status, step).toBe(404);
      const json = (await res.json()) as { error: { code: string; message: string } };
      expect(json.error.code).toBe('PROVIDER_NOT_FOUND');
      expect(json.error.message).toBe('no DNS provider has id "default" (named in the endpoint path): use an id from '
        + 'GET /api/v1/dns-providers, or drop "/providers/default" from the endpoint to choose by site, then the default provider');
    }
    const warnings = d.logs().slice(logBefore).split('\n').filter((l) => l.includes('unknown provider id'));
    expect(warnings).toHaveLength(2);
    for (const w of warnings) expect(JSON.parse(w)).toMatchObject({ level: 'warn', providerId: 'default', msg: 'an acmeproxy endpoint path names unknown provider id "default"' });
    expect(hookA.calls.length + hookB.calls.length).toBe(before);
  });

  it('an unprintable provider id in the path is not echoed', async () => {
    const res = await d.internal(`/providers/${encodeURIComponent('x"\n<b>')}/present`, { body: { fqdn: '_acme-challenge.odd.example.com.', value: txtValue('odd') } });
    expect(res.status).toBe(404);
    const text = await res.text();
    expect(text).toContain('<unprintable>');
    expect(text).not.toContain('<b>');
  });

  it('a body of neither form is 400 naming the key, and nothing is sent', async () => {
    const before = hookA.calls.length;
    for (const [body, field] of [[{ fqdn: '_acme-challenge.bad.example.com', value: 42 }, 'value'], [{ domain: 'bad.example.com', token: 7, keyAuth: 't.x' }, 'token']] as const) {
      const res = await d.internal('/present', { body });
      expect(res.status).toBe(400);
      const json = (await res.json()) as { error: { code: string; details: { fields: { field: string }[] } } };
      expect(json.error.code).toBe('VALIDATION_ERROR');
      expect(json.error.details.fields.map((f) => f.field)).toEqual([field]);
    }
    expect(hookA.calls.length).toBe(before);
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
