// Client tokens: the admin API, and each rule (domains, networks, providers, expiry, revocation) refusing before anything is written.
import { eq, sql } from 'drizzle-orm';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { domainAllowed } from '../../src/clients/access.js';
import { loadConfig } from '../../src/config.js';
import { clientTokens } from '../../src/db/schema.js';
import { errorBodySchema } from '../../src/errors.js';
import type { ClientTokenView } from '../../src/http/wire/client-tokens.js';
import { refusal } from '../support/api.js';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

/** The code of an error reply, read with the daemon's error schema. */
const code = async (res: Response) => errorBodySchema.parse(await res.json()).error.code;

const basic = (token: string, user = 'anyone') => `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}`;

describe('domain coverage', () => {
  it('"example.com" covers its own challenge name only; "*.example.org" covers it and every name below', () => {
    expect(domainAllowed(['example.com'], '_acme-challenge.example.com')).toBe(true);
    expect(domainAllowed(['example.com'], '_acme-challenge.EXAMPLE.com.')).toBe(true);
    expect(domainAllowed(['example.com'], '_acme-challenge.www.example.com')).toBe(false);
    expect(domainAllowed(['*.example.org'], '_acme-challenge.example.org')).toBe(true);
    expect(domainAllowed(['*.example.org'], '_acme-challenge.a.b.example.org')).toBe(true);
    expect(domainAllowed(['*.example.org'], '_acme-challenge.badexample.org')).toBe(false);
    expect(domainAllowed(['*.example.org'], '_acme-challenge.org')).toBe(false);
  });
});

