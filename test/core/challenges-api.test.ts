// The operators' challenge API against real PostgreSQL and BIND: filters, cursor pages, bad filters, one challenge with its last check.
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { challenges } from '../../src/db/schema.js';
import { startBind, type RunningDnsServer } from '../support/dns-servers/index.js';
import { fieldsOf, refusal } from '../support/api.js';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { nsupdate } from '../support/nsupdate.js';

const ZONE = 'ops.test';

describe('challenges API', () => {
  let bind: RunningDnsServer;
  let d: TestDaemon;
  let alpha: string;
  let beta: string;
  /** Oldest first, as created. */
  const ids: string[] = [];

  const create = async (provider: string, label: string) =>
    (await d.api.internal.create({ provider_id: provider, fqdn: `_acme-challenge.${label}.${ZONE}`, value: txtValue(label) }, { status: 201 })).challenge_id;
  const list = async (query: string) => {
    const page = await d.api.challenges.list(query);
    return { items: page.challenges, next: page.next_cursor };
  };

  beforeAll(async () => {
    bind = await startBind({ zones: [ZONE], tsigKeys: [], allowUnsignedLocal: true });
    d = await startTestDaemon({ env: { DNS01_DNS_RESOLVERS: `127.0.0.1:${bind.port}`, DNS01_DNS_AUTH_PORT: String(bind.port) } });
    alpha = await d.addProvider({ name: 'alpha', provider_type: 'manual', credentials: { timeout_minutes: 30 }, settings: { ttl: 120 } });
    beta = await d.addProvider({ name: 'beta_1', provider_type: 'manual', credentials: {} });
    for (const [p, label] of [[alpha, 'one'], [beta, 'two'], [alpha, 'three'], [beta, 'four'], [alpha, 'www.five']] as const) ids.push(await create(p, label));
    // Known creation times, one per day, so the date filters are exact.
    for (const [i, id] of ids.entries()) {
      await d.daemon.database.db.update(challenges).set({ createdAt: new Date(Date.UTC(2026, 0, i + 1, 12)) }).where(eq(challenges.id, id));
    }
  });
  afterAll(async () => {
    await d?.stop();
    await bind?.stop();
  });

  it('lists newest first, and a cursor walk in pages of two visits each challenge once', async () => {
    const all = await list('');
    expect(all.items.map((c) => c.id)).toEqual([...ids].reverse());
    expect(all.next).toBeNull();
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await list(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((c) => c.id));
      cursor = page.next;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());
  });

  it('keeps rows created in the same microsecond apart by id across pages', async () => {
    const same = new Date(Date.UTC(2026, 0, 3, 12));
    await d.daemon.database.db.update(challenges).set({ createdAt: same }).where(inArray(challenges.id, [ids[1]!, ids[2]!, ids[3]!]));
    try {
      const walked: string[] = [];
      for (let cursor: string | null = '', i = 0; cursor !== null && i < 10; i++) {
        const page = await list(`?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
        walked.push(...page.items.map((c) => c.id));
        cursor = page.next;
      }
      expect(walked.sort()).toEqual([...ids].sort());
    } finally {
      for (const i of [1, 2, 3]) {
        await d.daemon.database.db.update(challenges).set({ createdAt: new Date(Date.UTC(2026, 0, i + 1, 12)) }).where(eq(challenges.id, ids[i]!));
      }
    }
  });

  it('filters by status, provider (id or name), fqdn substring and creation time, together', async () => {
    await d.daemon.database.db.update(challenges).set({ status: 'FAILED', error: 'test' }).where(eq(challenges.id, ids[0]!));
    expect((await list('?status=failed')).items.map((c) => c.id)).toEqual([ids[0]]);
    expect((await list('?status=PENDING,failed')).items).toHaveLength(5);
    expect((await list(`?provider=${beta}`)).items.map((c) => c.id)).toEqual([ids[3], ids[1]]);
    expect((await list(`?provider=beta_1`)).items.map((c) => c.provider_name)).toEqual(['beta_1', 'beta_1']);
    expect((await list('?provider=nobody')).items).toEqual([]);
    expect((await list('?fqdn=WWW.')).items.map((c) => c.id)).toEqual([ids[4]]);
    // A LIKE wildcard in the filter is a plain character.
    expect((await list('?fqdn=%25')).items).toEqual([]);
    expect((await list('?created_after=2026-01-02T12:00:00Z&created_before=2026-01-04')).items.map((c) => c.id)).toEqual([ids[2], ids[1]]);
    expect((await list(`?created_after=2026-01-02&provider=alpha&status=pending&fqdn=e`)).items.map((c) => c.id)).toEqual([ids[4], ids[2]]);
  });

  it.each([
    ['status=bogus', 'status'],
    ['limit=0', 'limit'],
    ['limit=201', 'limit'],
    ['limit=2.5', 'limit'],
    ['created_after=yesterday', 'created_after'],
    ['created_before=2026-13-45', 'created_before'],
    ['created_after=2026-02-01&created_before=2026-01-01', 'created_before'],
    ['cursor=bm90LWEtY3Vyc29y', 'cursor'],
    ['fqdn=', 'fqdn'],
    ['sort=asc', 'sort'],
  ])('?%s is a 400 VALIDATION_ERROR naming %s', async (query, field) => {
    const r = await refusal(d.api.challenges.list(query));
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('VALIDATION_ERROR');
    expect(r.body.error.message).toContain(field);
    expect(fieldsOf(r).map((f) => f.field)).toEqual([field]);
  });

  it('shows one challenge: TTL, time remaining, and the last check with what each server said', async () => {
    const id = ids[4]!;
    const c = await d.api.challenges.get(id);
    expect(c).toMatchObject({ id, provider_id: alpha, provider_name: 'alpha', provider_type: 'manual', fqdn: `_acme-challenge.www.five.${ZONE}`, status: 'PENDING', ttl: 120, last_check: null });
    expect(c.time_remaining_seconds).toBeGreaterThan(29 * 60 - 5);
    expect(c.time_remaining_seconds).toBeLessThanOrEqual(30 * 60);
    expect(await d.api.challenges.get(ids[1]!)).toMatchObject({ ttl: 60 });

    await d.daemon.propagation.runOnce();
    const unseen = await d.api.challenges.get(id);
    expect(unseen.last_check).toMatchObject({ visible: false, zone: ZONE, servers: [{ server: `127.0.0.1:${bind.port}`, seen: false }] });
    expect(Date.parse(unseen.last_check!.at)).not.toBeNaN();

    await nsupdate(bind.port, ZONE, 'add', unseen.fqdn, unseen.value);
    await d.daemon.database.db.update(challenges).set({ nextCheckAt: null }).where(eq(challenges.id, id));
    await d.daemon.propagation.runOnce();
    const seen = await d.api.challenges.get(id);
    expect(seen).toMatchObject({ status: 'VERIFYING', last_check: { visible: true, servers: [{ server: `127.0.0.1:${bind.port}`, seen: true }] } });
    // Finished challenges have no time left.
    expect(await d.api.challenges.get(ids[0]!)).toMatchObject({ status: 'FAILED', time_remaining_seconds: 0 });
  });

  it('an unknown or malformed id is 404 CHALLENGE_NOT_FOUND; only the admin token reads challenges', async () => {
    expect(await refusal(d.api.challenges.get('00000000-0000-4000-8000-000000000000'))).toMatchObject({ status: 404, code: 'CHALLENGE_NOT_FOUND' });
    expect(await refusal(d.api.challenges.get('not-an-id'))).toMatchObject({ status: 404, code: 'CHALLENGE_NOT_FOUND' });
    expect((await fetch(`${d.url}/api/v1/challenges`)).status).toBe(401);
    expect((await fetch(`${d.url}/api/v1/challenges`, { headers: { authorization: `Bearer ${d.internalToken}` } })).status).toBe(403);
  });
});
