// Challenge lifecycle through the internal API, on a real PostgreSQL 15 and on embedded PGlite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

describe.each(['postgres', 'pglite'] as const)('challenge lifecycle on %s', (db) => {
  let d: TestDaemon;
  let hook: WebhookReceiver;
  let providerId: string;

  beforeAll(async () => {
    hook = await startWebhookReceiver();
    d = await startTestDaemon({ db });
    providerId = await d.addProvider({ name: 'hook', provider_type: 'webhook', credentials: { create_url: hook.url, max_retries: 0 } });
  });
  afterAll(async () => {
    await d?.stop();
    await hook?.stop();
  });

  const create = (fqdn: string, value: string) => d.internal('/create', { body: { provider_id: providerId, fqdn, value } });
  const row = async (id: string) => ((await (await d.internal(`/${id}`, { method: 'GET' })).json()) as { challenge: Record<string, unknown> }).challenge;

  it('create -> PENDING, GET shows the row, DELETE -> DELETED and the record removed', async () => {
    const value = txtValue('life-1');
    const res = await create('_acme-challenge.Life.Example.COM.', value);
    expect(res.status).toBe(201);
    const { challenge_id: id, status } = (await res.json()) as { challenge_id: string; status: string };
    expect(status).toBe('PENDING');
    const r = await row(id);
    expect(r).toMatchObject({ fqdn: '_acme-challenge.life.example.com', value, status: 'PENDING', record_state: 'present', attempts: 1 });

    const del = await d.internal(`/${id}`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect(await del.json()).toEqual({ success: true, status: 'deleted' });
    expect(await row(id)).toMatchObject({ status: 'DELETED', record_state: 'removed' });
    const calls = hook.calls.filter((c) => c.body?.value === value);
    expect(calls.map((c) => c.body.action)).toEqual(['create', 'delete']);
    // The receiver issued `rec-N` for the create; the delete must hand it back.
    expect(calls[1]!.body.record_id).toMatch(/^rec-\d+$/);
  });

  it('is idempotent for the same provider, fqdn and value', async () => {
    const value = txtValue('idem');
    const first = await create('_acme-challenge.idem.example.com', value);
    const second = await create('_acme-challenge.idem.example.com.', value);
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    const a = (await first.json()) as { challenge_id: string };
    const b = (await second.json()) as { challenge_id: string };
    expect(b.challenge_id).toBe(a.challenge_id);
    expect(hook.calls.filter((c) => c.body?.value === value && c.body.action === 'create')).toHaveLength(1);
  });

  it('keeps two values on one name and deletes only its own', async () => {
    const [v1, v2] = [txtValue('two-1'), txtValue('two-2')];
    const [r1, r2] = await Promise.all([create('_acme-challenge.two.example.com', v1), create('_acme-challenge.two.example.com', v2)]);
    const id1 = ((await r1.json()) as { challenge_id: string }).challenge_id;
    const id2 = ((await r2.json()) as { challenge_id: string }).challenge_id;
    expect(id1).not.toBe(id2);
    await d.internal(`/${id1}`, { method: 'DELETE' });
    expect(await row(id2)).toMatchObject({ status: 'PENDING', record_state: 'present' });
    const deletes = hook.calls.filter((c) => c.body?.action === 'delete' && c.body.fqdn === '_acme-challenge.two.example.com');
    expect(deletes.map((c) => c.body.value)).toEqual([v1]);
  });

  it('a second DELETE is harmless and sends nothing', async () => {
    const value = txtValue('twice');
    const { challenge_id: id } = (await (await create('_acme-challenge.twice.example.com', value)).json()) as { challenge_id: string };
    expect((await d.internal(`/${id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await d.internal(`/${id}`, { method: 'DELETE' })).status).toBe(200);
    expect(hook.calls.filter((c) => c.body?.value === value && c.body.action === 'delete')).toHaveLength(1);
  });

  it('unknown or malformed ids answer CHALLENGE_NOT_FOUND', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid', "1' or '1'='1"]) {
      const res = await d.internal(`/${encodeURIComponent(id)}`, { method: 'GET' });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('CHALLENGE_NOT_FOUND');
    }
  });

  it('a failing webhook gives a FAILED row with the error, and a retry with the same value works', async () => {
    const value = txtValue('fail-then-ok');
    hook.setBehaviour({ kind: 'fail', times: 1, status: 400, message: 'zone locked' });
    const res = await create('_acme-challenge.flaky.example.com', value);
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('WEBHOOK_FAILED');
    hook.setBehaviour({ kind: 'ok' });
    const again = await create('_acme-challenge.flaky.example.com', value);
    expect(again.status).toBe(201);
  });
});
