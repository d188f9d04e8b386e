// Admin API for zone-specific credentials against real PostgreSQL: CRUD, validation that changes nothing, masking, the switch, and the choice per name.
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createdReplySchema } from '../../src/http/wire/challenges.js';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

interface Cred {
  id: string; dns_provider_id: string; label: string; zone_filter: string; enabled: boolean; propagation_timeout: number; polling_interval: number;
  credentials: Record<string, unknown>; credentials_readable: boolean; key_version: string;
  success_count: number; failure_count: number; last_used_at: string | null; last_error: string | null;
}

describe('admin API: zone-specific credentials', () => {
  let d: TestDaemon;
  let hook: WebhookReceiver;
  const secrets: string[] = [];
  const secret = () => {
    const s = `Bearer zone-${randomBytes(12).toString('hex')}`;
    secrets.push(s);
    return s;
  };

  beforeAll(async () => {
    hook = await startWebhookReceiver();
    // Statistics written at stop only, so a reply's counts come from this replica's tallies and the rows alike.
    d = await startTestDaemon({ statsIntervalMs: 60_000 });
  });
  afterAll(async () => {
    await d?.stop();
    await hook?.stop();
  });

  const webhook = (path: string) => ({ create_url: `${hook.url}/${path}`, auth_value: secret() });
  const json = async <T>(res: Response | Promise<Response>): Promise<{ status: number; body: T }> => {
    const r = await res;
    return { status: r.status, body: (await r.json()) as T };
  };
  const list = async (id: string) => (await json<{ credentials: Cred[] }>(d.admin(`/dns-providers/${id}/credentials`))).body.credentials;
  const rows = async (table: 'dns_provider_credentials' | 'dns_providers') =>
    (await d.daemon.database.db.execute(sql.raw(`select row_to_json(t)::text as t from ${table} t order by created_at, id`))) as unknown as { t: string }[];
  const multiProvider = async (name: string) => {
    const id = await d.addProvider({ name, provider_type: 'webhook', credentials: webhook(`${name}-own`) });
    const put = await json<{ provider: { use_multi_credentials: boolean } }>(d.admin(`/dns-providers/${id}`, { method: 'PUT', body: { use_multi_credentials: true } }));
    expect(put.status).toBe(200);
    expect(put.body.provider.use_multi_credentials).toBe(true);
    return id;
  };
  const addCred = async (id: string, body: Record<string, unknown>) => {
    const r = await json<{ credential: Cred }>(d.admin(`/dns-providers/${id}/credentials`, { method: 'POST', body }));
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.credential;
  };
  const create = (id: string, domain: string, value = txtValue(`${domain}-${Math.random()}`)) =>
    d.internal('/create', { body: { provider_id: id, fqdn: `_acme-challenge.${domain}`, value } });

  it('a provider says use_multi_credentials (false by default); switching on moves its credentials into a catch-all "default" row', async () => {
    const id = await d.addProvider({ name: 'switch', provider_type: 'webhook', credentials: { ...webhook('switch-own'), timeout_seconds: 7 }, propagation_timeout: 90 });
    const before = await json<{ provider: { use_multi_credentials: boolean } }>(d.admin(`/dns-providers/${id}`));
    expect(before.body.provider.use_multi_credentials).toBe(false);
    expect(await list(id)).toEqual([]);
    // A credential for a provider not switched on is refused, and nothing is stored.
    const early = await d.admin(`/dns-providers/${id}/credentials`, { method: 'POST', body: { label: 'x', credentials: webhook('x') } });
    expect(early.status).toBe(409);
    expect(await list(id)).toEqual([]);

    await d.admin(`/dns-providers/${id}`, { method: 'PUT', body: { use_multi_credentials: true } });
    const [def] = await list(id);
    expect(def).toMatchObject({
      dns_provider_id: id, label: 'default', zone_filter: '', enabled: true, propagation_timeout: 90, polling_interval: 5,
      credentials: { create_url: `${hook.url}/switch-own`, auth_value: '********', timeout_seconds: 7 }, credentials_readable: true,
      success_count: 0, failure_count: 0, last_used_at: null, last_error: null,
    });
    // Nothing changes for any name: the catch-all answers with the same far side.
    expect((await create(id, 'anything.example.net')).status).toBe(201);
    expect(hook.calls.at(-1)!.path).toBe('/hook/switch-own');
    // Switching on again is a no-op (no second row).
    await d.admin(`/dns-providers/${id}`, { method: 'PUT', body: { use_multi_credentials: true } });
    expect(await list(id)).toHaveLength(1);
  });

  it('switching back is refused while credential rows exist, and allowed once they are deleted', async () => {
    const id = await multiProvider('back');
    const [def] = await list(id);
    const refused = await json<{ error: { code: string; details: { credentials: number } } }>(d.admin(`/dns-providers/${id}`, { method: 'PUT', body: { use_multi_credentials: false, name: 'back2' } }));
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'CONFLICT', details: { credentials: 1 } });
    const type = await d.admin(`/dns-providers/${id}`, { method: 'PUT', body: { provider_type: 'manual', credentials: {} } });
    expect(type.status).toBe(409);
    expect((await json<{ provider: { name: string; use_multi_credentials: boolean; provider_type: string } }>(d.admin(`/dns-providers/${id}`))).body.provider)
      .toMatchObject({ name: 'back', use_multi_credentials: true, provider_type: 'webhook' });
    expect((await d.admin(`/dns-providers/${id}/credentials/${def!.id}`, { method: 'DELETE' })).status).toBe(200);
    const ok = await json<{ provider: { use_multi_credentials: boolean } }>(d.admin(`/dns-providers/${id}`, { method: 'PUT', body: { use_multi_credentials: false } }));
    expect(ok.body.provider.use_multi_credentials).toBe(false);
    // The provider's own credentials (kept all along) answer again.
    expect((await create(id, 'back.example.net')).status).toBe(201);
    expect(hook.calls.at(-1)!.path).toBe('/hook/back-own');
  });

  it("accepts the documented credential body verbatim, and GET/PUT/DELETE one; secrets masked, never in the database or the log in clear", async () => {
    const id = await multiProvider('crud');
    // The credential object's fields (docs/api.md#the-credential-object), with the defaults spelled out.
    const seedBody = {
      label: 'Customer ABC', zone_filter: 'example.com,*.example.com', credentials: webhook('abc'),
      enabled: true, propagation_timeout: 120, polling_interval: 5,
    };
    const c = await addCred(id, seedBody);
    expect(c).toMatchObject({ label: 'Customer ABC', zone_filter: 'example.com,*.example.com', enabled: true, propagation_timeout: 120, polling_interval: 5 });
    expect(c.credentials).toMatchObject({ create_url: `${hook.url}/abc`, auth_value: '********' });
    const minimal = await addCred(id, { label: 'Production Zone', zone_filter: ' Example.ORG. ', credentials: webhook('org') });
    expect(minimal).toMatchObject({ zone_filter: 'example.org', enabled: true, propagation_timeout: 120, polling_interval: 5 });

    const got = await json<{ credential: Cred }>(d.admin(`/dns-providers/${id}/credentials/${c.id}`));
    expect(got.body.credential).toEqual(c);
    // PUT is partial; a mask sent back keeps the stored secret.
    const put = await json<{ credential: Cred }>(d.admin(`/dns-providers/${id}/credentials/${c.id}`, {
      method: 'PUT', body: { label: 'ABC', propagation_timeout: 300, credentials: { create_url: `${hook.url}/abc2`, auth_value: '********' } },
    }));
    expect(put.status).toBe(200);
    expect(put.body.credential).toMatchObject({ label: 'ABC', zone_filter: 'example.com,*.example.com', propagation_timeout: 300, credentials: { create_url: `${hook.url}/abc2`, auth_value: '********' } });
    expect((await create(id, 'www.example.com')).status).toBe(201);
    const call = hook.calls.at(-1)!;
    expect(call.path).toBe('/hook/abc2');
    // The kept secret is the one first given.
    expect(call.headers.authorization).toBe(seedBody.credentials.auth_value);

    const all = (await list(id)).map((x) => x.label);
    expect(all).toEqual(['default', 'ABC', 'Production Zone']);
    expect((await d.admin(`/dns-providers/${id}/credentials/${minimal.id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await d.admin(`/dns-providers/${id}/credentials/${minimal.id}`)).status).toBe(404);
    expect((await list(id)).map((x) => x.label)).toEqual(['default', 'ABC']);

    const stored = [...(await rows('dns_provider_credentials')), ...(await rows('dns_providers'))].map((r) => r.t).join('\n');
    const dump = `${stored}\n${d.logs()}`;
    for (const s of secrets) {
      expect(dump).not.toContain(s);
      expect(dump).not.toContain(s.slice('Bearer '.length));
    }
    const everyReply = JSON.stringify(await list(id));
    for (const s of secrets) expect(everyReply).not.toContain(s.slice('Bearer '.length));
  });

  it('refuses unknown keys, bad zone filters, bad credentials and oversized values with documented 4xx, changing nothing', async () => {
    const id = await multiProvider('refuse');
    const c = await addCred(id, { label: 'keep', zone_filter: 'keep.example.com', credentials: webhook('keep') });
    const snapshot = async () => JSON.stringify(await rows('dns_provider_credentials'));
    const before = await snapshot();
    const cases: [string, Record<string, unknown>, string, string][] = [
      ['unknown key', { label: 'x', zone_filter: 'a.com', credentials: webhook('x'), uuid: 'abc' }, 'VALIDATION_ERROR', 'uuid'],
      ['unknown credential key', { label: 'x', credentials: { ...webhook('x'), api_token: 'nope' } }, 'VALIDATION_ERROR', 'api_token'],
      ['empty zone entry', { label: 'x', zone_filter: 'a.com,,b.com', credentials: webhook('x') }, 'VALIDATION_ERROR', 'zone_filter'],
      ['star in the middle', { label: 'x', zone_filter: 'a.*.com', credentials: webhook('x') }, 'VALIDATION_ERROR', 'zone_filter'],
      ['a URL for a zone', { label: 'x', zone_filter: 'https://a.com', credentials: webhook('x') }, 'VALIDATION_ERROR', 'zone_filter'],
      ['missing credential field', { label: 'x', credentials: {} }, 'VALIDATION_ERROR', 'create_url'],
      ['empty label', { label: '  ', credentials: webhook('x') }, 'VALIDATION_ERROR', 'label'],
      ['oversized label', { label: 'l'.repeat(101), credentials: webhook('x') }, 'VALIDATION_ERROR', 'label'],
      ['oversized zone filter', { label: 'x', zone_filter: `${'a'.repeat(60)}.com,`.repeat(70), credentials: webhook('x') }, 'VALIDATION_ERROR', 'zone_filter'],
      ['timeout out of range', { label: 'x', credentials: webhook('x'), propagation_timeout: 0 }, 'VALIDATION_ERROR', 'propagation_timeout'],
      ['enabled as a string', { label: 'x', credentials: webhook('x'), enabled: 'yes' }, 'VALIDATION_ERROR', 'enabled'],
    ];
    for (const [what, body, code, names] of cases) {
      const post = await json<{ error: { code: string; details?: unknown } }>(d.admin(`/dns-providers/${id}/credentials`, { method: 'POST', body }));
      expect(post.status, what).toBe(400);
      expect(post.body.error.code, what).toBe(code);
      expect(JSON.stringify(post.body.error), what).toContain(names);
      const put = await json<{ error: { code: string } }>(d.admin(`/dns-providers/${id}/credentials/${c.id}`, { method: 'PUT', body }));
      expect(put.status, `PUT ${what}`).toBe(400);
    }
    const big = await d.admin(`/dns-providers/${id}/credentials`, { method: 'POST', body: { label: 'x', credentials: { create_url: `${hook.url}/${'x'.repeat(70_000)}` } } });
    expect(big.status).toBe(413);
    expect((await d.admin(`/dns-providers/${id}/credentials/not-a-uuid`)).status).toBe(404);
    const missing = await json<{ error: { code: string } }>(d.admin(`/dns-providers/${id}/credentials/${crypto.randomUUID()}`, { method: 'PUT', body: { label: 'x' } }));
    expect(missing).toMatchObject({ status: 404, body: { error: { code: 'CREDENTIAL_NOT_FOUND' } } });
    expect((await d.admin(`/dns-providers/${crypto.randomUUID()}/credentials`)).status).toBe(404);
    // Another provider's credential is not reachable under this one.
    const other = await multiProvider('refuse-other');
    expect((await d.admin(`/dns-providers/${other}/credentials/${c.id}`)).status).toBe(404);
    // Strictly: this provider's rows are byte for byte what they were (the other provider only added its own default).
    const mine = (s: string) => (JSON.parse(s) as { t: string }[]).filter((r) => r.t.includes(id));
    expect(mine(await snapshot())).toEqual(mine(before));
  });

  it('chooses exact > wildcard > catch-all per name, skips disabled rows, and refuses a name nothing covers with NO_MATCHING_CREDENTIAL and no record', async () => {
    const id = await multiProvider('choose');
    const [def] = await list(id);
    await addCred(id, { label: 'exact', zone_filter: 'app.example.com', credentials: webhook('exact') });
    await addCred(id, { label: 'wild', zone_filter: '*.example.com', credentials: webhook('wild') });
    const off = await addCred(id, { label: 'off', zone_filter: 'off.example.com', enabled: false, credentials: webhook('off') });
    const expectPath = async (domain: string, path: string) => {
      const r = await create(id, domain);
      expect(r.status, domain).toBe(201);
      expect(hook.calls.at(-1)!.path, domain).toBe(`/hook/${path}`);
    };
    await expectPath('app.example.com', 'exact');
    await expectPath('www.example.com', 'wild');
    await expectPath('off.example.com', 'wild');
    await expectPath('other.net', 'choose-own');

    // Without the catch-all, a name no row covers is a 400 naming the name and the provider; nothing is sent or stored.
    await d.admin(`/dns-providers/${id}/credentials/${def!.id}`, { method: 'PUT', body: { enabled: false } });
    const calls = hook.calls.length;
    const value = txtValue('nomatch');
    const refused = await json<{ error: { code: string; message: string; details: Record<string, unknown> } }>(create(id, 'nomatch.example.net', value));
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('NO_MATCHING_CREDENTIAL');
    expect(refused.body.error.message).toContain('nomatch.example.net');
    expect(refused.body.error.message).toContain('choose');
    expect(refused.body.error.details).toMatchObject({ name: 'nomatch.example.net', provider: 'choose', provider_id: id });
    expect(hook.calls.length).toBe(calls);
    expect((await d.api.challenges.list({ fqdn: 'nomatch.example.net' })).challenges).toEqual([]);
    expect(off.enabled).toBe(false);
  });

  it('records the credential on the challenge; cleanup uses it even after the credential table changed; a credential with a live record cannot be deleted', async () => {
    const id = await multiProvider('cleanup');
    const a = await addCred(id, { label: 'a', zone_filter: 'a.example.com', credentials: webhook('zone-a') });
    const r = await create(id, 'a.example.com');
    expect(r.status).toBe(201);
    const { challenge_id: challengeId } = createdReplySchema.parse(await r.json());
    expect((await d.api.challenges.get(challengeId)).credential_id).toBe(a.id);

    // The credential now covers another zone and is disabled, and a new one covers a.example.com.
    await d.admin(`/dns-providers/${id}/credentials/${a.id}`, { method: 'PUT', body: { zone_filter: 'elsewhere.example.com', enabled: false } });
    await addCred(id, { label: 'b', zone_filter: 'a.example.com', credentials: webhook('zone-b') });
    const busy = await d.admin(`/dns-providers/${id}/credentials/${a.id}`, { method: 'DELETE' });
    expect(busy.status).toBe(409);

    expect((await d.internal(`/${challengeId}`, { method: 'DELETE' })).status).toBe(200);
    const del = hook.calls.at(-1)!;
    expect(del.body.action).toBe('delete');
    expect(del.path).toBe('/hook/zone-a');
    // Its statistics: one present and one cleanup through this credential.
    const stats = (await json<{ credential: Cred }>(d.admin(`/dns-providers/${id}/credentials/${a.id}`))).body.credential;
    expect(stats).toMatchObject({ success_count: 2, failure_count: 0, last_error: null });
    expect(stats.last_used_at).not.toBeNull();
    expect((await d.admin(`/dns-providers/${id}/credentials/${a.id}`, { method: 'DELETE' })).status).toBe(200);
  });

  it('tests one credential (through its own far side) and counts a failure on it', async () => {
    const id = await multiProvider('testing');
    const c = await addCred(id, { label: 't', zone_filter: 't.example.com', credentials: webhook('test-me') });
    const ok = await json<{ result: { tested: boolean; ok: boolean } }>(d.admin(`/dns-providers/${id}/credentials/${c.id}/test`, { method: 'POST' }));
    expect(ok.body.result).toMatchObject({ tested: true, ok: true });
    expect(hook.calls.at(-1)).toMatchObject({ path: '/hook/test-me', body: { action: 'test' } });
    hook.setBehaviour({ kind: 'status', status: 500, body: { success: false } });
    try {
      const bad = await json<{ result: { ok: boolean } }>(d.admin(`/dns-providers/${id}/credentials/${c.id}/test`, { method: 'POST' }));
      expect(bad.body.result.ok).toBe(false);
    } finally {
      hook.setBehaviour({ kind: 'ok' });
    }
    const after = (await json<{ credential: Cred }>(d.admin(`/dns-providers/${id}/credentials/${c.id}`))).body.credential;
    expect(after).toMatchObject({ success_count: 1, failure_count: 1, last_error: expect.stringMatching(/^test: /) });
    // Not found: the provider's, then the credential's.
    expect((await d.admin(`/dns-providers/${id}/credentials/${crypto.randomUUID()}/test`, { method: 'POST' })).status).toBe(404);
  });

  it('creating a provider with use_multi_credentials: true starts it with the catch-all row; every route needs the admin token', async () => {
    const id = await d.addProvider({ name: 'born-multi', provider_type: 'webhook', credentials: webhook('born'), use_multi_credentials: true });
    expect((await list(id)).map((c) => [c.label, c.zone_filter])).toEqual([['default', '']]);
    for (const [method, path] of [['GET', ''], ['POST', ''], ['GET', '/x'], ['PUT', '/x'], ['DELETE', '/x'], ['POST', '/x/test']] as const) {
      const res = await fetch(`${d.url}/api/v1/dns-providers/${id}/credentials${path}`, { method, headers: { authorization: `Bearer ${d.internalToken}` } });
      expect(res.status, `${method} ${path}`).toBe(403);
    }
  });

  it("the Caddy preview writes one policy per credential of a native type, the credentials' secrets masked", async () => {
    const tokens = [`cf-${randomBytes(10).toString('hex')}`, `cf-${randomBytes(10).toString('hex')}`];
    const id = await d.addProvider({ name: 'cf-zoned', provider_type: 'cloudflare', credentials: { api_token: tokens[0] }, use_multi_credentials: true });
    const [def] = await list(id);
    await d.admin(`/dns-providers/${id}/credentials/${def!.id}`, { method: 'PUT', body: { zone_filter: '*.one.example' } });
    const two = await addCred(id, { label: 'two', zone_filter: 'two.example', credentials: { api_token: tokens[1] }, propagation_timeout: 600 });
    expect((await d.admin('/sites', { method: 'POST', body: { domain_names: ['a.one.example', 'two.example', 'three.example'], dns_provider_id: id } })).status).toBe(201);
    const res = await json<{ apps: { tls: { automation: { policies: { '@id': string; subjects: string[] }[] } } }; skipped: { reason: string; message: string }[] }>(d.admin('/caddy/config'));
    expect(res.status).toBe(200);
    const mine = res.body.apps.tls.automation.policies.filter((p) => p['@id'].startsWith(`dns01-proxy-${id}`));
    expect(mine.map((p) => [p['@id'], p.subjects])).toEqual([[`dns01-proxy-${id}-${def!.id}`, ['a.one.example']], [`dns01-proxy-${id}-${two.id}`, ['two.example']]]);
    expect(JSON.stringify(mine)).toContain('"propagation_timeout":"10m"');
    expect(res.body.skipped).toContainEqual(expect.objectContaining({ reason: 'no_matching_credential', message: expect.stringContaining('three.example') }));
    for (const t of tokens) expect(JSON.stringify(res.body)).not.toContain(t);
    expect(JSON.stringify(mine)).toContain('********');
  });
});

describe('zone-specific credentials on embedded PGlite', () => {
  it('switches on (the row lock works there too) and chooses per name', async () => {
    const hook = await startWebhookReceiver();
    const d = await startTestDaemon({ db: 'pglite' });
    try {
      const id = await d.addProvider({ name: 'lite', provider_type: 'webhook', credentials: { create_url: `${hook.url}/own` } });
      expect((await d.admin(`/dns-providers/${id}`, { method: 'PUT', body: { use_multi_credentials: true } })).status).toBe(200);
      const post = await d.admin(`/dns-providers/${id}/credentials`, { method: 'POST', body: { label: 'z', zone_filter: '*.z.example', credentials: { create_url: `${hook.url}/z` } } });
      expect(post.status).toBe(201);
      for (const [domain, path] of [['a.z.example', '/hook/z'], ['other.example', '/hook/own']]) {
        const r = await d.internal('/create', { body: { provider_id: id, fqdn: `_acme-challenge.${domain}`, value: txtValue(domain) } });
        expect(r.status, domain).toBe(201);
        expect(hook.calls.at(-1)!.path, domain).toBe(path);
      }
    } finally {
      await d.stop();
      await hook.stop();
    }
  });
});
