// acme-dns registration by a client token (docs/acme-dns.md#registering-with-a-client-token): bearer or basic auth,
// the provider rule, the token's scope at registration and at every update of the account, refusals in acme-dns's
// `{"error"}` shape with nothing written, and the token never in the log.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acmeDnsRegistrations, challenges, clientTokens } from '../../src/db/schema.js';
import { rfc2136ProviderCredentials, tsigKey } from '../support/acme-rig.js';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { startBind, type RunningDnsServer } from '../support/dns-servers/index.js';

const DOMAIN = 'auth.acme-dns.test';
const key = tsigKey('acme-dns-client-register');

interface Account { username: string; password: string; fulldomain: string; subdomain: string; allowfrom: string[] }

let bind: RunningDnsServer;
let d: TestDaemon;
/** The default provider, and a second one writing the same zone. */
let primary: string;
let secondary: string;
let n = 0;

beforeAll(async () => {
  bind = await startBind({ zones: [DOMAIN], tsigKeys: [key] });
  d = await startTestDaemon({ env: { DNS01_ACME_DNS_DOMAIN: DOMAIN } });
  const credentials = rfc2136ProviderCredentials(bind, key, DOMAIN);
  primary = await d.addProvider({ name: 'primary', provider_type: 'rfc2136', credentials, is_default: true });
  secondary = await d.addProvider({ name: 'secondary', provider_type: 'rfc2136', credentials });
}, 120_000);

afterAll(async () => {
  await d?.stop();
  await bind?.stop();
});

/** A fresh client token; by default it covers the accounts' names and may use the primary provider only. */
async function token(over: Record<string, unknown> = {}): Promise<{ id: string; token: string }> {
  const made = await d.api.clientTokens.create({ name: `client-${++n}`, allowed_domains: [`*.${DOMAIN}`], providers: [primary], ...over });
  return { id: made.client_token.id, token: made.token };
}

