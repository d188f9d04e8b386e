// acme-dns compatibility at the route level: acme-dns's shapes and error bodies, auth, allowfrom, registration's test
// write, and the keep-two rule, read back from a real BIND the rfc2136 provider writes to (and a webhook receiver).
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { acmeDnsRegistrations, challenges } from '../../src/db/schema.js';
import { ACME_DNS_ERRORS } from '../../src/http/routes/acme-dns.js';
import { rfc2136ProviderCredentials, tsigKey } from '../support/acme-rig.js';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { auditEvents, logLines } from '../support/observe.js';
import { startBind, type RunningDnsServer } from '../support/dns-servers/index.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const DOMAIN = 'auth.acme-dns.test';
const key = tsigKey('acme-dns-routes');
const narrowKey = tsigKey('acme-dns-narrow');
/** The webhook daemon's bound on registration's test write and removal. */
const PROBE_TIMEOUT_MS = 4000;

interface Account { username: string; password: string; fulldomain: string; subdomain: string; allowfrom: string[] }

let bind: RunningDnsServer;
/** The same zone on a server whose policy grants the key one name only, none under which accounts live. */
let narrow: RunningDnsServer;
let hook: WebhookReceiver;
/** When set, the receiver fails every delete (500) while creates go through. */
let failDeletes = false;
let d: TestDaemon;
let off: TestDaemon;
/** Webhook providers, with a short bound on registration's test. */
let hooked: TestDaemon;
let providerId: string;

beforeAll(async () => {
  [bind, narrow, hook] = await Promise.all([
    startBind({ zones: [DOMAIN], tsigKeys: [key] }),
    startBind({ zones: [DOMAIN], tsigKeys: [narrowKey], grantNames: [`_acme-challenge.granted.${DOMAIN}`] }),
    startWebhookReceiver({
      handler: (body: { action?: string; record_id?: string | null }) => {
        if (body.action === 'delete' && failDeletes) throw new Error('induced delete failure');
        return { success: true, record_id: body.action === 'create' ? 'rec-probe' : (body.record_id ?? null) };
      },
    }),
  ]);
  d = await startTestDaemon({ env: { DNS01_ACME_DNS_DOMAIN: `${DOMAIN.toUpperCase()}.` } });
  providerId = await d.addProvider({ name: 'bind-acme-dns', provider_type: 'rfc2136', credentials: rfc2136ProviderCredentials(bind, key, DOMAIN) });
  off = await startTestDaemon({ db: 'pglite' });
  hooked = await startTestDaemon({
    db: 'pglite', acmeDnsProbeTimeoutMs: PROBE_TIMEOUT_MS,
    env: { DNS01_ACME_DNS_DOMAIN: DOMAIN, DNS01_ALLOW_PRIVATE_WEBHOOKS: 'true', DNS01_DNS_RESOLVERS: `${bind.host}:${bind.port}` },
  });
}, 120_000);

afterAll(async () => {
  await d?.stop();
  await off?.stop();
  await hooked?.stop();
  await hook?.stop();
  await narrow?.stop();
  await bind?.stop();
});

