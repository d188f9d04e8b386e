// Issue #20 item 3: every query value and cursor of the challenge and audit listings is checked before it reaches SQL
// (a NUL, a forged cursor, an impossible date: 400 VALIDATION_ERROR naming the parameter, never a 500), and an audit
// export that breaks off says so in its last line; on PostgreSQL and on PGlite.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../src/db/paging.js';
import { parseInstant, queryOf } from '../../src/db/query.js';
import { securityAudits } from '../../src/db/schema.js';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

type ErrorBody = { success: false; error: { code: string; message: string; details?: { fields?: { field: string }[] } } };
const UUID = '00000000-0000-4000-8000-000000000000';
const forged = (text: string) => Buffer.from(text).toString('base64url');

describe('query values, checked alone', () => {
  it('takes real calendar dates and times only, checked field by field rather than by Date.parse', () => {
    expect(parseInstant('2026-02-28')?.toISOString()).toBe('2026-02-28T00:00:00.000Z');
    expect(parseInstant('2028-02-29')?.toISOString()).toBe('2028-02-29T00:00:00.000Z');
    expect(parseInstant('2026-01-31T12:00:00+02:00')?.toISOString()).toBe('2026-01-31T10:00:00.000Z');
    expect(parseInstant('2026-01-31 12:00')?.toISOString()).toBe('2026-01-31T12:00:00.000Z');
    expect(parseInstant('2026-01-31T12:00:00.123456Z')?.toISOString()).toBe('2026-01-31T12:00:00.123Z');
    expect(parseInstant('0001-01-01')?.toISOString()).toBe('0001-01-01T00:00:00.000Z');
    for (const bad of ['2026-02-30', '2026-02-29', '2026-13-01', '2026-00-10', '2026-01-32', '2026-13-45T25:61:61Z', '2026-01-01T24:00:00Z',
      '2026-01-01T23:60:00Z', '2026-01-01T23:59:60Z', '2026-01-01T00:00:00+99:99', '0000-01-01', '0001-01-01T00:00:00+01:00', 'yesterday', '2026-1-1', '']) {
      expect(parseInstant(bad), bad).toBeUndefined();
    }
  });

  it('reads a cursor only as this API writes one', () => {
    const good = encodeCursor('2026-01-05T12:00:00.123456Z', UUID);
    expect(decodeCursor(good)).toEqual({ createdAt: '2026-01-05T12:00:00.123456Z', id: UUID });
    for (const bad of [
      forged(`2026-13-45T25:61:61.000000Z|${UUID}`), forged(`2026-13-45T25:61:61Z|${UUID}`), forged(`2026-02-30T00:00:00.000000Z|${UUID}`),
      forged(`0000-01-01T00:00:00.000000Z|${UUID}`), forged(`2026-01-05T12:00:00.123456Z,${UUID}`), forged(`2026-01-05T12:00:00.123456Z|${UUID}|x`),
      forged('2026-01-05T12:00:00.123456Z|\u0000'), forged(`2026-01-05T12:00:00.123456Z|${'9'.repeat(300)}`),
      `${good}=`, Buffer.from(`2026-01-05T12:00:00.123456Z|${UUID}`).toString('base64'), `${good}!`, 'bm90LWEtY3Vyc29y', '',
    ]) {
      expect(decodeCursor(bad), bad).toBeUndefined();
    }
  });

  it('decodes a query string strictly: a broken escape or a repeated name is refused, named', () => {
    expect({ ...queryOf('http://x/p?fqdn=a%20b+c&limit=5&cursor') }).toEqual({ fqdn: 'a b c', limit: '5', cursor: '' });
    expect({ ...queryOf('http://x/p') }).toEqual({});
    const proto = queryOf('http://x/p?__proto__=1');
    expect([Object.keys(proto), proto.__proto__, Object.getPrototypeOf(proto)]).toEqual([['__proto__'], '1', null]);
    for (const [url, field] of [['?q=%ED%A0%80', 'q'], ['?q=%uD800', 'q'], ['?q=100%', 'q'], ['?q=%F0%9F', 'q'], ['?limit=1&limit=2', 'limit'], ['?%FF=1', '%FF']]) {
      expect(() => queryOf(`http://x/p${url}`), url).toThrow(expect.objectContaining({ code: 'VALIDATION_ERROR', details: { fields: [expect.objectContaining({ field })] } }));
    }
  });
});

