// The audit log: every event type with its actor and outcome, no secret in any detail, filters, pages, both exports, retention, a stalled database, an auth flood.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDACTED, redactDetails } from '../../src/audit/redact.js';
import { challenges, securityAudits } from '../../src/db/schema.js';
import { auditEventSchema, type AuditEventView as AuditView } from '../../src/http/wire/audit.js';
import { refusal as refusalOf } from '../support/api.js';
import { startCaddy, DEBIAN_CADDY, type RunningCaddy } from '../support/caddy.js';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { freePort } from '../support/ports.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

type Page = Awaited<ReturnType<TestDaemon['api']['audit']['list']>>;
/** One NDJSON export line, read with the event's wire schema. */
const exported = (line: string) => auditEventSchema.parse(JSON.parse(line));

const basic = (token: string) => `Basic ${Buffer.from(`any:${token}`).toString('base64')}`;

async function metric(d: TestDaemon, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${d.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

function page(d: TestDaemon, query: string): Promise<Page> {
  return d.api.audit.list(query);
}

describe('redaction', () => {
  it('masks secret-named keys and the plugin\'s secret fields at any depth, keeps the rest, bounds sizes', () => {
    const out = redactDetails({
      name: 'p', api_token: 'x', password: 'x', tsig_key_secret: 'x', nested: { Authorization: 'x', list: [{ client_secret: 'x', ok: 1 }] },
      credentials: { anything: 'x' }, zone: 'example.com', long: 'a'.repeat(2000), auth_value: 'x',
    }, new Set(['auth_value', 'zone_secretless']));
    expect(out).toMatchObject({
      name: 'p', api_token: REDACTED, password: REDACTED, tsig_key_secret: REDACTED, credentials: REDACTED, auth_value: REDACTED, zone: 'example.com',
      nested: { Authorization: REDACTED, list: [{ client_secret: REDACTED, ok: 1 }] },
    });
    expect(String(out.long).length).toBeLessThan(600);
    expect(JSON.stringify(out)).not.toMatch(/"x"/);
  });
});

describe('audit log', () => {
  let d: TestDaemon;
  let hook: WebhookReceiver;
  let root: string;
  /** Every secret this test hands the daemon; none may appear anywhere in security_audits. */
  const secrets: string[] = [];
  const secret = (prefix: string) => {
    const s = `${prefix}${randomBytes(18).toString('hex')}`;
    secrets.push(s);
    return s;
  };
  const settle = () => d.daemon.audit!.flush();
  const eventsOf = async (where: Partial<Record<'action' | 'actor' | 'resource_id' | 'category' | 'outcome', string>>) => {
    await settle();
    return (await page(d, new URLSearchParams({ ...where, limit: '500' }).toString())).audit_logs;
  };
  let providerId: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'dns01-audit-'));
    await chmod(root, 0o755);
    const scriptsDir = join(root, 'scripts');
    await mkdir(scriptsDir, { mode: 0o755 });
    await writeFile(join(scriptsDir, 'ok.sh'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    await writeFile(join(scriptsDir, 'fail.sh'), '#!/bin/sh\necho "token is $SECRET_TOKEN" >&2\nexit 3\n', { mode: 0o755 });
    hook = await startWebhookReceiver();
    // The auth flood below sends more wrong admin tokens than the login limit lets one address send (login-limits.test.ts).
    d = await startTestDaemon({ env: { DNS01_SCRIPTS_DIR: scriptsDir, DNS01_LOGIN_FAILURES_PER_SOURCE: '100' }, audit: { flushIntervalMs: 20, perMinute: 5 } });
    secrets.push(d.adminToken, d.internalToken);
  });
  afterAll(async () => {
    await d?.stop();
    await hook?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('provider create, update, test and delete: actor admin, the peer and user agent, the changed fields but no values', async () => {
    providerId = await d.addProvider({ name: 'hook', provider_type: 'webhook', is_default: true, credentials: { create_url: hook.url, auth_header: 'X-Auth', auth_value: secret('authv-') } });
    let res = await d.admin(`/dns-providers/${providerId}`, { method: 'PUT', body: { credentials: { create_url: hook.url, auth_value: secret('authv2-'), custom_headers: { 'X-Key': secret('hdr-') } } } });
    expect(res.status, await res.clone().text()).toBe(200);
    res = await d.admin(`/dns-providers/${providerId}/test`, { method: 'POST' });
    expect(res.status).toBe(200);
    const rfc = await d.addProvider({
      name: 'rfc', provider_type: 'rfc2136',
      credentials: { nameserver: '127.0.0.1', port: String(await freePort()), tsig_key_name: 'k', tsig_key_secret: Buffer.from(secret('tsig-')).toString('base64'), zone: 'example.test' },
    });
    expect((await d.admin(`/dns-providers/${rfc}`, { method: 'DELETE' })).status).toBe(200);
    expect((await d.admin('/dns-providers/00000000-0000-4000-8000-000000000000', { method: 'DELETE' })).status).toBe(404);

    const mine = await eventsOf({ resource_id: providerId, category: 'dns_provider' });
    expect(mine.map((e) => e.action).sort()).toEqual(['dns_provider.create', 'dns_provider.test', 'dns_provider.update']);
    for (const e of mine) expect(e).toMatchObject({ actor: 'admin', outcome: 'success', resource_type: 'dns_provider', source_ip: expect.stringMatching(/127\.0\.0\.1/), user_agent: expect.any(String) });
    expect(mine.find((e) => e.action === 'dns_provider.update')!.details).toMatchObject({ fields: ['credentials'], name: 'hook' });
    expect((await eventsOf({ resource_id: rfc, action: 'dns_provider.delete' }))[0]).toMatchObject({ actor: 'admin', outcome: 'success' });
    const missing = await eventsOf({ action: 'dns_provider.delete', outcome: 'failure' });
    expect(missing[0]).toMatchObject({ resource_id: '00000000-0000-4000-8000-000000000000', details: { code: 'PROVIDER_NOT_FOUND' } });
    // The test decrypted the credentials for it: recorded with that purpose.
    expect((await eventsOf({ action: 'credential.decrypt', resource_id: providerId }))[0]!.details).toMatchObject({ purpose: 'test' });
  });

  it('zone-specific credentials: create, update, test, delete, each naming its provider', async () => {
    const id = await d.addProvider({ name: 'multi', provider_type: 'webhook', use_multi_credentials: true, credentials: { create_url: hook.url } });
    const credId = (await d.api.credentials.create(id, { label: 'one', zone_filter: 'example.org', credentials: { create_url: hook.url, auth_value: secret('cred-') } })).id;
    await d.api.credentials.update(id, credId, { credentials: { create_url: hook.url, auth_value: secret('cred2-') } });
    await d.api.credentials.test(id, credId);
    await d.api.credentials.remove(id, credId);
    const events = await eventsOf({ resource_id: credId, category: 'credential' });
    expect(events.map((e) => e.action).sort()).toEqual(['credential.create', 'credential.decrypt', 'credential.delete', 'credential.test', 'credential.update']);
    for (const e of events) expect(e).toMatchObject({ outcome: 'success', details: expect.objectContaining({ provider_id: id }) });
    // A refused create names the provider in details, not as the resource.
    expect((await refusalOf(d.api.credentials.create(id, { label: '' }))).status).toBe(400);
    const [refused] = await eventsOf({ action: 'credential.create', outcome: 'failure' });
    expect(refused).toMatchObject({ resource_type: 'credential', resource_id: null, details: { provider_id: id, code: 'VALIDATION_ERROR' } });
    expect((await refusalOf(d.api.providers.auditLogs(id, 'resource_type=site'))).status).toBe(400);
    // A provider's own page gathers its credentials' events too.
    const own = await d.api.providers.auditLogs(id, 'limit=100');
    expect(own.audit_logs.map((e) => e.action)).toEqual(expect.arrayContaining(['dns_provider.create', 'credential.create', 'credential.delete']));
  });

  it('sites: create, update, delete', async () => {
    const siteId = (await d.api.sites.create({ domain_names: ['site.example.com'], dns_provider_id: providerId })).id;
    await d.api.sites.update(siteId, { enabled: false });
    await d.api.sites.remove(siteId);
    const events = await eventsOf({ resource_id: siteId });
    expect(events.map((e) => [e.action, e.actor, e.outcome])).toEqual([['site.delete', 'admin', 'success'], ['site.update', 'admin', 'success'], ['site.create', 'admin', 'success']]);
  });

  it('challenges: create and delete by the caller, expire by the janitor, fail; client tokens: create, use, refusal, revoke', async () => {
    // Shared token: actor "internal".
    const created = (await d.api.internal.create({ fqdn: '_acme-challenge.a.example.com', value: txtValue('a'), provider_id: providerId }, { status: 201 })).challenge_id;
    await d.api.internal.remove(created);
    const lifecycle = await eventsOf({ resource_id: created });
    expect(lifecycle.map((e) => [e.action, e.actor, e.outcome])).toEqual([['challenge.delete', 'internal', 'success'], ['challenge.create', 'internal', 'success']]);
    expect(lifecycle[0]!.details).toMatchObject({ provider_id: providerId, fqdn: '_acme-challenge.a.example.com', status: 'DELETED' });

    // A client token, by name.
    const { client_token: view, token } = await d.api.clientTokens.create({ name: 'ci', allowed_domains: ['*.example.com'], allowed_cidrs: ['127.0.0.0/8'] });
    secrets.push(token);
    let res = await d.internal('/present', { body: { fqdn: '_acme-challenge.b.example.com', value: txtValue('b') }, headers: { authorization: basic(token) } });
    expect(res.status).toBe(200);
    res = await d.internal('/present', { body: { fqdn: '_acme-challenge.other.org', value: txtValue('c') }, headers: { authorization: basic(token) } });
    expect(res.status).toBe(403);
    const [byClient] = await eventsOf({ action: 'challenge.create', actor: 'client:ci' });
    expect(byClient).toMatchObject({ outcome: 'success', details: { fqdn: '_acme-challenge.b.example.com' } });
    const [refusal] = await eventsOf({ action: 'client_token.refused' });
    expect(refusal).toMatchObject({ actor: 'client:ci', outcome: 'denied', resource_id: view.id, details: { code: 'CLIENT_DOMAIN_NOT_ALLOWED', client_name: 'ci' } });

    // The janitor expires the client's challenge and removes its record.
    const [row, ...others] = (await d.api.challenges.list({ fqdn: '_acme-challenge.b.example.com' })).challenges;
    expect(others).toEqual([]);
    await d.daemon.database.db.update(challenges).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(challenges.id, row!.id));
    await d.daemon.janitor.runOnce();
    const [expired] = await eventsOf({ resource_id: row!.id, action: 'challenge.expire' });
    expect(expired).toMatchObject({ actor: 'janitor', outcome: 'success', source_ip: null, details: { result: 'ok', status: 'EXPIRED' } });

    // A provider that fails: challenge.fail with the code.
    hook.setBehaviour({ kind: 'status', status: 400, body: { success: false, message: 'no' } });
    res = await d.internal('/create', { body: { fqdn: '_acme-challenge.f.example.com', value: txtValue('f'), provider_id: providerId } });
    hook.setBehaviour({ kind: 'ok' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    const [failed] = await eventsOf({ action: 'challenge.fail' });
    expect(failed).toMatchObject({ actor: 'internal', outcome: 'failure', details: { fqdn: '_acme-challenge.f.example.com', code: expect.any(String) } });

    // A finished row whose record is still there (a cleanup that never came): the janitor removes it.
    await d.daemon.database.db.update(challenges).set({ recordState: 'present' }).where(eq(challenges.id, created));
    expect((await d.daemon.janitor.runOnce()).recordsRemoved).toBe(1);
    const [removed] = await eventsOf({ resource_id: created, action: 'challenge.record_removed' });
    expect(removed).toMatchObject({ actor: 'janitor', outcome: 'success', details: { result: 'ok', status: 'DELETED' } });

    expect((await d.admin(`/client-tokens/${view.id}`, { method: 'DELETE' })).status).toBe(200);
    res = await d.internal('/present', { body: { fqdn: '_acme-challenge.b.example.com', value: txtValue('d') }, headers: { authorization: basic(token) } });
    expect(res.status).toBe(401);
    const tokenEvents = await eventsOf({ resource_id: view.id });
    expect(tokenEvents.map((e) => [e.action, e.outcome])).toEqual([
      ['client_token.refused', 'denied'], ['client_token.revoke', 'success'], ['client_token.refused', 'denied'], ['client_token.create', 'success'],
    ]);
    expect(tokenEvents[0]!.details).toMatchObject({ code: 'CLIENT_TOKEN_REVOKED' });
  });

  it('script runs, with their outcome', async () => {
    const ok = await d.addProvider({ name: 'script-ok', provider_type: 'script', credentials: { script_path: 'ok.sh' } });
    const bad = await d.addProvider({ name: 'script-bad', provider_type: 'script', credentials: { script_path: 'fail.sh', env_vars: { SECRET_TOKEN: secret('script-') } } });
    expect((await d.internal('/create', { body: { fqdn: '_acme-challenge.s.example.com', value: txtValue('s'), provider_id: ok } })).status).toBe(201);
    expect((await d.internal('/create', { body: { fqdn: '_acme-challenge.t.example.com', value: txtValue('t'), provider_id: bad } })).status).toBeGreaterThanOrEqual(400);
    expect((await eventsOf({ action: 'script.run', resource_id: ok }))[0]).toMatchObject({ actor: 'internal', outcome: 'success', details: { step: 'present' } });
    expect((await eventsOf({ action: 'script.run', resource_id: bad }))[0]).toMatchObject({ actor: 'internal', outcome: 'failure', details: { step: 'present' } });
  });

  it('key rotation: start and finish', async () => {
    const runId = (await d.api.encryption.rotate()).id;
    let finish: AuditView[] = [];
    for (let i = 0; i < 200 && finish.length === 0; i++) {
      finish = await eventsOf({ action: 'encryption.rotation_finish', resource_id: runId });
      if (finish.length === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(finish[0]).toMatchObject({ outcome: 'success', details: { result: 'completed' } });
    expect((await eventsOf({ action: 'encryption.rotation_start', resource_id: runId }))[0]).toMatchObject({ actor: 'admin', details: { trigger: 'api' } });
    expect((await eventsOf({ action: 'encryption.rotate' }))[0]).toMatchObject({ actor: 'admin', outcome: 'success' });
  });

  it('authentication failures on both APIs are recorded, a flood only up to the limit per address and the rest counted', async () => {
    const before = await metric(d, 'dns01_audit_events_dropped_total', '{reason="rate_limited"}');
    const wrongAdmin = secret('wrong-admin-');
    const wrongInternal = secret('wrong-internal-');
    for (let i = 0; i < 10; i++) {
      expect((await fetch(`${d.url}/api/v1/dns-providers`, { headers: { authorization: `Bearer ${wrongAdmin}` } })).status).toBe(403);
    }
    for (let i = 0; i < 10; i++) {
      expect((await fetch(`${d.url}/internal/dns-challenge/present`, { method: 'POST', headers: { authorization: basic(wrongInternal) } })).status).toBe(403);
    }
    // An earlier refusal from this address may already have used some of the minute's allowance (5 in this test).
    const failures = await eventsOf({ category: 'auth' });
    expect(failures.length).toBeLessThanOrEqual(5);
    expect(failures.some((e) => e.action === 'auth.failed' && e.outcome === 'denied' && e.actor === 'anonymous')).toBe(true);
    const recorded = failures.filter((e) => e.action === 'auth.failed').length;
    expect(await metric(d, 'dns01_audit_events_dropped_total', '{reason="rate_limited"}')).toBeGreaterThanOrEqual(before + 20 - recorded);
  });

  it('no secret the test used appears anywhere in the table', async () => {
    await settle();
    const [all] = await d.daemon.database.db.execute<{ text: string }>(sql`select coalesce(string_agg(row_to_json(s)::text, E'\n'), '') as text from security_audits s`) as unknown as { text: string }[];
    const text = (all ?? { text: '' }).text;
    expect(text.length).toBeGreaterThan(1000);
    expect(secrets.length).toBeGreaterThan(8);
    for (const s of secrets) expect(text.includes(s), `secret ${s.slice(0, 8)}… in security_audits`).toBe(false);
    // The TSIG secret went in as base64; neither form is there.
    for (const s of secrets) expect(text.includes(Buffer.from(s).toString('base64'))).toBe(false);
  });

  it('filters, pages newest first without gaps or repeats, one event, and bad queries', async () => {
    await settle();
    const all: AuditView[] = [];
    let cursor: string | null = null;
    do {
      const p: Page = await page(d, `limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      all.push(...p.audit_logs);
      cursor = p.next_cursor;
    } while (cursor);
    const total = (await d.daemon.database.db.select({ n: sql<number>`count(*)::int` }).from(securityAudits))[0]!.n;
    expect(all.length).toBe(total);
    expect(new Set(all.map((e) => e.id)).size).toBe(total);
    for (let i = 1; i < all.length; i++) expect(all[i - 1]!.created_at >= all[i]!.created_at).toBe(true);

    expect((await page(d, 'category=site')).audit_logs.every((e) => e.category === 'site')).toBe(true);
    expect((await page(d, 'outcome=denied')).audit_logs.every((e) => e.outcome === 'denied')).toBe(true);
    expect((await page(d, 'actor=janitor')).audit_logs.length).toBeGreaterThan(0);
    const q = (await page(d, 'q=B.EXAMPLE.COM')).audit_logs;
    expect(q.length).toBeGreaterThan(0);
    expect(q.every((e) => JSON.stringify(e.details).includes('b.example.com'))).toBe(true);
    const mid = all[Math.floor(all.length / 2)]!.created_at;
    const older = (await page(d, `to=${encodeURIComponent(mid)}&limit=500`)).audit_logs;
    expect(older.every((e) => e.created_at < mid)).toBe(true);
    expect((await page(d, `from=${encodeURIComponent(mid)}&limit=500`)).audit_logs.length + older.length).toBe(total);

    expect(await d.api.audit.get(all[0]!.id)).toEqual(all[0]);
    expect(await refusalOf(d.api.audit.get('00000000-0000-4000-8000-000000000000'))).toMatchObject({ status: 404, code: 'AUDIT_EVENT_NOT_FOUND' });
    for (const bad of ['category=nope', 'outcome=maybe', 'from=yesterday', 'limit=0', 'cursor=abc', 'colour=red']) {
      expect(await refusalOf(d.api.audit.list(bad)), bad).toMatchObject({ status: 400, code: 'VALIDATION_ERROR' });
    }
    expect((await d.admin('/audit-logs/export?format=xml')).status).toBe(400);
  });

  it('exports: CSV and NDJSON hold every matching event, newest first, parsed back equal to the list', async () => {
    await settle();
    const listed: AuditView[] = [];
    let cursor: string | null = null;
    do {
      const p: Page = await page(d, `category=challenge&limit=500${cursor ? `&cursor=${cursor}` : ''}`);
      listed.push(...p.audit_logs);
      cursor = p.next_cursor;
    } while (cursor);
    expect(listed.length).toBeGreaterThan(3);

    const nd = await d.admin('/audit-logs/export?format=ndjson&category=challenge');
    expect(nd.headers.get('content-type')).toContain('application/x-ndjson');
    const lines = (await nd.text()).trimEnd().split('\n').map(exported);
    expect(lines).toEqual(listed);

    const csv = await d.admin('/audit-logs/export?format=csv&category=challenge');
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const rows = parseCsv(await csv.text());
    const header = rows.shift()!;
    expect(header).toEqual(['id', 'created_at', 'actor', 'action', 'category', 'resource_type', 'resource_id', 'outcome', 'source_ip', 'user_agent', 'details']);
    expect(rows.length).toBe(listed.length);
    rows.forEach((r, i) => {
      const e = listed[i]!;
      expect(r.slice(0, 8)).toEqual([e.id, e.created_at, e.actor, e.action, e.category, e.resource_type ?? '', e.resource_id ?? '', e.outcome]);
      expect(JSON.parse(r[10]!)).toEqual(e.details);
    });
  });

  it('retention: the janitor deletes events older than DNS01_AUDIT_RETENTION_DAYS (90) and keeps the rest', async () => {
    await settle();
    const old = Array.from({ length: 2500 }, (_, i) => ({
      createdAt: new Date(Date.now() - (91 + (i % 5)) * 86_400_000), actor: 'daemon', action: 'test.old', category: 'auth', outcome: 'success' as const,
    }));
    await d.daemon.database.db.insert(securityAudits).values(old);
    await d.daemon.database.db.insert(securityAudits).values({ createdAt: new Date(Date.now() - 89 * 86_400_000), actor: 'daemon', action: 'test.recent', category: 'auth', outcome: 'success' });
    const before = (await d.daemon.database.db.select({ n: sql<number>`count(*)::int` }).from(securityAudits))[0]!.n;
    const report = await d.daemon.janitor.runOnce();
    expect(report.auditDeleted).toBe(2500);
    const after = (await d.daemon.database.db.select({ n: sql<number>`count(*)::int` }).from(securityAudits))[0]!.n;
    expect(after).toBeGreaterThanOrEqual(before - 2500);
    expect((await page(d, 'action=test.old')).audit_logs).toEqual([]);
    expect((await page(d, 'action=test.recent')).audit_logs.length).toBe(1);
  });
});

describe('audit log on PGlite', () => {
  let d: TestDaemon;
  let hook: WebhookReceiver;
  beforeAll(async () => {
    hook = await startWebhookReceiver();
    d = await startTestDaemon({ db: 'pglite', audit: { flushIntervalMs: 20 } });
  });
  afterAll(async () => {
    await d?.stop();
    await hook?.stop();
  });

  it('records, lists, exports and prunes the same way', async () => {
    const id = await d.addProvider({ name: 'lite', provider_type: 'webhook', credentials: { create_url: hook.url } });
    expect((await d.internal('/create', { body: { fqdn: '_acme-challenge.lite.example.com', value: txtValue('lite'), provider_id: id } })).status).toBe(201);
    await d.daemon.audit!.flush();
    const events = (await page(d, `limit=50`)).audit_logs;
    expect(events.map((e) => e.action)).toEqual(['challenge.create', 'credential.decrypt', 'dns_provider.create']);
    const nd = (await (await d.admin('/audit-logs/export?format=ndjson')).text()).trimEnd().split('\n').map(exported);
    expect(nd).toEqual(events);
    await d.daemon.database.db.insert(securityAudits).values({ createdAt: new Date(Date.now() - 100 * 86_400_000), actor: 'daemon', action: 'test.old', category: 'auth', outcome: 'success' });
    expect((await d.daemon.janitor.runOnce()).auditDeleted).toBe(1);
  });
});

describe('audit writer under a stalled database', () => {
  let d: TestDaemon;
  let hook: WebhookReceiver;
  let locker: postgres.Sql | undefined;

  beforeAll(async () => {
    hook = await startWebhookReceiver();
    d = await startTestDaemon({ audit: { flushIntervalMs: 10, maxQueue: 5, batchSize: 3 } });
  });
  afterAll(async () => {
    await locker?.end({ timeout: 5 });
    await d?.stop();
    await hook?.stop();
  });

  it('admin requests answer while security_audits is locked; afterwards every event is written or counted as dropped', async () => {
    const url = (d.daemon.config.databaseUrl)!;
    locker = postgres(url, { max: 1, onnotice: () => {} });
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holding = locker.begin(async (tx) => {
      await tx`lock table security_audits in access exclusive mode`;
      locked();
      await released;
    });
    await isLocked;
    const written0 = await metric(d, 'dns01_audit_events_written_total');
    const N = 20;
    const ids: string[] = [];
    for (let i = 0; i < N; i++) ids.push(await d.addProvider({ name: `stall-${i}`, provider_type: 'webhook', credentials: { create_url: hook.url } }));
    expect(ids.length).toBe(N);
    // The lock is still ours (released only below): every request above answered while the writer was stuck behind it.
    expect(await metric(d, 'dns01_audit_events_written_total')).toBe(written0);
    const full = await metric(d, 'dns01_audit_events_dropped_total', '{reason="queue_full"}');
    expect(full).toBeGreaterThan(0);
    release();
    await holding;
    await d.daemon.audit!.flush();
    const written = (await metric(d, 'dns01_audit_events_written_total')) - written0;
    const dropped = full + (await metric(d, 'dns01_audit_events_dropped_total', '{reason="database_error"}'));
    expect(written + dropped).toBe(N);
    const rows = await d.daemon.database.db.select().from(securityAudits).where(eq(securityAudits.action, 'dns_provider.create'));
    expect(rows.length).toBe(written);
  });
});

describe('audit: Caddy pushes and refusals', () => {
  let caddy: RunningCaddy;
  let d: TestDaemon;
  let hook: WebhookReceiver;

  beforeAll(async () => {
    // Debian's Caddy has no dns.providers modules: it refuses the acmeproxy policy.
    caddy = await startCaddy({ binary: DEBIAN_CADDY, config: { apps: { pki: { certificate_authorities: { local: { install_trust: false } } } } } });
    hook = await startWebhookReceiver();
    const port = await freePort();
    d = await startTestDaemon({
      audit: { flushIntervalMs: 20 },
      env: { DNS01_PORT: String(port), DNS01_INTERNAL_URL: `http://127.0.0.1:${port}`, DNS01_CADDY_ADMIN_URL: caddy.adminUrl, DNS01_CADDY_SYNC_INTERVAL: '1h' },
    });
  }, 120_000);
  afterAll(async () => {
    await d?.stop();
    await hook?.stop();
    await caddy?.stop();
  });

  it('a push on demand and the policy Caddy refused are recorded', async () => {
    const providerId = await d.addProvider({ name: 'hook-stock', provider_type: 'webhook', credentials: { create_url: hook.url } });
    expect((await d.admin('/sites', { method: 'POST', body: { domain_names: ['stock.example.test'], dns_provider_id: providerId } })).status).toBe(201);
    const res = await d.admin('/caddy/sync', { method: 'POST' });
    expect([200, 502]).toContain(res.status);
    await d.daemon.audit!.flush();
    const events = (await page(d, 'category=caddy&limit=50')).audit_logs;
    expect(events.find((e) => e.action === 'caddy.push')).toMatchObject({ actor: 'admin', details: { result: 'refused' } });
    expect(events.find((e) => e.action === 'caddy.refused')).toMatchObject({ resource_id: providerId, outcome: 'failure', details: { name: 'hook-stock' } });
    expect(events.find((e) => e.action === 'caddy.sync')).toMatchObject({ actor: 'admin' });
  });
});

/** RFC 4180 CSV: quoted fields with doubled quotes and embedded line breaks; records end in CRLF. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(field); field = ''; }
    else if (ch === '\r' && text[i + 1] === '\n') { row.push(field); rows.push(row); row = []; field = ''; i++; }
    else field += ch;
  }
  if (field !== '' || row.length > 0) { row.push(field); rows.push(row); }
  return rows;
}
