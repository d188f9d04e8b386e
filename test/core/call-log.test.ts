// What an operator sees of each plugin call: one log line per present and cleanup, metrics by provider name, and far-side text kept out of replies.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

let hook: WebhookReceiver;
let d: TestDaemon;

beforeAll(async () => {
  hook = await startWebhookReceiver();
  d = await startTestDaemon();
});
afterAll(async () => {
  await d?.stop();
  await hook?.stop();
});

type Line = Record<string, unknown> & { level: string; msg: string };
const lines = (): Line[] => d.logs().trim().split('\n').map((l) => JSON.parse(l) as Line);
const metricsText = async () => (await fetch(`${d.url}/metrics`)).text();
const webhook = (name: string) => ({ name, provider_type: 'webhook', credentials: { create_url: hook.url, max_retries: 0 } });

describe('one line per call', () => {
  it('logs each present and cleanup once at info with challenge, fqdn, provider name, client, duration and outcome', async () => {
    const pid = await d.addProvider(webhook('log-hook'));
    const acme = { fqdn: '_acme-challenge.log-a.example.com', value: txtValue('log-a') };
    expect((await d.internal(`/providers/${pid}/present`, { body: acme })).status).toBe(200);
    expect((await d.internal(`/providers/${pid}/cleanup`, { body: acme })).status).toBe(200);
    const native = await d.internal('/create', { body: { provider_id: pid, fqdn: '_acme-challenge.log-b.example.com', value: txtValue('log-b') } });
    const id = ((await native.json()) as { challenge_id: string }).challenge_id;
    expect((await d.internal(`/${id}`, { method: 'DELETE' })).status).toBe(200);

    const calls = lines().filter((l) => (l.msg === 'present' || l.msg === 'cleanup') && l.provider === 'log-hook');
    expect(calls.map((l) => [l.msg, l.fqdn, l.client, l.outcome, l.level])).toEqual([
      ['present', acme.fqdn, 'acmeproxy', 'ok', 'info'],
      ['cleanup', acme.fqdn, 'acmeproxy', 'ok', 'info'],
      ['present', '_acme-challenge.log-b.example.com', 'internal', 'ok', 'info'],
      ['cleanup', '_acme-challenge.log-b.example.com', 'internal', 'ok', 'info'],
    ]);
    for (const l of calls) {
      expect(l.challenge).toMatch(/^[0-9a-f-]{36}$/);
      expect(typeof l.duration_ms).toBe('number');
    }
    expect(calls[3]!.challenge).toBe(id);
    // Every warning or error line from a plugin call names the name and the provider.
    for (const l of lines().filter((x) => x.level === 'warn' && x.provider_type !== undefined)) {
      expect(l.fqdn).toBeTruthy();
      expect(l.provider).toBeTruthy();
    }
  });
});

describe('metrics', () => {
  it('labels provider series by name, and a rename drops the old name\'s series', async () => {
    const pid = await d.addProvider(webhook('metric-old'));
    const created = await d.internal('/create', { body: { provider_id: pid, fqdn: '_acme-challenge.metric.example.com', value: txtValue('metric') } });
    expect(created.status).toBe(201);
    let text = await metricsText();
    expect(text).toMatch(/dns01_plugin_call_duration_seconds_count\{provider="metric-old",provider_type="webhook",step="present",outcome="ok"\} 1/);
    expect(text).toMatch(/dns01_challenge_transitions_total\{state="PENDING",provider="metric-old"\} 1/);
    expect(text).toMatch(/dns01_challenges\{state="PENDING",provider="metric-old"\} 1/);
    expect(text).not.toContain(pid);

    const put = await d.admin(`/dns-providers/${pid}`, { method: 'PUT', body: { name: 'metric-new' } });
    expect(put.status, await put.text()).toBe(200);
    const id = ((await created.json()) as { challenge_id: string }).challenge_id;
    expect((await d.internal(`/${id}`, { method: 'DELETE' })).status).toBe(200);
    text = await metricsText();
    expect(text).not.toContain('provider="metric-old"');
    expect(text).toMatch(/dns01_plugin_call_duration_seconds_count\{provider="metric-new",provider_type="webhook",step="cleanup",outcome="ok"\} 1/);
    expect(text).toMatch(/dns01_challenges\{state="DELETED",provider="metric-new"\} 1/);
  });
});

describe('WEBHOOK_FAILED', () => {
  it('answers the ACME client with the status only; the far side body goes to the log and the challenge row', async () => {
    const pid = await d.addProvider(webhook('loud-hook'));
    const marker = 'FARSIDE-MARKER-7f3a';
    hook.setBehaviour({ kind: 'status', status: 500, body: `${marker} stack trace\u0000\u0007\u001b[31m CRIMSON \u001b[0m\r\nSet-Cookie: x=1` });
    const value = txtValue('loud');
    const fqdn = '_acme-challenge.loud.example.com';
    for (const path of [`/providers/${pid}/present`, '/create']) {
      const res = await d.internal(path, { body: path === '/create' ? { provider_id: pid, fqdn, value } : { fqdn, value } });
      const raw = await res.text();
      expect(res.status).toBe(502);
      const body = JSON.parse(raw) as { error: { code: string; details: Record<string, unknown> } };
      expect(body.error.code).toBe('WEBHOOK_FAILED');
      expect(body.error.details.status).toBe(500);
      for (const part of [marker, 'stack trace', 'CRIMSON', 'Set-Cookie']) expect(raw).not.toContain(part);
      expect(raw).not.toMatch(/[\u0000-\u0008\u000b-\u001f]|\\u00(0|1)/);
    }
    hook.setBehaviour({ kind: 'ok' });

    const res = await d.daemon.database.db.execute(sql`select error from challenges where value = ${value}`);
    const errors = ((Array.isArray(res) ? res : (res as unknown as { rows: unknown[] }).rows) as { error: string }[]).map((r) => r.error);
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) {
      expect(e).toContain(marker);
      expect(e).not.toMatch(/[\u0000-\u001f]/);
    }
    const warned = lines().filter((l) => l.msg === 'present failed' && l.provider === 'loud-hook');
    expect(warned).toHaveLength(2);
    for (const l of warned) {
      expect(l.level).toBe('warn');
      expect(l.fqdn).toBe(fqdn);
      expect(l.outcome).toBe('WEBHOOK_FAILED');
      expect(String(l.detail)).toContain(marker);
    }
  });
});