describe('client tokens', () => {
  let d: TestDaemon;
  const hooks: WebhookReceiver[] = [];
  let providerA: string;
  let providerB: string;

  /** Creates a token through the admin API; returns its view and the secret. */
  async function mint(body: Record<string, unknown>): Promise<{ view: ClientTokenView; token: string }> {
    const { client_token: view, token } = await d.api.clientTokens.create({ allowed_cidrs: ['127.0.0.0/8'], ...body });
    return { view, token };
  }
  const present = (token: string, fqdn: string, path = '/present') =>
    d.internal(path, { body: { fqdn, value: txtValue(fqdn + path) }, headers: { authorization: basic(token) } });
  const calls = () => hooks.reduce((n, h) => n + h.calls.length, 0);
  /** Every challenge, through the operators' list (one page holds them all here). */
  const rowCount = async () => {
    const page = await d.api.challenges.list({ limit: '200' });
    expect(page.next_cursor).toBeNull();
    return page.challenges.length;
  };

  beforeAll(async () => {
    d = await startTestDaemon();
    for (const name of ['a', 'b']) {
      const hook = await startWebhookReceiver();
      hooks.push(hook);
      const id = await d.addProvider({ name, provider_type: 'webhook', credentials: { create_url: hook.url }, is_default: name === 'b' });
      if (name === 'a') providerA = id;
      else providerB = id;
    }
  });
  afterAll(async () => {
    await d?.stop();
    await Promise.all(hooks.map((h) => h.stop()));
  });

  it('create shows the token once; list and read never; the database holds only its SHA-256', async () => {
    const { view, token } = await mint({ name: 'crud', allowed_domains: ['B.example.com.', '*.example.org'], providers: [providerA], expires_at: '2099-01-01T00:00:00Z' });
    expect(token).toMatch(/^dns01ct_[A-Za-z0-9_-]{43}$/);
    expect(view).toMatchObject({ name: 'crud', allowed_domains: ['*.example.org', 'b.example.com'], allowed_cidrs: ['127.0.0.0/8'], providers: [providerA], expires_at: '2099-01-01T00:00:00.000Z', revoked_at: null, state: 'active' });
    const list = await (await d.admin('/client-tokens')).text();
    const one = await (await d.admin(`/client-tokens/${view.id}`)).text();
    for (const text of [list, one]) {
      expect(text).toContain(view.id);
      expect(text).not.toContain(token);
      expect(text).not.toMatch(/hash/);
    }
    const dump = await d.daemon.database.db.execute(sql`select row_to_json(t)::text as j from client_tokens t`);
    expect(JSON.stringify(dump)).not.toContain(token);
    expect(JSON.stringify(dump)).not.toContain(token.slice(8));
    const [row] = await d.daemon.database.db.select().from(clientTokens).where(eq(clientTokens.id, view.id));
    expect(row!.tokenHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    [{ name: 'v1', allowed_domains: [], allowed_cidrs: ['10.0.0.0/8'] }, 400],
    [{ name: 'v2', allowed_domains: ['not a domain'], allowed_cidrs: ['10.0.0.0/8'] }, 400],
    [{ name: 'v3', allowed_domains: ['example.com'], allowed_cidrs: [] }, 400],
    [{ name: 'v4', allowed_domains: ['example.com'], allowed_cidrs: ['10.0.0.0/33'] }, 400],
    [{ name: 'v5', allowed_domains: ['example.com'], allowed_cidrs: ['example.com/8'] }, 400],
    [{ name: 'v6', allowed_domains: ['example.com'], allowed_cidrs: ['10.0.0.0/8'], expires_at: '2001-01-01T00:00:00Z' }, 400],
    [{ name: 'v7', allowed_domains: ['example.com'], allowed_cidrs: ['10.0.0.0/8'], providers: ['nope'] }, 400],
    [{ name: 'v8', allowed_domains: ['example.com'], allowed_cidrs: ['10.0.0.0/8'], providers: ['00000000-0000-4000-8000-000000000000'] }, 404],
    [{ name: 'bad name!', allowed_domains: ['example.com'], allowed_cidrs: ['10.0.0.0/8'] }, 400],
    [{ name: 'v9', allowed_domains: ['example.com'], allowed_cidrs: ['10.0.0.0/8'], extra: 1 }, 400],
  ])('refuses %j with %i and stores nothing', async (body, status) => {
    const before = (await d.api.clientTokens.list()).length;
    expect((await refusal(d.api.clientTokens.create(body))).status).toBe(status);
    expect((await d.api.clientTokens.list()).length).toBe(before);
  });

  it('a live name is unique; revoking frees it; read and revoke of an unknown id are 404; the admin token is required', async () => {
    const first = await mint({ name: 'dup', allowed_domains: ['example.com'] });
    expect((await refusal(d.api.clientTokens.create({ name: 'dup', allowed_domains: ['example.com'], allowed_cidrs: ['10.0.0.0/8'] }))).status).toBe(409);
    expect((await d.api.clientTokens.revoke(first.view.id)).state).toBe('revoked');
    await d.api.clientTokens.revoke(first.view.id);
    await mint({ name: 'dup', allowed_domains: ['example.com'] });
    // Two at once: the database's unique index decides, and the loser is a 409, not a 500.
    const body = { name: 'race', allowed_domains: ['example.com'], allowed_cidrs: ['10.0.0.0/8'] };
    const raced = await Promise.all([1, 2, 3].map(() => d.admin('/client-tokens', { method: 'POST', body })));
    expect(raced.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    expect((await refusal(d.api.clientTokens.get('00000000-0000-4000-8000-000000000000'))).status).toBe(404);
    expect((await refusal(d.api.clientTokens.revoke('nope'))).status).toBe(404);
    expect((await fetch(`${d.url}/api/v1/client-tokens`)).status).toBe(401);
    // A client token is no admin token.
    expect((await fetch(`${d.url}/api/v1/client-tokens`, { headers: { authorization: `Bearer ${first.token}` } })).status).toBe(403);
  });

  it('presents and cleans up names under its domains, with any username or as a bearer token', async () => {
    const { token } = await mint({ name: 'names', allowed_domains: ['example.com', '*.example.org'] });
    for (const fqdn of ['_acme-challenge.example.com.', '_acme-challenge.example.org.', '_acme-challenge.a.b.example.org.']) {
      const res = await present(token, fqdn);
      expect(res.status, await res.clone().text()).toBe(200);
      const clean = await d.internal('/cleanup', { body: { fqdn, value: txtValue(`${fqdn}/present`) }, headers: { authorization: basic(token, 'names') } });
      expect(clean.status).toBe(200);
    }
    await d.api.internal.create({ provider_id: providerA, fqdn: '_acme-challenge.example.com', value: txtValue('bearer') }, { headers: { authorization: `Bearer ${token}` }, status: 201 });
  });

  it('a name outside its domains is 403 CLIENT_DOMAIN_NOT_ALLOWED in every dialect, and nothing reaches the provider or the table', async () => {
    const { token } = await mint({ name: 'outside', allowed_domains: ['example.com', '*.example.org'] });
    const [before, rows] = [calls(), await rowCount()];
    const refused = [
      await present(token, '_acme-challenge.www.example.com.'),
      await present(token, '_acme-challenge.badexample.org.'),
      await d.internal('/present', { body: { domain: 'www.example.com', token: 't', keyAuth: 't.k' }, headers: { authorization: basic(token) } }),
      await d.internal('/create', { body: { provider_id: providerA, fqdn: '_acme-challenge.other.test', value: txtValue('x') }, headers: { authorization: basic(token) } }),
      await d.internal(`/providers/${providerA}/present`, { body: { fqdn: '_acme-challenge.other.test.', value: txtValue('y') }, headers: { authorization: basic(token) } }),
    ];
    for (const res of refused) {
      expect(res.status).toBe(403);
      const body = errorBodySchema.parse(await res.json());
      expect(body.error.code).toBe('CLIENT_DOMAIN_NOT_ALLOWED');
      expect(body.error.details).toEqual({ client_token: 'outside' });
    }
    expect(calls()).toBe(before);
    expect(await rowCount()).toBe(rows);
  });

  it('cannot read, delete or clean up a challenge of a name outside its domains', async () => {
    const value = txtValue('foreign');
    const { challenge_id: id } = await d.api.internal.create({ provider_id: providerA, fqdn: '_acme-challenge.foreign.test', value });
    const { token } = await mint({ name: 'nosy', allowed_domains: ['example.com'] });
    const auth = { authorization: basic(token) };
    expect(await code(await d.internal(`/${id}`, { method: 'GET', headers: auth }))).toBe('CLIENT_DOMAIN_NOT_ALLOWED');
    expect(await code(await d.internal(`/${id}`, { method: 'DELETE', headers: auth }))).toBe('CLIENT_DOMAIN_NOT_ALLOWED');
    expect(await code(await d.internal('/cleanup', { body: { fqdn: '_acme-challenge.foreign.test', value }, headers: auth }))).toBe('CLIENT_DOMAIN_NOT_ALLOWED');
    expect(await d.api.internal.get(id)).toMatchObject({ status: 'PENDING', record_state: 'present' });
    // Its own challenge it may read and delete.
    const { challenge_id: ownId } = await d.api.internal.create({ provider_id: providerA, fqdn: '_acme-challenge.example.com', value: txtValue('own') }, { headers: auth });
    expect((await d.api.internal.get(ownId, auth)).id).toBe(ownId);
    await d.api.internal.remove(ownId, auth);
  });

  it('writes only through its providers: the path, the body, the site and the default provider all count', async () => {
    const { token } = await mint({ name: 'prov', allowed_domains: ['*.prov.test'], providers: [providerA] });
    const auth = { authorization: basic(token) };
    const [before, rows] = [calls(), await rowCount()];
    // No site covers the name, so the default provider (b) would write it: refused.
    expect(await code(await present(token, '_acme-challenge.x.prov.test'))).toBe('CLIENT_PROVIDER_NOT_ALLOWED');
    expect(await code(await present(token, '_acme-challenge.x.prov.test', `/providers/${providerB}/present`))).toBe('CLIENT_PROVIDER_NOT_ALLOWED');
    expect(await code(await d.internal('/create', { body: { provider_id: providerB, fqdn: '_acme-challenge.x.prov.test', value: txtValue('b') }, headers: auth }))).toBe('CLIENT_PROVIDER_NOT_ALLOWED');
    const cleanupBody = { fqdn: '_acme-challenge.x.prov.test', value: txtValue('b') };
    expect(await code(await d.internal('/cleanup', { body: cleanupBody, headers: auth }))).toBe('CLIENT_PROVIDER_NOT_ALLOWED');
    expect(await code(await d.internal(`/providers/${providerB}/cleanup`, { body: cleanupBody, headers: auth }))).toBe('CLIENT_PROVIDER_NOT_ALLOWED');
    expect(calls()).toBe(before);
    expect(await rowCount()).toBe(rows);
    // Through a in the path, or once a site sends the name to a.
    expect((await present(token, '_acme-challenge.x.prov.test', `/providers/${providerA}/present`)).status).toBe(200);
    const site = await d.api.sites.create({ domain_names: ['*.prov.test'], dns_provider_id: providerA });
    const value = txtValue('via-site');
    expect((await d.internal('/present', { body: { fqdn: '_acme-challenge.y.prov.test', value }, headers: auth })).status).toBe(200);
    const aCalls = hooks[0]!.calls.length;
    expect((await d.internal('/cleanup', { body: { fqdn: '_acme-challenge.y.prov.test', value }, headers: auth })).status).toBe(200);
    expect(hooks[0]!.calls.length).toBe(aCalls + 1);
    // The challenge the shared token made through b at a covered name is out of reach.
    const { challenge_id: idB } = await d.api.internal.create({ provider_id: providerB, fqdn: '_acme-challenge.z.prov.test', value: txtValue('b2') });
    expect(await code(await d.internal(`/${idB}`, { method: 'DELETE', headers: auth }))).toBe('CLIENT_PROVIDER_NOT_ALLOWED');
    await d.api.sites.remove(site.id);
  });

  it('only from its networks: the TCP peer decides, X-Forwarded-For does not', async () => {
    const { token } = await mint({ name: 'net', allowed_domains: ['example.com'], allowed_cidrs: ['127.0.0.2/32', '2001:db8::/32'] });
    const [before, rows] = [calls(), await rowCount()];
    const res = await d.internal('/present', {
      body: { fqdn: '_acme-challenge.example.com', value: txtValue('net') },
      headers: { authorization: basic(token), 'x-forwarded-for': '127.0.0.2', 'x-real-ip': '127.0.0.2' },
    });
    expect(res.status).toBe(403);
    expect(await code(res)).toBe('CLIENT_NETWORK_NOT_ALLOWED');
    expect(calls()).toBe(before);
    expect(await rowCount()).toBe(rows);
    const agent = new Agent({ localAddress: '127.0.0.2' });
    try {
      const ok = await undiciFetch(`${d.url}/internal/dns-challenge/present`, {
        method: 'POST', dispatcher: agent,
        headers: { authorization: basic(token), 'content-type': 'application/json' },
        body: JSON.stringify({ fqdn: '_acme-challenge.example.com', value: txtValue('net') }),
      });
      expect(ok.status, await ok.clone().text()).toBe(200);
    } finally {
      await agent.close();
    }
    expect(calls()).toBe(before + 1);
  });

  it('without allowed_cidrs (or with null) any network may use it, shown as null; an empty list is refused', async () => {
    const json = await d.api.clientTokens.create({ name: 'anynet', allowed_domains: ['example.com'] });
    expect(json.client_token.allowed_cidrs).toBeNull();
    expect((await d.api.clientTokens.get(json.client_token.id)).allowed_cidrs).toBeNull();
    const before = calls();
    const ok = await present(json.token, '_acme-challenge.example.com');
    expect(ok.status, await ok.clone().text()).toBe(200);
    expect(calls()).toBe(before + 1);
    // The domain rule still applies.
    expect(await code(await present(json.token, '_acme-challenge.www.example.com'))).toBe('CLIENT_DOMAIN_NOT_ALLOWED');
    const explicit = await d.api.clientTokens.create({ name: 'anynet-null', allowed_domains: ['example.com'], allowed_cidrs: null });
    expect(explicit.client_token.allowed_cidrs).toBeNull();
    const empty = await refusal(d.api.clientTokens.create({ name: 'nonet', allowed_domains: ['example.com'], allowed_cidrs: [] }));
    expect([empty.status, empty.code]).toEqual([400, 'VALIDATION_ERROR']);
    expect(JSON.stringify(empty.body.error.details)).toContain('leave allowed_cidrs out');
    await d.daemon.audit!.flush();
    const [event, ...more] = (await d.api.audit.list({ action: 'client_token.create', resource_id: json.client_token.id })).audit_logs;
    expect(more).toEqual([]);
    expect(event!.details).toMatchObject({ name: 'anynet', allowed_cidrs: null });
  });

  it('expired and revoked tokens are 401 with their own codes; unknown ones 403; missing 401', async () => {
    const expiring = await mint({ name: 'expiring', allowed_domains: ['example.com'], expires_at: '2099-01-01T00:00:00Z' });
    await d.daemon.database.db.update(clientTokens).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(clientTokens.id, expiring.view.id));
    const expired = await present(expiring.token, '_acme-challenge.example.com');
    expect([expired.status, await code(expired)]).toEqual([401, 'CLIENT_TOKEN_EXPIRED']);
    expect((await d.api.clientTokens.get(expiring.view.id)).state).toBe('expired');

    const revoking = await mint({ name: 'revoking', allowed_domains: ['example.com'] });
    expect((await present(revoking.token, '_acme-challenge.example.com')).status).toBe(200);
    await d.api.clientTokens.revoke(revoking.view.id);
    const revoked = await present(revoking.token, '_acme-challenge.example.com');
    expect([revoked.status, await code(revoked)]).toEqual([401, 'CLIENT_TOKEN_REVOKED']);

    const unknown = await present(`dns01ct_${'A'.repeat(43)}`, '_acme-challenge.example.com');
    expect([unknown.status, await code(unknown)]).toEqual([403, 'FORBIDDEN']);
    expect((await d.internal('/present', { body: {}, headers: { authorization: '' } })).status).toBe(401);
  });

  it('the shared token still writes anything', async () => {
    expect((await d.internal('/present', { body: { fqdn: '_acme-challenge.anything.test', value: txtValue('shared') } })).status).toBe(200);
  });

  it('no client token reached the log', async () => {
    const logs = d.logs();
    expect(logs).not.toMatch(/dns01ct_/);
    expect(logs).not.toContain(d.internalToken);
  });
});

describe('the shared internal token switched off', () => {
  let d: TestDaemon;
  let hook: WebhookReceiver;

  beforeAll(async () => {
    hook = await startWebhookReceiver();
    d = await startTestDaemon({ env: { DNS01_INTERNAL_TOKEN_ENABLED: 'false' } });
    await d.addProvider({ name: 'only', provider_type: 'webhook', credentials: { create_url: hook.url }, is_default: true });
  });
  afterAll(async () => {
    await d?.stop();
    await hook?.stop();
  });

  it('refuses the shared token with SHARED_TOKEN_DISABLED and nothing written; client tokens work', async () => {
    const shared = await d.internal('/present', { body: { fqdn: '_acme-challenge.example.com', value: txtValue('off') } });
    expect(shared.status).toBe(401);
    expect(await code(shared)).toBe('SHARED_TOKEN_DISABLED');
    expect(hook.calls).toHaveLength(0);
    const { token } = await d.api.clientTokens.create({ name: 'c', allowed_domains: ['example.com'], allowed_cidrs: ['127.0.0.1/32'] });
    const ok = await d.internal('/present', { body: { fqdn: '_acme-challenge.example.com', value: txtValue('on') }, headers: { authorization: basic(token) } });
    expect(ok.status).toBe(200);
    expect(hook.calls).toHaveLength(1);
  });

  it('goes with the Caddy sync, which gives Caddy a client token of its own (test/caddy/daemon-issue.test.ts)', () => {
    expect(loadConfig({ DNS01_INTERNAL_TOKEN_ENABLED: 'false', DNS01_CADDY_ADMIN_URL: 'http://127.0.0.1:2019' }).internalTokenEnabled).toBe(false);
    expect(loadConfig({ DNS01_INTERNAL_TOKEN_ENABLED: 'false' }).internalTokenEnabled).toBe(false);
    expect(loadConfig({}).internalTokenEnabled).toBe(true);
  });
});

describe('client tokens on embedded PGlite', () => {
  let d: TestDaemon;
  let hook: WebhookReceiver;
  beforeAll(async () => {
    hook = await startWebhookReceiver();
    d = await startTestDaemon({ db: 'pglite' });
    await d.addProvider({ name: 'only', provider_type: 'webhook', credentials: { create_url: hook.url }, is_default: true });
  });
  afterAll(async () => {
    await d?.stop();
    await hook?.stop();
  });

  it('create, use, refuse a duplicate name, revoke', async () => {
    const body = { name: 'lite', allowed_domains: ['example.com'], allowed_cidrs: ['127.0.0.1/32'] };
    const { token, client_token: view } = await d.api.clientTokens.create(body);
    expect((await refusal(d.api.clientTokens.create(body))).status).toBe(409);
    const fqdn = '_acme-challenge.example.com';
    expect((await d.internal('/present', { body: { fqdn, value: txtValue('lite') }, headers: { authorization: basic(token) } })).status).toBe(200);
    expect((await d.internal('/present', { body: { fqdn: '_acme-challenge.www.example.com', value: txtValue('lite') }, headers: { authorization: basic(token) } })).status).toBe(403);
    await d.api.clientTokens.revoke(view.id);
    expect((await d.internal('/present', { body: { fqdn, value: txtValue('lite2') }, headers: { authorization: basic(token) } })).status).toBe(401);
    expect(hook.calls).toHaveLength(1);
  });
});
