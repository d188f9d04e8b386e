// The Caddy sync's own client token (src/caddy/token.ts) against a real daemon and database: minted for the scope it is
// given, derived again (not stored) by any replica with the same admin token, re-scoped in place, rotated with a grace
// period, refused to the API, and checked by the internal API like any client token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaddyToken, ROTATE_AFTER_MS } from '../../src/caddy/token.js';
import { ClientTokenStore } from '../../src/clients/tokens.js';
import { Keyring } from '../../src/crypto/keyring.js';
import { errorBodySchema } from '../../src/errors.js';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { eventually } from './helpers.js';

const DAY = 86_400_000;
const GRACE = 3_600_000;

let d: TestDaemon;
let hook: WebhookReceiver;
let store: ClientTokenStore;
let p1: string;
let p2: string;

const basic = (token: string) => `Basic ${Buffer.from(`caddy:${token}`).toString('base64')}`;

/** acmeproxy's present for `name` through provider `id`, as Caddy sends it with `token`. */
const present = (id: string, name: string, token: string) =>
  d.internal(`/providers/${id}/present`, { body: { fqdn: `_acme-challenge.${name}.`, value: txtValue(name) }, headers: { authorization: basic(token) } });

const code = async (res: Response) => errorBodySchema.parse(await res.json()).error.code;

/** The daemon's managed rows, as the API lists them. */
const managed = async () => (await d.api.clientTokens.list()).filter((t) => t.managed_by === 'caddy-sync');

beforeAll(async () => {
  hook = await startWebhookReceiver();
  d = await startTestDaemon({ db: 'pglite', env: { DNS01_INTERNAL_TOKEN_ENABLED: 'false' } });
  store = new ClientTokenStore(d.daemon.database, d.daemon.providers, new Keyring(d.daemon.config.encryptionKey!));
  p1 = await d.addProvider({ name: 'hook-1', provider_type: 'webhook', credentials: { create_url: hook.url } });
  p2 = await d.addProvider({ name: 'hook-2', provider_type: 'webhook', credentials: { create_url: hook.url } });
}, 120_000);

afterAll(async () => {
  await d?.stop();
  await hook?.stop();
});

describe('the Caddy sync\'s client token', () => {
  let first: string;

  it('is minted for the names and providers it is given, and nothing else passes with it', async () => {
    const t = new CaddyToken(store, { key: d.adminToken, graceMs: GRACE, audit: d.daemon.audit! });
    expect(await t.ensure({ domains: [], providerIds: [] })).toBeNull();
    expect(await managed()).toEqual([]);

    first = (await t.ensure({ domains: ['*.example.test', 'example.test'], providerIds: [p1] }))!;
    expect(first).toMatch(/^dns01ct_[\w-]{43}$/);
    expect(t.secrets()).toEqual([first]);
    const [row] = await managed();
    expect(row).toMatchObject({ allowed_domains: ['*.example.test', 'example.test'], allowed_cidrs: null, providers: [p1], expires_at: null, state: 'active' });
    expect(row!.name).toMatch(/^caddy-sync-[0-9a-f]{8}$/);
    await eventually('the mint in the audit log', async () => (await d.api.audit.list({ action: 'client_token.create', resource_id: row!.id })).audit_logs.length === 1);
    const [event] = (await d.api.audit.list({ action: 'client_token.create', resource_id: row!.id })).audit_logs;
    expect(event).toMatchObject({ actor: 'daemon', outcome: 'success', details: { name: row!.name, managed_by: 'caddy-sync', replaces: [] } });
    expect(JSON.stringify(event)).not.toContain(first);

    expect((await present(p1, 'example.test', first)).status).toBe(200);
    expect((await present(p1, 'www.example.test', first)).status).toBe(200);
    const outside = await present(p1, 'other.test', first);
    expect(outside.status).toBe(403);
    expect(await code(outside)).toBe('CLIENT_DOMAIN_NOT_ALLOWED');
    const otherProvider = await present(p2, 'example.test', first);
    expect(otherProvider.status).toBe(403);
    expect(await code(otherProvider)).toBe('CLIENT_PROVIDER_NOT_ALLOWED');
    // The shared token is off; the daemon's token is what works.
    expect(await code(await d.internal(`/providers/${p1}/present`, { body: { fqdn: '_acme-challenge.example.test', value: txtValue('x') } }))).toBe('SHARED_TOKEN_DISABLED');
  });

  it('is the same token for another replica with the same admin token, and is re-scoped in place', async () => {
    const replica = new CaddyToken(store, { key: d.adminToken, graceMs: GRACE });
    expect(await replica.ensure({ domains: ['*.example.test', 'example.test'], providerIds: [p1] })).toBe(first);
    expect(await replica.ensure({ domains: ['example.test', 'more.test'], providerIds: [p1, p2] })).toBe(first);
    const rows = await managed();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ allowed_domains: ['example.test', 'more.test'], providers: [p1, p2].sort() });
    expect((await present(p2, 'more.test', first)).status).toBe(200);
    expect(await code(await present(p1, 'www.example.test', first))).toBe('CLIENT_DOMAIN_NOT_ALLOWED');
  });

  it('cannot be revoked through the API', async () => {
    const [row] = await managed();
    const res = await d.admin(`/client-tokens/${row!.id}`, { method: 'DELETE' });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: { code: 'MANAGED_BY_DAEMON', details: { managed_by: 'caddy-sync' } } });
    expect((await managed())[0]!.state).toBe('active');
  });

  it(`is replaced after ${ROTATE_AFTER_MS / DAY} days, the old one valid for the grace period`, async () => {
    const later = Date.now() + ROTATE_AFTER_MS + DAY;
    const t = new CaddyToken(store, { key: d.adminToken, graceMs: GRACE, now: () => later });
    const second = (await t.ensure({ domains: ['example.test'], providerIds: [p1] }))!;
    expect(second).not.toBe(first);
    expect(t.secrets().sort()).toEqual([first, second].sort());
    const rows = await managed();
    expect(rows).toHaveLength(2);
    const old = rows.find((r) => r.expires_at !== null)!;
    expect(new Date(old.expires_at!).getTime()).toBe(later + GRACE);
    // Both work until the grace period ends (it ends a month from now on the real clock).
    expect((await present(p1, 'example.test', first)).status).toBe(200);
    expect((await present(p1, 'example.test', second)).status).toBe(200);
    // The next run (on the real clock: the new row is a moment old) keeps the new one.
    expect(await new CaddyToken(store, { key: d.adminToken, graceMs: GRACE }).ensure({ domains: ['example.test'], providerIds: [p1] })).toBe(second);
    expect(await managed()).toHaveLength(2);
  });

  it('is replaced when the admin token changes (the old row cannot be derived again)', async () => {
    const t = new CaddyToken(store, { key: 'another admin token', graceMs: GRACE });
    const third = (await t.ensure({ domains: ['example.test'], providerIds: [p1] }))!;
    const rows = await managed();
    expect(rows).toHaveLength(3);
    expect(rows.filter((r) => r.expires_at === null)).toHaveLength(1);
    expect((await present(p1, 'example.test', third)).status).toBe(200);
    // Nothing of any of them in an API reply or a log line.
    const replies = JSON.stringify(await d.api.clientTokens.list());
    for (const secret of t.secrets()) {
      expect(replies).not.toContain(secret);
      expect(d.logs()).not.toContain(secret);
    }
  });
});