function register(body?: unknown, opts: { token?: string | null; raw?: string; daemon?: TestDaemon } = {}): Promise<Response> {
  const t = opts.daemon ?? d;
  const token = opts.token === undefined ? t.adminToken : opts.token;
  return fetch(`${t.url}/acme-dns/register`, {
    method: 'POST',
    headers: { ...(token !== null ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
    ...(opts.raw !== undefined ? { body: opts.raw } : body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}

function update(account: Pick<Account, 'username' | 'password'> | null, body: unknown, opts: { raw?: string; daemon?: TestDaemon } = {}): Promise<Response> {
  return fetch(`${(opts.daemon ?? d).url}/acme-dns/update`, {
    method: 'POST',
    headers: { ...(account ? { 'X-Api-User': account.username, 'X-Api-Key': account.password } : {}), 'content-type': 'application/json' },
    body: opts.raw ?? JSON.stringify(body),
  });
}

async function expectError(res: Response, status: number, error: string): Promise<void> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/json');
  expect(await res.json()).toEqual({ error });
}

async function count(table: typeof challenges | typeof acmeDnsRegistrations, daemon = d): Promise<number> {
  const r = await daemon.daemon.database.db.select({ n: sql<number>`count(*)::int` }).from(table);
  return Number(r[0]!.n);
}

async function newAccount(body: Record<string, unknown> = { provider: 'bind-acme-dns' }): Promise<Account> {
  const res = await register(body);
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as Account;
}

describe('POST /acme-dns/register', () => {
  it('answers acme-dns\'s reply shape: 201 {username, password, fulldomain, subdomain, allowfrom}', async () => {
    const res = await register({ provider: 'bind-acme-dns', allowfrom: ['127.0.0.1/32', '[::1]/128', '192.168.100.1/24'] });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Account;
    expect(Object.keys(body).sort()).toEqual(['allowfrom', 'fulldomain', 'password', 'subdomain', 'username']);
    expect(body.username).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.subdomain).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.password).toMatch(/^[A-Za-z0-9_-]{40}$/);
    expect(body.fulldomain).toBe(`${body.subdomain}.${DOMAIN}`);
    expect(body.allowfrom).toEqual(['127.0.0.1/32', '::1/128', '192.168.100.1/24']);

    const [row] = await d.daemon.database.db.select().from(acmeDnsRegistrations).where(sql`${acmeDnsRegistrations.username} = ${body.username}`);
    expect(row!.providerId).toBe(providerId);
    expect(row!.passwordHash).toMatch(/^scrypt\$/);
    expect(row!.passwordHash).not.toContain(body.password);
    expect(d.logs()).not.toContain(body.password);
  });

  it('takes the provider by id, and the default provider when none is named; no body at all is fine', async () => {
    expect((await newAccount({ provider: providerId })).fulldomain).toMatch(new RegExp(`\\.${DOMAIN.replace(/\./g, '\\.')}$`));
    await expectError(await register(undefined), 404, 'provider_not_found');
    expect((await d.admin(`/dns-providers/${providerId}`, { method: 'PUT', body: { is_default: true } })).status).toBe(200);
    try {
      const res = await register(undefined);
      expect(res.status).toBe(201);
      expect(((await res.json()) as Account).allowfrom).toEqual([]);
    } finally {
      await d.admin(`/dns-providers/${providerId}`, { method: 'PUT', body: { is_default: false } });
    }
  });

  it.each([
    ['no admin token', { provider: 'bind-acme-dns' }, { token: null }, 401, 'unauthorized'],
    ['a wrong admin token', { provider: 'bind-acme-dns' }, { token: 'wrong-token-wrong-token' }, 403, 'forbidden'],
    ['malformed JSON', undefined, { raw: '{"allowfrom": [' }, 400, 'malformed_json_payload'],
    ['a JSON array', undefined, { raw: '[]' }, 400, 'malformed_json_payload'],
    ['allowfrom not a list', { allowfrom: '10.0.0.0/8', provider: 'bind-acme-dns' }, {}, 400, 'malformed_json_payload'],
    ['an allowfrom entry not a string', { allowfrom: [10], provider: 'bind-acme-dns' }, {}, 400, 'malformed_json_payload'],
    ['a bad CIDR', { allowfrom: ['10.0.0.0/8', '10.0.0.1'], provider: 'bind-acme-dns' }, {}, 400, 'invalid_allowfrom_cidr'],
    ['a prefix too long', { allowfrom: ['10.0.0.0/33'], provider: 'bind-acme-dns' }, {}, 400, 'invalid_allowfrom_cidr'],
    ['an unknown provider', { provider: "x'; drop table acme_dns_registrations; --" }, {}, 404, 'provider_not_found'],
  ] as const)('refuses %s and stores nothing', async (_label, body, opts, status, error) => {
    const before = await count(acmeDnsRegistrations);
    await expectError(await register(body, opts), status, error);
    expect(await count(acmeDnsRegistrations)).toBe(before);
  });

  it('refuses a provider Caddy solves itself: the daemon could never write the value', async () => {
    await d.addProvider({ name: 'cf', provider_type: 'cloudflare', credentials: { api_token: 'cf-token-not-used' } });
    await expectError(await register({ provider: 'cf' }), 409, 'provider_not_automated');
  });

  it('answers 413 payload_too_large to a huge body', async () => {
    await expectError(await register(undefined, { raw: JSON.stringify({ allowfrom: [], pad: 'x'.repeat(70 * 1024) }) }), 413, 'payload_too_large');
  });
});

describe('POST /acme-dns/register proves the provider can write under the domain', () => {
  const ACTIVE = 'CREATED,PENDING,VERIFYING';
  const NAME_UNDER_DOMAIN = new RegExp(`^[0-9a-f-]{36}\\.${DOMAIN.replace(/\./g, '\\.')}$`);

  /** The one challenge of a provider: registration's test write. */
  async function probeOf(daemon: TestDaemon, provider: string) {
    const { challenges: rows } = await daemon.api.challenges.list({ provider });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.fqdn).toMatch(NAME_UNDER_DOMAIN);
    expect((await daemon.api.challenges.list({ provider, status: ACTIVE })).challenges).toEqual([]);
    return rows[0]!;
  }

  /** What an update for the name's account answers: none was made, so any credentials are unknown. */
  async function expectNoAccount(daemon: TestDaemon, fqdn: string): Promise<void> {
    const subdomain = fqdn.split('.')[0]!;
    const made = await daemon.daemon.database.db.select().from(acmeDnsRegistrations).where(sql`${acmeDnsRegistrations.subdomain} = ${subdomain}`);
    expect(made).toEqual([]);
    await expectError(await update({ username: randomUUID(), password: 'k'.repeat(40) }, { subdomain, txt: txtValue('no-account') }, { daemon }), 401, 'forbidden');
    expect(logLines(daemon, 'acme-dns update refused').at(-1)).toMatchObject({ reason: 'unknown user or wrong key' });
  }

  it('a provider that can: the test value is written at the account\'s own name and removed before 201, as a challenge', async () => {
    const own = await d.addProvider({ name: 'bind-probe', provider_type: 'rfc2136', credentials: rfc2136ProviderCredentials(bind, key, DOMAIN) });
    const acct = await newAccount({ provider: 'bind-probe' });
    const probe = await probeOf(d, own);
    expect(probe).toMatchObject({ fqdn: acct.fulldomain, status: 'DELETED', record_state: 'removed', error: null });
    expect(await bind.txt(acct.fulldomain)).toEqual([]);
    // Audited and logged as every acme-dns write is: the admin's request, client acme-dns.
    for (const action of ['challenge.create', 'challenge.delete']) {
      const events = (await auditEvents(d, action)).filter((e) => e.resourceId === probe.id);
      expect(events, action).toHaveLength(1);
      expect(events[0]).toMatchObject({ actor: 'admin', outcome: 'success', details: { client: 'acme-dns', fqdn: acct.fulldomain, provider: 'bind-probe' } });
    }
    expect(logLines(d, 'cleanup').filter((l) => l.challenge === probe.id)).toMatchObject([{ client: 'acme-dns', outcome: 'ok' }]);
  });

  it('a manual provider: no test write (a person writes each record), so no challenge and no "remove by hand" warning', async () => {
    const own = await d.addProvider({ name: 'manual-probe', provider_type: 'manual', credentials: {} });
    const acct = await newAccount({ provider: 'manual-probe' });
    expect(acct.fulldomain).toMatch(NAME_UNDER_DOMAIN);
    expect((await d.api.challenges.list({ provider: own })).challenges).toEqual([]);
    expect(logLines(d, 'manual provider: remove this TXT record by hand').filter((l) => l.fqdn === acct.fulldomain)).toEqual([]);
    expect(logLines(d, 'acme-dns registration on a manual provider: no test write, a person writes each update\'s record').at(-1))
      .toMatchObject({ provider: 'manual-probe', subdomain: acct.subdomain });
  });

  it('a provider the far side refuses there (BIND\'s policy): 502 acme_dns_domain_not_writable, no account, no record, no active row', async () => {
    const refused = await d.addProvider({ name: 'bind-narrow', provider_type: 'rfc2136', credentials: rfc2136ProviderCredentials(narrow, narrowKey, DOMAIN) });
    const before = await count(acmeDnsRegistrations);
    await expectError(await register({ provider: 'bind-narrow' }), 502, 'acme_dns_domain_not_writable');
    expect(await count(acmeDnsRegistrations)).toBe(before);
    const probe = await probeOf(d, refused);
    expect(probe).toMatchObject({ status: 'FAILED', record_state: 'none' });
    expect(probe.error).toContain('DNS_UPDATE_REFUSED');
    expect(await narrow.txt(probe.fqdn)).toEqual([]);
    await expectNoAccount(d, probe.fqdn);
    expect(logLines(d, 'acme-dns registration refused: the provider could not write and remove a test record').at(-1))
      .toMatchObject({ provider: 'bind-narrow', fqdn: probe.fqdn, step: 'write', code: 'ACME_DNS_DOMAIN_NOT_WRITABLE', cause: 'DNS_UPDATE_REFUSED' });
  });

  it('a webhook answering 403: the same answer, and nothing to remove', async () => {
    hook.setBehaviour({ kind: 'status', status: 403 });
    const calls = hook.calls.length;
    const refused = await hooked.addProvider({ name: 'hook-403', provider_type: 'webhook', credentials: { create_url: hook.url, max_retries: 0 } });
    await expectError(await register({ provider: 'hook-403' }, { daemon: hooked }), 502, 'acme_dns_domain_not_writable');
    expect(await count(acmeDnsRegistrations, hooked)).toBe(0);
    const probe = await probeOf(hooked, refused);
    expect(probe).toMatchObject({ status: 'FAILED', record_state: 'none' });
    expect(hook.calls.slice(calls).map((c) => [c.body.action, c.body.fqdn])).toEqual([['create', probe.fqdn]]);
    await expectNoAccount(hooked, probe.fqdn);
  });

  it('a webhook that writes but cannot remove: refused at the removal step; the janitor removes the record later', async () => {
    hook.setBehaviour({ kind: 'ok' });
    failDeletes = true;
    const calls = hook.calls.length;
    const stuck = await hooked.addProvider({ name: 'hook-no-delete', provider_type: 'webhook', credentials: { create_url: hook.url, max_retries: 0 } });
    try {
      await expectError(await register({ provider: 'hook-no-delete' }, { daemon: hooked }), 502, 'acme_dns_domain_not_writable');
    } finally {
      failDeletes = false;
    }
    expect(await count(acmeDnsRegistrations, hooked)).toBe(0);
    const probe = await probeOf(hooked, stuck);
    // Finished, but the record is still there: the janitor's to remove.
    expect(probe).toMatchObject({ status: 'DELETED', record_state: 'present' });
    expect(logLines(hooked, 'acme-dns registration refused: the provider could not write and remove a test record').at(-1))
      .toMatchObject({ provider: 'hook-no-delete', fqdn: probe.fqdn, step: 'remove', cause: 'WEBHOOK_FAILED' });
    await expectNoAccount(hooked, probe.fqdn);
    // Past the janitor's backoff after one failed cleanup (2 minutes).
    await hooked.daemon.database.db.update(challenges).set({ updatedAt: new Date(Date.now() - 5 * 60_000) }).where(sql`${challenges.id} = ${probe.id}`);
    await hooked.daemon.janitor.runOnce();
    expect(hook.calls.slice(calls).map((c) => [c.body.action, c.body.fqdn])).toEqual([['create', probe.fqdn], ['delete', probe.fqdn], ['delete', probe.fqdn]]);
    expect(await hooked.api.challenges.get(probe.id)).toMatchObject({ status: 'DELETED', record_state: 'removed' });
  });

  it(`a webhook that never answers: the reply comes at the bound (${PROBE_TIMEOUT_MS} ms), and the janitor removes what the write may have left`, async () => {
    hook.setBehaviour({ kind: 'hang' });
    const calls = hook.calls.length;
    // Left alone, its own timeout and retries would hold the reply for minutes.
    const slow = await hooked.addProvider({ name: 'hook-hang', provider_type: 'webhook', credentials: { create_url: hook.url, timeout_seconds: 120, max_retries: 3 } });
    const started = performance.now();
    const res = await register({ provider: 'hook-hang' }, { daemon: hooked });
    const elapsed = performance.now() - started;
    await expectError(res, 502, 'acme_dns_domain_not_writable');
    expect(elapsed).toBeGreaterThanOrEqual(PROBE_TIMEOUT_MS - 50);
    // The bound, its settling time (PROBE_SETTLE_MS, 2 s), and room for a busy machine.
    expect(elapsed).toBeLessThan(PROBE_TIMEOUT_MS + 2000 + 2000);
    expect(await count(acmeDnsRegistrations, hooked)).toBe(0);
    const probe = await probeOf(hooked, slow);
    // The create may have arrived: the record's state is unknown, which is the janitor's to settle.
    expect(probe).toMatchObject({ status: 'FAILED', record_state: 'unknown' });
    expect(probe.error).toContain('ACME_DNS_DOMAIN_NOT_WRITABLE');
    expect(hook.calls.slice(calls).map((c) => c.body.action)).toEqual(['create']);
    await expectNoAccount(hooked, probe.fqdn);
    expect(logLines(hooked, 'acme-dns registration refused: the provider could not write and remove a test record').at(-1))
      .toMatchObject({ provider: 'hook-hang', fqdn: probe.fqdn, step: 'write', code: 'ACME_DNS_DOMAIN_NOT_WRITABLE', timeout_seconds: PROBE_TIMEOUT_MS / 1000 });

    hook.setBehaviour({ kind: 'ok' });
    await hooked.daemon.janitor.runOnce();
    expect(hook.calls.slice(calls).map((c) => [c.body.action, c.body.fqdn])).toEqual([['create', probe.fqdn], ['delete', probe.fqdn]]);
    expect(await hooked.api.challenges.get(probe.id)).toMatchObject({ status: 'FAILED', record_state: 'removed' });
  }, 30_000);
});

describe('POST /acme-dns/update', () => {
  let acct: Account;
  beforeAll(async () => {
    acct = await newAccount();
  });

  it('refuses every bad credential, address, body and value with acme-dns\'s errors, changing nothing', async () => {
    // Made first: each registration's test write is a challenge row of its own.
    const other = await newAccount();
    const fenced = await newAccount({ provider: 'bind-acme-dns', allowfrom: ['10.0.0.0/8', '2001:db8::/32'] });
    const before = await count(challenges);
    const v = txtValue('refused');
    const body = { subdomain: acct.subdomain, txt: v };
    await expectError(await update(null, body), 401, 'forbidden');
    await expectError(await update({ username: acct.username, password: `${acct.password.slice(0, -1)}${acct.password.endsWith('a') ? 'b' : 'a'}` }, body), 401, 'forbidden');
    await expectError(await update({ username: '00000000-0000-4000-8000-000000000000', password: acct.password }, body), 401, 'forbidden');
    await expectError(await update({ username: "' or 1=1 --", password: acct.password }, body), 401, 'forbidden');
    await expectError(await update(acct, null, { raw: '{"subdomain":' }), 401, 'forbidden');
    await expectError(await update(acct, { subdomain: other.subdomain, txt: v }), 401, 'forbidden');
    await expectError(await update(acct, { txt: v }), 401, 'forbidden');
    // acme-dns's bad_subdomain is unreachable there too: a malformed subdomain is first of all not the account's.
    await expectError(await update(acct, { subdomain: "x'); delete from challenges; --", txt: v }), 401, 'forbidden');
    await expectError(await update(acct, { subdomain: acct.subdomain, txt: 'too-short' }), 400, 'bad_txt');
    await expectError(await update(acct, { subdomain: acct.subdomain, txt: "'; drop table challenges; --".padEnd(43, 'x') }), 400, 'bad_txt');
    await expectError(await update(acct, { subdomain: acct.subdomain, txt: 42 }), 400, 'bad_txt');
    await expectError(await update(acct, null, { raw: JSON.stringify({ ...body, pad: 'x'.repeat(70 * 1024) }) }), 413, 'payload_too_large');

    await expectError(await update(fenced, { subdomain: fenced.subdomain, txt: v }), 401, 'forbidden');

    expect(await count(challenges)).toBe(before);
    expect(await bind.txt(acct.fulldomain)).toEqual([]);
    expect(await bind.txt(fenced.fulldomain)).toEqual([]);
    expect(d.logs()).not.toContain(acct.password);
  });

  it('accepts an update from an address in allowfrom', async () => {
    const fenced = await newAccount({ provider: 'bind-acme-dns', allowfrom: ['127.0.0.0/8'] });
    const v = txtValue('fenced-ok');
    const res = await update(fenced, { subdomain: fenced.subdomain, txt: v });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await bind.txt(fenced.fulldomain)).toEqual([v]);
  });

  it('keeps the latest two values, as acme-dns does, and removes the older ones from DNS', async () => {
    const [v1, v2, v3] = [txtValue('keep-1'), txtValue('keep-2'), txtValue('keep-3')];
    for (const v of [v1, v2]) {
      const res = await update(acct, { subdomain: acct.subdomain, txt: v });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ txt: v });
    }
    expect((await bind.txt(acct.fulldomain)).sort()).toEqual([v1, v2].sort());

    expect((await update(acct, { subdomain: acct.subdomain, txt: v3 })).status).toBe(200);
    expect((await bind.txt(acct.fulldomain)).sort()).toEqual([v2, v3].sort());
    // Sending a live value again changes nothing.
    expect((await update(acct, { subdomain: acct.subdomain, txt: v3 })).status).toBe(200);
    expect((await bind.txt(acct.fulldomain)).sort()).toEqual([v2, v3].sort());

    // Registration's test value is there too, written and removed before the account existed.
    const rows = (await d.daemon.database.db.select().from(challenges).where(sql`${challenges.fqdn} = ${acct.fulldomain}`))
      .filter((r) => [v1, v2, v3].includes(r.value));
    const byValue = Object.fromEntries(rows.map((r) => [r.value, `${r.status}/${r.recordState}`]));
    expect(byValue).toEqual({ [v1]: 'DELETED/removed', [v2]: 'PENDING/present', [v3]: 'PENDING/present' });
    expect(rows.every((r) => r.providerId === providerId)).toBe(true);
  });

  it('leaves nothing behind: when the values expire, the janitor removes them from DNS', async () => {
    await d.daemon.database.db.update(challenges).set({ expiresAt: new Date(Date.now() - 1000) }).where(sql`${challenges.fqdn} = ${acct.fulldomain} and ${challenges.status} = 'PENDING'`);
    const report = await d.daemon.janitor.runOnce();
    expect(report.expired).toBe(2);
    expect(await bind.txt(acct.fulldomain)).toEqual([]);
    const rows = await d.daemon.database.db.select().from(challenges).where(sql`${challenges.fqdn} = ${acct.fulldomain}`);
    // Three updates and registration's test value.
    expect(rows.map((r) => r.recordState)).toEqual(['removed', 'removed', 'removed', 'removed']);
  });
});

describe('acme-dns off (DNS01_ACME_DNS_DOMAIN unset)', () => {
  it('answers 404 acme_dns_not_configured on both routes', async () => {
    await expectError(await register({}, { daemon: off }), 404, 'acme_dns_not_configured');
    await expectError(await update({ username: '00000000-0000-4000-8000-000000000000', password: 'x'.repeat(40) }, {}, { daemon: off }), 404, 'acme_dns_not_configured');
  });

  it('refuses a DNS01_ACME_DNS_DOMAIN that is not a DNS name', () => {
    expect(() => loadConfig({ DNS01_ACME_DNS_DOMAIN: 'not a domain/x' })).toThrow(ConfigError);
    expect(() => loadConfig({ DNS01_ACME_DNS_DOMAIN: 'not a domain/x' })).toThrow(/DNS01_ACME_DNS_DOMAIN/);
  });

  it('every acme-dns error string is documented in docs/errors.md', async () => {
    const { readFileSync } = await import('node:fs');
    const doc = readFileSync('docs/errors.md', 'utf8');
    const missing = Object.entries(ACME_DNS_ERRORS).filter(([error, [, status]]) => !doc.includes(`| \`${error}\` | ${status} |`));
    expect(missing).toEqual([]);
  });
});