function register(authorization: string | null, body?: unknown): Promise<Response> {
  return fetch(`${d.url}/acme-dns/register`, {
    method: 'POST',
    headers: { ...(authorization ? { authorization } : {}), 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}
const bearer = (secret: string) => `Bearer ${secret}`;
/** What Go's net/http sends for a server URL `http://caddy:<token>@host/acme-dns`. */
const basic = (secret: string, user = 'caddy') => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;

function update(account: Account, txt: string): Promise<Response> {
  return fetch(`${d.url}/acme-dns/update`, {
    method: 'POST',
    headers: { 'X-Api-User': account.username, 'X-Api-Key': account.password, 'content-type': 'application/json' },
    body: JSON.stringify({ subdomain: account.subdomain, txt }),
  });
}

async function registered(authorization: string, body?: unknown): Promise<Account> {
  const res = await register(authorization, body);
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as Account;
}

async function accountRow(username: string) {
  const [row] = await d.daemon.database.db.select().from(acmeDnsRegistrations).where(eq(acmeDnsRegistrations.username, username));
  return row!;
}

const countAccounts = async () => (await d.daemon.database.db.select().from(acmeDnsRegistrations)).length;
const rowsAt = (fqdn: string) => d.daemon.database.db.select().from(challenges).where(sql`${challenges.fqdn} = ${fqdn}`);

/** Expects an acme-dns-shaped refusal: the status and `{"error": <string>}`. */
async function refused(res: Response, status: number, error: string): Promise<void> {
  expect(res.status).toBe(status);
  expect(await res.json()).toEqual({ error });
}

describe('POST /acme-dns/register with a client token', () => {
  it('as a bearer token: the account keeps the token, the test write ran, and its updates write through the token\'s provider', async () => {
    const t = await token();
    const account = await registered(bearer(t.token));
    const row = await accountRow(account.username);
    expect(row.clientTokenId).toBe(t.id);
    expect(row.providerId).toBe(primary);
    // Registration's test write at the account's own name, written and removed before the 201.
    expect((await rowsAt(account.fulldomain)).map((r) => [r.status, r.recordState])).toEqual([['DELETED', 'removed']]);

    const value = txtValue('bearer');
    const res = await update(account, value);
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await bind.txt(account.fulldomain)).toEqual([value]);
    expect(d.logs()).not.toContain(t.token);
    expect(d.logs()).not.toContain(account.password);
  });

  it('as the basic-auth password, whatever the user name (a server URL\'s user info)', async () => {
    const t = await token();
    for (const user of ['caddy', '', 'anything-at-all']) {
      const account = await registered(basic(t.token, user));
      expect((await accountRow(account.username)).clientTokenId).toBe(t.id);
    }
  });

  it('chooses the provider: the token\'s only one; else the one named among the token\'s; else provider_required', async () => {
    const only = await token({ providers: [secondary] });
    expect((await accountRow((await registered(bearer(only.token))).username)).providerId).toBe(secondary);

    const both = await token({ providers: [primary, secondary] });
    const before = await countAccounts();
    await refused(await register(bearer(both.token)), 400, 'provider_required');
    expect(await countAccounts()).toBe(before);
    expect((await accountRow((await registered(bearer(both.token), { provider: 'secondary' })).username)).providerId).toBe(secondary);

    // A token that may use any provider gets the default one, or the one it names, as the admin token does.
    const any = await token({ providers: null });
    expect((await accountRow((await registered(bearer(any.token))).username)).providerId).toBe(primary);
    expect((await accountRow((await registered(bearer(any.token), { provider: secondary })).username)).providerId).toBe(secondary);
  });

  it('refuses, in acme-dns\'s error shape and with nothing written: revoked, expired, out of scope, another provider', async () => {
    const before = await countAccounts();
    const challengesBefore = (await d.daemon.database.db.select().from(challenges)).length;

    const revoked = await token();
    await d.api.clientTokens.revoke(revoked.id);
    await refused(await register(bearer(revoked.token)), 401, 'client_token_revoked');
    await refused(await register(basic(revoked.token)), 401, 'client_token_revoked');

    const expired = await token({ expires_at: new Date(Date.now() + 1500).toISOString() });
    await new Promise((r) => setTimeout(r, 1600));
    await refused(await register(bearer(expired.token)), 401, 'client_token_expired');

    // The token's domains must cover the name the account writes, <subdomain>.<DNS01_ACME_DNS_DOMAIN>.
    const elsewhere = await token({ allowed_domains: ['*.shop.example.test', DOMAIN] });
    await refused(await register(bearer(elsewhere.token)), 403, 'client_domain_not_allowed');

    const narrow = await token();
    await refused(await register(bearer(narrow.token), { provider: 'secondary' }), 403, 'client_provider_not_allowed');

    const faraway = await token({ allowed_cidrs: ['192.0.2.0/24'] });
    await refused(await register(bearer(faraway.token)), 403, 'client_network_not_allowed');

    await refused(await register(bearer('dns01ct_not-a-token-at-all')), 403, 'forbidden');
    // The shared internal token is Caddy's, not a registrant's; the admin token stays out of URLs.
    await refused(await register(bearer(d.internalToken)), 403, 'forbidden');
    await refused(await register(basic(d.adminToken)), 403, 'forbidden');
    await refused(await register(null), 401, 'unauthorized');

    expect(await countAccounts()).toBe(before);
    expect((await d.daemon.database.db.select().from(challenges)).length).toBe(challengesBefore);
  });

  it('the admin token as a bearer token still registers, with no token on the account', async () => {
    const account = await registered(bearer(d.adminToken));
    expect((await accountRow(account.username)).clientTokenId).toBeNull();
  });
});

describe('POST /acme-dns/update of an account a client token registered', () => {
  it('is refused once the token is revoked, or when the token\'s scope no longer covers it; nothing is written', async () => {
    const t = await token();
    const account = await registered(bearer(t.token));
    const first = txtValue('before-revocation');
    expect((await update(account, first)).status).toBe(200);

    const rows = async () => (await rowsAt(account.fulldomain)).length;
    const held = await rows();
    const tighten = (set: Partial<typeof clientTokens.$inferInsert>) =>
      d.daemon.database.db.update(clientTokens).set(set).where(eq(clientTokens.id, t.id));

    // The scope is read at each update (a config file can change a token's scope): domains, networks, providers.
    await tighten({ allowedDomains: ['*.shop.example.test'] });
    await refused(await update(account, txtValue('domains')), 403, 'client_domain_not_allowed');
    await tighten({ allowedDomains: [`*.${DOMAIN}`], allowedCidrs: ['192.0.2.0/24'] });
    await refused(await update(account, txtValue('networks')), 403, 'client_network_not_allowed');
    await tighten({ allowedCidrs: [], providerIds: [secondary] });
    await refused(await update(account, txtValue('providers')), 403, 'client_provider_not_allowed');
    await tighten({ providerIds: [primary] });

    await d.api.clientTokens.revoke(t.id);
    await refused(await update(account, txtValue('after-revocation')), 401, 'client_token_revoked');

    expect(await rows()).toBe(held);
    expect(await bind.txt(account.fulldomain)).toEqual([first]);
    expect(d.logs()).not.toContain(t.token);
  });
});
