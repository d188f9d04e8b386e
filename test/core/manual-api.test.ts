// The manual provider's admin API against a real BIND: status, poll, verify after nsupdate, cancel, expiry, two values on one name.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { challenges } from '../../src/db/schema.js';
import { errorBodySchema } from '../../src/errors.js';
import { startBind, type RunningDnsServer } from '../support/dns-servers/index.js';
import { fieldsOf, refusal } from '../support/api.js';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { nsupdate } from '../support/nsupdate.js';

const ZONE = 'manual.test';

type Body = Record<string, unknown> & { success?: boolean; error?: { code: string; message: string; details?: Record<string, unknown> } };

describe('manual challenge API', () => {
  let bind: RunningDnsServer;
  let d: TestDaemon;
  let manual: string;
  let other: string;
  let hook: string;

  beforeAll(async () => {
    bind = await startBind({ zones: [ZONE], tsigKeys: [], allowUnsignedLocal: true });
    d = await startTestDaemon({ env: { DNS01_DNS_RESOLVERS: `127.0.0.1:${bind.port}`, DNS01_DNS_AUTH_PORT: String(bind.port) } });
    manual = await d.addProvider({ name: 'by hand', provider_type: 'manual', credentials: { timeout_minutes: 15, polling_interval_seconds: 20, instructions: 'Use the zone editor.' } });
    other = await d.addProvider({ name: 'by hand too', provider_type: 'manual', credentials: {} });
    hook = await d.addProvider({ name: 'hook', provider_type: 'webhook', credentials: { create_url: 'http://127.0.0.1:1029/x' } });
  });
  afterAll(async () => {
    await d?.stop();
    await bind?.stop();
  });

  const create = async (fqdn: string, value: string, provider = manual) =>
    (await d.api.internal.create({ provider_id: provider, fqdn, value }, { status: 201 })).challenge_id;
  const call = async (path: string, method = 'GET') => {
    const res = await d.admin(path, { method });
    return { status: res.status, body: (await res.json()) as Body };
  };
  const at = (id: string, provider = manual) => `/dns-providers/${provider}/manual-challenge/${id}`;
  /** The challenge as the operators' API shows it. */
  const shown = (id: string) => d.api.challenges.get(id);

  it('takes timeout_minutes and polling_interval_seconds (defaults 10 and 30), as numbers or digit strings', async () => {
    expect(await d.api.providers.get(other)).toMatchObject({ credentials: { timeout_minutes: 10, polling_interval_seconds: 30 } });
    const id = await d.addProvider({ name: 'strings', provider_type: 'manual', credentials: { timeout_minutes: '5', polling_interval_seconds: '60' } });
    expect(await d.api.providers.get(id)).toMatchObject({ credentials: { timeout_minutes: 5, polling_interval_seconds: 60 } });
    const bad = await refusal(d.api.providers.create({ name: 'bad', provider_type: 'manual', credentials: { timeout_minutes: 0, polling_interval_seconds: 'soon' } }));
    expect(bad.status).toBe(400);
    expect(bad.code).toBe('VALIDATION_ERROR');
    expect(fieldsOf(bad).map((f) => f.field).sort()).toEqual(['polling_interval_seconds', 'timeout_minutes']);
  });

  it('shows a new challenge: pending, its record, and an expiry timeout_minutes after creation', async () => {
    const fqdn = `_acme-challenge.www.${ZONE}`;
    const value = txtValue('manual-get');
    const id = await create(fqdn, value);
    const shownManual = await d.api.manual.get(manual, id);
    expect(shownManual).toMatchObject({
      success: true, id, status: 'pending', fqdn, record_type: 'TXT', value, ttl: 60, last_check_at: null, dns_propagated: false,
      instructions: 'Use the zone editor.',
    });
    const created = Date.parse(shownManual.created_at);
    expect(Date.parse(shownManual.expires_at) - created).toBeGreaterThan(15 * 60_000 - 2000);
    expect(Date.parse(shownManual.expires_at) - created).toBeLessThan(15 * 60_000 + 2000);
    expect(shownManual.time_remaining_seconds).toBeGreaterThan(14 * 60);
    expect(shownManual.time_remaining_seconds).toBeLessThanOrEqual(15 * 60);
    const p = await d.api.manual.poll(manual, id);
    expect(p).toMatchObject({ success: true, status: 'pending', dns_propagated: false, last_check_at: null });
    expect(Object.keys(p).sort()).toEqual(['dns_propagated', 'last_check_at', 'status', 'success', 'time_remaining_seconds']);
    // The record is on the page and in the API, not in a warning.
    expect(d.logs()).not.toContain('create this TXT record by hand');
  });

  it('verify: 200 DNS_NOT_PROPAGATED until the record is in the authoritative server, then success and verified', async () => {
    const fqdn = `_acme-challenge.verify.${ZONE}`;
    const value = txtValue('manual-verify');
    const id = await create(fqdn, value);
    const before = await call(`${at(id)}/verify`, 'POST');
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ success: false, error: { code: 'DNS_NOT_PROPAGATED', details: { challenge_id: id, dns_found: false } } });
    expect(before.body.error?.details?.servers).toEqual([{ server: `127.0.0.1:${bind.port}`, seen: false }]);
    expect((await d.api.manual.poll(manual, id)).last_check_at).not.toBeNull();
    expect((await shown(id)).status).toBe('PENDING');

    await nsupdate(bind.port, ZONE, 'add', fqdn, value);
    const after = await call(`${at(id)}/verify`, 'POST');
    expect(after).toEqual({ status: 200, body: { success: true, dns_found: true, message: 'TXT record verified successfully' } });
    expect(await call(`${at(id)}/poll`)).toMatchObject({ body: { status: 'verified', dns_propagated: true } });
    expect(await shown(id)).toMatchObject({ status: 'VERIFYING', verified_at: expect.any(String) });
  });

  it('verifies two values on one name (wildcard + apex) each on its own', async () => {
    const fqdn = `_acme-challenge.both.${ZONE}`;
    const [apex, wildcard] = [txtValue('manual-apex'), txtValue('manual-wildcard')];
    const [a, w] = [await create(fqdn, apex), await create(fqdn, wildcard)];
    expect(a).not.toBe(w);
    await nsupdate(bind.port, ZONE, 'add', fqdn, apex);
    expect((await call(`${at(a)}/verify`, 'POST')).body).toMatchObject({ success: true, dns_found: true });
    expect((await call(`${at(w)}/verify`, 'POST')).body).toMatchObject({ success: false, error: { code: 'DNS_NOT_PROPAGATED' } });
    await nsupdate(bind.port, ZONE, 'add', fqdn, wildcard);
    expect((await call(`${at(w)}/verify`, 'POST')).body).toMatchObject({ success: true, dns_found: true });
    expect(await bind.txt(fqdn)).toEqual(expect.arrayContaining([apex, wildcard]));
    expect([(await shown(a)).status, (await shown(w)).status]).toEqual(['VERIFYING', 'VERIFYING']);
  });

  it('the propagation checker polls a manual challenge every polling_interval_seconds and stamps last_check_at', async () => {
    const id = await create(`_acme-challenge.checker.${ZONE}`, txtValue('manual-checker'));
    await d.daemon.propagation.runOnce();
    // When the next check is due is the scheduler's own column; the API does not show it.
    const after = (await d.daemon.database.db.select().from(challenges).where(eq(challenges.id, id)))[0]!;
    expect(after.status).toBe('PENDING');
    expect(after.lastCheckAt).toBeInstanceOf(Date);
    // Scheduled by the database clock: 20 s after the check, give or take the check's own length.
    const gap = after.nextCheckAt!.getTime() - after.lastCheckAt!.getTime();
    expect(gap).toBeGreaterThan(15_000);
    expect(gap).toBeLessThan(25_000);
  });

  it('lists pending manual challenges only', async () => {
    const id = await create(`_acme-challenge.listed.${ZONE}`, txtValue('manual-listed'));
    const gone = await create(`_acme-challenge.cancelled.${ZONE}`, txtValue('manual-list-cancelled'));
    await d.api.manual.cancel(manual, gone);
    const list = await d.api.manual.pending();
    const ids = list.map((c) => c.id);
    expect(ids).toContain(id);
    expect(ids).not.toContain(gone);
    expect(list.every((c) => c.provider_id === manual || c.provider_id === other)).toBe(true);
  });

  it('cancel: DELETE makes the challenge deleted and leaves it out of the pending list', async () => {
    const id = await create(`_acme-challenge.cancel.${ZONE}`, txtValue('manual-cancel'));
    const r = await call(at(id), 'DELETE');
    expect(r).toEqual({ status: 200, body: { success: true, id, status: 'deleted' } });
    expect(await shown(id)).toMatchObject({ status: 'DELETED', record_state: 'removed' });
    expect((await call(at(id))).body).toMatchObject({ status: 'deleted' });
    expect((await call(`${at(id)}/verify`, 'POST'))).toMatchObject({ status: 409, body: { error: { code: 'CONFLICT' } } });
  });

  it('answers 410 CHALLENGE_EXPIRED with challenge_id and expired_at once the timeout has passed', async () => {
    const id = await create(`_acme-challenge.late.${ZONE}`, txtValue('manual-late'));
    await d.daemon.database.db.update(challenges).set({ expiresAt: sql`now() - interval '1 second'` }).where(eq(challenges.id, id));
    const expiredAt = (await shown(id)).expires_at;
    for (const [path, method] of [[at(id), 'GET'], [`${at(id)}/poll`, 'GET'], [`${at(id)}/verify`, 'POST'], [at(id), 'DELETE']] as const) {
      const r = await call(path, method);
      expect(r.status, `${method} ${path}`).toBe(410);
      expect(r.body.error).toMatchObject({ code: 'CHALLENGE_EXPIRED', details: { challenge_id: id, expired_at: expiredAt } });
    }
    expect((await shown(id)).status).toBe('PENDING'); // the janitor's to expire; nothing above changed it
    const ids = (await d.api.manual.pending()).map((c) => c.id);
    expect(ids).not.toContain(id);
  });

  it('refuses wrong ids: unknown provider, non-UUID, another provider, a provider that is not manual', async () => {
    const id = await create(`_acme-challenge.ids.${ZONE}`, txtValue('manual-ids'));
    const unknownProvider = '00000000-0000-4000-8000-000000000000';
    expect(await call(at(id, unknownProvider))).toMatchObject({ status: 404, body: { error: { code: 'PROVIDER_NOT_FOUND' } } });
    expect(await call(at('not-a-uuid'))).toMatchObject({ status: 404, body: { error: { code: 'CHALLENGE_NOT_FOUND' } } });
    expect(await call(at(unknownProvider))).toMatchObject({ status: 404, body: { error: { code: 'CHALLENGE_NOT_FOUND' } } });
    for (const [path, method] of [[at(id, other), 'GET'], [`${at(id, other)}/verify`, 'POST'], [at(id, other), 'DELETE'], [`${at(id, hook)}/poll`, 'GET']] as const) {
      expect(await call(path, method), `${method} ${path}`).toMatchObject({ status: 404, body: { error: { code: 'CHALLENGE_NOT_FOUND' } } });
    }
    expect((await shown(id)).status).toBe('PENDING');
  });

  it('needs the admin token', async () => {
    const id = await create(`_acme-challenge.token.${ZONE}`, txtValue('manual-token'));
    const none = await fetch(`${d.url}/api/v1${at(id)}`);
    expect(none.status).toBe(401);
    const wrong = await fetch(`${d.url}/api/v1${at(id)}/verify`, { method: 'POST', headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(403);
    expect(errorBodySchema.parse(await wrong.json()).error.code).toBe('FORBIDDEN');
    const internal = await fetch(`${d.url}/api/v1/manual-challenges`, { headers: { authorization: `Bearer ${d.internalToken}` } });
    expect(internal.status).toBe(403);
    expect((await shown(id)).last_check).toBeNull();
  });
});
