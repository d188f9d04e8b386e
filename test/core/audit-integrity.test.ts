// The audit log keeps every event a request can make: values the database cannot hold are made storable where they
// enter, and an event the database still refuses is dropped alone, never with the rest of its batch; a database that
// is away is not asked again.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { inArray, like, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_DETAILS, REDACTED, redactDetails, TRUNCATED } from '../../src/audit/redact.js';
import { storableCapped } from '../../src/audit/storable.js';
import { AuditWriter } from '../../src/audit/writer.js';
import { openDatabase, type Database } from '../../src/db/client.js';
import { securityAudits } from '../../src/db/schema.js';
import { createLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics.js';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

interface AuditView {
  id: string; actor: string; action: string; category: string; resource_type: string | null; resource_id: string | null;
  outcome: string; details: Record<string, unknown>; source_ip: string | null; user_agent: string | null;
}

async function metric(d: TestDaemon, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${d.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line ? Number(line.split(' ')[1]) : 0;
}
const dropped = (d: TestDaemon, reason: string) => metric(d, 'dns01_audit_events_dropped_total', `{reason="${reason}"}`);

async function events(d: TestDaemon, query: Record<string, string>): Promise<AuditView[]> {
  const res = await d.admin(`/audit-logs?${new URLSearchParams({ ...query, limit: '500' })}`);
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { audit_logs: AuditView[] }).audit_logs;
}

describe('storable values', () => {
  it('escapes NUL in strings and keys, replaces lone surrogates, keeps pairs whole, and marks every cut', () => {
    const out = redactDetails({
      'a\u0000b': 'x\u0000y', lone: 'hi\uD800there\uDC00', pair: '\u{1F600}', nested: { list: ['\u0000'] },
      // A cut at 500 would fall between the two halves of the last emoji.
      long: `${'a'.repeat(499)}\u{1F600}${'b'.repeat(100)}`,
    });
    expect(out).toMatchObject({ 'a\\u0000b': 'x\\u0000y', lone: 'hi\uFFFDthere\uFFFD', pair: '\u{1F600}', nested: { list: ['\\u0000'] } });
    expect(out.long).toBe(`${'a'.repeat(499)}…[cut: 601 characters]`);
    // As JSON: no NUL escape and no surrogate escape, once the escaped backslashes are set aside.
    expect(JSON.stringify(out).replaceAll('\\\\', '')).not.toMatch(/\\u0000|\\ud[89a-f]/i);
    expect(out[TRUNCATED]).toBeUndefined();
    expect(storableCapped('x'.repeat(300), 200)).toBe(`${'x'.repeat(200)}…[cut: 300 characters]`);
  });

  it('caps an event\'s details at MAX_DETAILS characters, leaving out the rest with _truncated, secrets still masked', () => {
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`field_${String(i).padStart(3, '0')}`, 'v'.repeat(400)]));
    const out = redactDetails({ api_token: 'x', ...many, list: Array.from({ length: 80 }, (_, i) => i) });
    expect(JSON.stringify(out).length).toBeLessThan(MAX_DETAILS + 1000);
    expect(out).toMatchObject({ api_token: REDACTED, field_000: 'v'.repeat(400), [TRUNCATED]: true });
    expect(out.field_099).toBeUndefined();
    // An array over 50 items is cut too, and says so.
    const listed = redactDetails({ list: Array.from({ length: 80 }, (_, i) => i) });
    expect((listed.list as number[]).length).toBe(50);
    expect(listed[TRUNCATED]).toBe(true);
  });
});