describe.each(['postgres', 'pglite'] as const)('listings refuse bad query values before SQL (%s)', (db) => {
  let d: TestDaemon;
  let hook: WebhookReceiver;
  let provider: string;

  beforeAll(async () => {
    hook = await startWebhookReceiver();
    d = await startTestDaemon({ db, audit: { flushIntervalMs: 20 } });
    provider = await d.addProvider({ name: 'hook', provider_type: 'webhook', credentials: { create_url: hook.url } });
    for (const label of ['one', 'two', 'three']) {
      expect((await d.internal('/create', { body: { provider_id: provider, fqdn: `_acme-challenge.${label}.example.com`, value: txtValue(label) } })).status).toBe(201);
    }
    await d.daemon.audit!.flush();
  });
  afterAll(async () => {
    await d?.stop();
    await hook?.stop();
  });

  async function expectRefused(path: string, field: string, method = 'GET'): Promise<void> {
    const res = await d.admin(path, { method });
    const body = (await res.json()) as ErrorBody;
    expect(res.status, `${path}: ${JSON.stringify(body)}`).toBe(400);
    expect(body.error.code).toBe('VALIDATION_ERROR');
    expect(body.error.message).toContain(`query parameter ${field}:`);
    expect(body.error.details?.fields?.map((f) => f.field)).toEqual([field]);
  }

  it.each([
    ['challenges', 'fqdn'], ['challenges', 'provider'],
    ['audit-logs', 'q'], ['audit-logs', 'actor'], ['audit-logs', 'action'], ['audit-logs', 'resource_id'], ['audit-logs', 'resource_type'],
  ])('a NUL in %s?%s= is a 400 naming it', async (list, field) => {
    await expectRefused(`/${list}?${field}=%00`, field);
    await expectRefused(`/${list}?${field}=a%00b`, field);
    await expectRefused(`/${list}?${field}=%1B%5B31m`, field);
  });

  it('a forged cursor is a 400 naming cursor on both listings and a provider\'s list', async () => {
    for (const cursor of [forged(`2026-13-45T25:61:61.000000Z|${UUID}`), forged(`2026-13-45T25:61:61Z|${UUID}`), forged(`2026-02-30T00:00:00.000000Z|${UUID}`)]) {
      await expectRefused(`/challenges?cursor=${cursor}`, 'cursor');
      await expectRefused(`/audit-logs?cursor=${cursor}`, 'cursor');
      await expectRefused(`/dns-providers/${provider}/audit-logs?cursor=${cursor}`, 'cursor');
    }
    // A well-formed cursor that matches no row is a position, not an error.
    expect((await d.admin(`/audit-logs?cursor=${encodeCursor('2000-01-01T00:00:00.000000Z', UUID)}`)).status).toBe(200);
  });

  it('impossible dates are refused; real ones, with an offset or without, filter', async () => {
    await expectRefused('/challenges?created_after=2026-02-30', 'created_after');
    await expectRefused('/challenges?created_before=2026-13-45T25:61:61Z', 'created_before');
    await expectRefused('/audit-logs?from=2026-02-29', 'from');
    await expectRefused('/audit-logs?to=0000-01-01', 'to');
    const all = ((await (await d.admin('/challenges')).json()) as { challenges: unknown[] }).challenges;
    expect(all).toHaveLength(3);
    const since = async (at: string) => ((await (await d.admin(`/challenges?created_after=${encodeURIComponent(at)}`)).json()) as { challenges: unknown[] }).challenges.length;
    expect(await since('2028-02-29')).toBe(0);
    expect(await since('2020-02-29T00:00:00+14:00')).toBe(3);
  });

  it('broken escapes, repeated names and overlong values are refused, named', async () => {
    await expectRefused('/audit-logs?q=%ED%A0%80', 'q');
    await expectRefused('/challenges?fqdn=%', 'fqdn');
    await expectRefused('/challenges?limit=5&limit=6', 'limit');
    await expectRefused(`/audit-logs?q=${'x'.repeat(201)}`, 'q');
    await expectRefused(`/challenges?cursor=${'A'.repeat(400)}`, 'cursor');
    await expectRefused('/admin/encryption/history?limit=1e2', 'limit');
    await expectRefused(`/dns-providers/${provider}?force=yes`, 'force', 'DELETE');
    expect((await d.admin(`/dns-providers/${provider}`)).status).toBe(200);
  });

  it('the internal API\'s wait is one of its values or a 400 naming it, and nothing is created', async () => {
    const before = ((await (await d.admin('/challenges')).json()) as { challenges: unknown[] }).challenges.length;
    const body = { provider_id: provider, fqdn: '_acme-challenge.wait.example.com', value: txtValue('wait') };
    for (const [path, wait] of [['/create', 'later'], ['/create', '%00'], ['/present', 'none'], ['/present', '%1B']]) {
      const res = await d.internal(`${path}?wait=${wait}`, { body: path === '/create' ? body : { fqdn: body.fqdn, value: body.value } });
      const error = (await res.json()) as ErrorBody;
      expect(res.status, `${path}?wait=${wait}`).toBe(400);
      expect(error.error.details?.fields?.map((f) => f.field)).toEqual(['wait']);
    }
    expect(((await (await d.admin('/challenges')).json()) as { challenges: unknown[] }).challenges).toHaveLength(before);
  });

  it('the export refuses a bad filter with a 400 before it starts, not an empty 200', async () => {
    for (const format of ['ndjson', 'csv']) {
      const res = await d.admin(`/audit-logs/export?format=${format}&q=%00`);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/json');
      expect(((await res.json()) as ErrorBody).error.details?.fields?.map((f) => f.field)).toEqual(['q']);
    }
    await expectRefused('/audit-logs/export?format=ndjson&cursor=x', 'cursor');
  });

  it('an export that breaks off midway ends with an error line (NDJSON) or row (CSV), and the daemon logs it', async () => {
    // 500 events (a full first page) and, older than all of them, one the daemon cannot render: its created_at is
    // before the common era, which JavaScript's Date cannot hold. The export writes the first page, then fails on the second.
    const now = Date.now();
    await d.daemon.database.db.insert(securityAudits).values(Array.from({ length: 500 }, (_, i) => ({
      createdAt: new Date(now - i), actor: 'daemon', action: 'test.bulk', category: 'auth', outcome: 'success' as const,
    })));
    await d.daemon.database.db.execute(sql`insert into security_audits (created_at, actor, action, category, outcome) values ('0100-01-01 00:00:00+00 BC', 'daemon', 'test.ancient', 'auth', 'success')`);
    const total = (await d.daemon.database.db.select({ n: sql<number>`count(*)::int` }).from(securityAudits))[0]!.n;
    expect(total).toBeGreaterThan(501);
    try {
      const nd = await d.admin('/audit-logs/export?format=ndjson');
      expect(nd.status).toBe(200);
      const lines = (await nd.text()).trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines).toHaveLength(501);
      expect(lines.slice(0, 500).every((l) => typeof l.id === 'string' && l.action !== undefined)).toBe(true);
      expect(lines.at(-1)).toEqual({ error: { code: 'INTERNAL_ERROR', message: expect.stringContaining('this file is incomplete') } });

      const csv = await d.admin('/audit-logs/export?format=csv');
      expect(csv.status).toBe(200);
      const rows = (await csv.text()).split('\r\n');
      expect(rows.at(-1)).toBe('');
      expect(rows).toHaveLength(1 + 500 + 1 + 1);
      expect(rows[0]).toMatch(/^id,created_at,/);
      expect(rows.at(-2)).toMatch(/^# error: INTERNAL_ERROR: the export stopped before its end .*this file is incomplete$/);
      expect(rows.at(-2)).not.toMatch(/[",]/);
      expect(d.logs().split('\n').filter((l) => l.includes('audit export broke off')).length).toBe(2);
      // An export that does not reach the bad row is whole, with no error line.
      const whole = (await (await d.admin('/audit-logs/export?format=ndjson&action=test.bulk')).text()).trimEnd().split('\n');
      expect(whole).toHaveLength(500);
      expect(whole.every((l) => !l.startsWith('{"error"'))).toBe(true);
    } finally {
      await d.daemon.database.db.execute(sql`delete from security_audits where action = 'test.ancient'`);
    }
  });

  it('a well-formed query still lists as before, and nothing answered 500', async () => {
    expect((await d.admin('/challenges?status=pending,FAILED&fqdn=EXAMPLE&created_after=2020-01-01&limit=2')).status).toBe(200);
    expect((await d.admin('/audit-logs?category=challenge&outcome=success&q=one&from=2020-01-01T00:00:00Z&limit=5')).status).toBe(200);
    expect(d.logs().split('\n').filter((l) => l.includes('"msg":"unhandled error"'))).toEqual([]);
  });
});
