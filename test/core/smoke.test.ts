import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

describe('smoke', () => {
  let d: TestDaemon;
  let hook: WebhookReceiver;
  beforeAll(async () => {
    hook = await startWebhookReceiver();
    d = await startTestDaemon();
  });
  afterAll(async () => {
    await d?.stop();
    await hook?.stop();
  });
  it('creates and deletes through a webhook', async () => {
    const id = await d.addProvider({ name: 'w', provider_type: 'webhook', credentials: { create_url: hook.url, auth_value: 'Bearer s3cr3t-value-xyz' }, is_default: true });
    const v = txtValue(1);
    const res = await d.internal('/create', { body: { provider_id: id, fqdn: '_acme-challenge.a.example.com', value: v } });
    const body = (await res.json()) as { challenge_id: string; status: string };
    expect(res.status).toBe(201);
    expect(body.status).toBe('PENDING');
    const del = await d.internal(`/${body.challenge_id}`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect(hook.calls.map((c) => c.body.action)).toEqual(['create', 'delete']);
    expect(d.logs()).not.toContain('s3cr3t-value-xyz');
  });
});