for (const db of ['postgres', 'pglite'] as const) {
  describe(`audit events the database could not hold (${db})`, () => {
    let d: TestDaemon;
    let hook: WebhookReceiver;
    let providerId: string;
    const flush = () => d.daemon.audit!.flush();

    beforeAll(async () => {
      hook = await startWebhookReceiver();
      // Written only when the test flushes: every event a step makes goes into one multi-row INSERT.
      d = await startTestDaemon({ db, audit: { flushIntervalMs: 3_600_000 } });
      providerId = await d.addProvider({ name: 'hook', provider_type: 'webhook', credentials: { create_url: hook.url } });
      await flush();
    });
    afterAll(async () => {
      await d?.stop();
      await hook?.stop();
    });

    it('a NUL in an unauthenticated path, sent beside a site.create: both events are kept, the NUL shown escaped', async () => {
      const [refused, created] = await Promise.all([
        fetch(`${d.url}/internal/dns-challenge/%00`),
        d.admin('/sites', { method: 'POST', body: { domain_names: ['nul-neighbour.example.com'], dns_provider_id: providerId } }),
      ]);
      expect(refused.status).toBe(401);
      expect(created.status).toBe(201);
      const siteId = ((await created.json()) as { site: { id: string } }).site.id;
      expect(d.daemon.audit!.queued).toBe(2);
      await flush();

      expect((await events(d, { action: 'site.create', resource_id: siteId })).map((e) => [e.actor, e.outcome])).toEqual([['admin', 'success']]);
      const [failure] = await events(d, { action: 'auth.failed' });
      expect(failure).toMatchObject({ actor: 'anonymous', outcome: 'denied', details: { path: '/internal/dns-challenge/\\u0000' } });
      expect(await dropped(d, 'database_error')).toBe(0);
    });

    it('a NUL in a resource id (a text column), and an oversized id, are stored visibly beside their neighbours', async () => {
      const long = 'z'.repeat(5000);
      const [nul, big, ok] = await Promise.all([
        d.admin('/sites/%00', { method: 'DELETE' }),
        d.admin(`/sites/${long}`, { method: 'DELETE' }),
        d.admin('/sites', { method: 'POST', body: { domain_names: ['id-neighbour.example.com'], dns_provider_id: providerId } }),
      ]);
      expect([nul.status, big.status, ok.status]).toEqual([404, 404, 201]);
      await flush();
      const deletes = await events(d, { action: 'site.delete' });
      expect(deletes.map((e) => e.resource_id).sort()).toEqual(['\\u0000', `${'z'.repeat(200)}…[cut: 5000 characters]`]);
      expect(deletes.every((e) => e.outcome === 'failure')).toBe(true);
      expect(await events(d, { action: 'site.create' })).toHaveLength(2);
      expect(await dropped(d, 'database_error')).toBe(0);
    });

    it('one event the database refuses is dropped alone, counted as rejected_event; its neighbours are written', async () => {
      // A constraint the sanitiser knows nothing of: the database refuses these rows whatever they hold.
      await d.daemon.database.db.execute(sql.raw("alter table security_audits add constraint audit_test_refuse check (action not like 'test.refused%') not valid"));
      try {
        const written0 = await metric(d, 'dns01_audit_events_written_total');
        const actions = Array.from({ length: 23 }, (_, i) => (i === 6 || i === 17 ? `test.refused.${i}` : `test.kept.${i}`));
        for (const action of actions) d.daemon.audit!.record({ action, category: 'auth', outcome: 'success' });
        expect(d.daemon.audit!.queued).toBe(23);
        await flush();
        const rows = await d.daemon.database.db.select({ action: securityAudits.action }).from(securityAudits).where(like(securityAudits.action, 'test.%'));
        expect(rows.map((r) => r.action).sort()).toEqual(actions.filter((a) => a.startsWith('test.kept')).sort());
        expect(await dropped(d, 'rejected_event')).toBe(2);
        expect(await dropped(d, 'database_error')).toBe(0);
        expect((await metric(d, 'dns01_audit_events_written_total')) - written0).toBe(21);
        expect(d.logs()).toMatch(/"level":"warn"[^\n]*"code":"23514"[^\n]*"action":"test\.refused\.6"[^\n]*audit event refused by the database; dropped/);
      } finally {
        await d.daemon.database.db.execute(sql.raw('alter table security_audits drop constraint audit_test_refuse'));
      }
    });
  });
}

describe('audit writer when the database is away', () => {
  let d: TestDaemon;
  let proxy: TcpProxy;
  let database: Database;
  let dataDir: string;
  let logText = '';

  beforeAll(async () => {
    d = await startTestDaemon({ audit: false });
    const url = new URL(d.daemon.config.databaseUrl!);
    proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port) });
    url.port = String(proxy.port);
    dataDir = await mkdtemp(join(tmpdir(), 'dns01-audit-away-'));
    database = await openDatabase({ databaseUrl: url.toString(), dataDir, poolSize: 1 });
  });
  afterAll(async () => {
    await database?.close();
    await proxy?.stop();
    await d?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('drops the whole batch as database_error after one attempt, never splitting it; a refused row is split out once it is back', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const log = createLogger('info', new Writable({ write: (chunk, _e, cb) => { logText += chunk.toString(); cb(); } }));
    const writer = new AuditWriter(database, metrics, log, { flushIntervalMs: 3_600_000, batchSize: 50 });
    const count = async (reason: string) => (await metrics.auditDropped.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;
    const batch = (tag: string) => {
      for (let i = 0; i < 20; i++) writer.record({ action: i === 5 ? `test.refused.${tag}` : `test.${tag}.${i}`, category: 'auth', outcome: 'success' });
    };
    await d.daemon.database.db.execute(sql.raw("alter table security_audits add constraint audit_test_refuse check (action not like 'test.refused%') not valid"));

    // Through the relay: the refused event alone is dropped.
    batch('up');
    await writer.flush();
    expect([await count('rejected_event'), await count('database_error')]).toEqual([1, 0]);

    // Away: one INSERT tried, one connection attempt, the twenty counted as database_error, none as rejected.
    proxy.cut();
    batch('away');
    await writer.flush();
    expect(await count('database_error')).toBe(20);
    expect(await count('rejected_event')).toBe(1);
    // The INSERT went to the relay's closed connection, or to a new one it refused; never more than one attempt.
    expect(proxy.refused).toBeLessThanOrEqual(1);
    expect(logText.match(/audit events not written; dropped/g)).toHaveLength(1);

    // Back: writing resumes, with the same split for a refused event.
    proxy.restore();
    batch('back');
    await writer.flush();
    expect([await count('rejected_event'), await count('database_error')]).toEqual([2, 20]);
    const rows = await d.daemon.database.db.select({ action: securityAudits.action }).from(securityAudits).where(like(securityAudits.action, 'test.%'));
    expect(rows.length).toBe(38);
    expect(rows.filter((r) => r.action.startsWith('test.away'))).toEqual([]);
    expect(await d.daemon.database.db.select().from(securityAudits).where(inArray(securityAudits.action, ['test.refused.up', 'test.refused.back']))).toEqual([]);
    await writer.stop();
  });
});
