// Circuit breakers count only failures that say the provider is unhealthy: one client's refused names never stop a provider for everyone.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { startBind, type RunningDnsServer } from '../support/dns-servers/index.js';
import { startWebhookReceiver, type Behaviour, type WebhookReceiver } from '../support/webhook-receiver.js';

const ZONE = 'example.test';
const GRANTED = `_acme-challenge.granted.${ZONE}`;
const key = { name: 'acme', algorithm: 'hmac-sha256' as const, secret: randomBytes(32).toString('base64') };

let d: TestDaemon;
let hook: WebhookReceiver;

beforeAll(async () => {
  [d, hook] = await Promise.all([startTestDaemon(), startWebhookReceiver()]);
});
afterAll(async () => {
  await d?.stop();
  await hook?.stop();
});

type ErrorBody = { error?: { code: string } };
const basic = (token: string) => `Basic ${Buffer.from(`client:${token}`).toString('base64')}`;
const codeOf = async (res: Response) => ((await res.clone().json()) as ErrorBody).error?.code;

/** One sample of /metrics, matched by name and every given label; undefined when there is none. */
async function sample(name: string, labels: Record<string, string>): Promise<number | undefined> {
  const text = await (await fetch(`${d.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}
const breakerState = (provider: string) => sample('dns01_provider_breaker_state', { provider });

function rfc2136Provider(name: string, bind: RunningDnsServer, isDefault = false) {
  return d.addProvider({
    name, provider_type: 'rfc2136', is_default: isDefault,
    credentials: { nameserver: bind.host, port: bind.port, tsig_key_name: key.name, tsig_key_secret: key.secret, zone: ZONE },
  });
}

describe('rfc2136 against BIND whose update-policy grants one name', () => {
  it('five refused presents through a scoped client token leave the provider working for a granted name through the internal token', async () => {
    const bind = await startBind({ zones: [ZONE], tsigKeys: [key], grantNames: [GRANTED] });
    try {
      const pid = await rfc2136Provider('bind-policy', bind, true);
      const minted = await d.admin('/client-tokens', { method: 'POST', body: { name: 'scoped', allowed_domains: [`*.${ZONE}`], allowed_cidrs: ['127.0.0.0/8'] } });
      expect(minted.status).toBe(201);
      const { token } = (await minted.json()) as { token: string };

      for (let i = 0; i < 5; i++) {
        const fqdn = `_acme-challenge.denied-${i}.${ZONE}`;
        const res = await d.internal('/present', { body: { fqdn, value: txtValue(fqdn) }, headers: { authorization: basic(token) } });
        expect(res.status, await res.clone().text()).toBe(403);
        expect(await codeOf(res)).toBe('DNS_UPDATE_REFUSED');
      }
      expect(await sample('dns01_plugin_refusals_total', { provider: 'bind-policy', provider_type: 'rfc2136', step: 'present', code: 'DNS_UPDATE_REFUSED' })).toBe(5);
      expect(await breakerState('bind-policy')).toBe(0);

      // Another credential, a granted name, the same provider: served.
      const value = txtValue('granted');
      const ok = await d.internal(`/providers/${pid}/present`, { body: { fqdn: GRANTED, value } });
      expect(ok.status, await ok.clone().text()).toBe(200);
      expect(await bind.txt(GRANTED)).toEqual([value]);
      expect((await d.internal(`/providers/${pid}/cleanup`, { body: { fqdn: GRANTED, value } })).status).toBe(200);
      expect(await breakerState('bind-policy')).toBe(0);
    } finally {
      await bind.stop();
    }
  });

  it('a stopped BIND still opens the breaker after five calls', async () => {
    const bind = await startBind({ zones: [ZONE], tsigKeys: [key], grantNames: [GRANTED] });
    const pid = await rfc2136Provider('bind-dead', bind);
    await bind.stop();
    for (let i = 0; i < 5; i++) {
      const res = await d.internal(`/providers/${pid}/present`, { body: { fqdn: GRANTED, value: txtValue(`dead-${i}`) } });
      expect(res.status, await res.clone().text()).toBe(502);
      expect(await codeOf(res)).toBe('DNS_SERVER_ERROR');
    }
    const open = await d.internal(`/providers/${pid}/present`, { body: { fqdn: GRANTED, value: txtValue('dead-open') } });
    expect(open.status).toBe(503);
    expect(await codeOf(open)).toBe('PROVIDER_CIRCUIT_OPEN');
    expect(await breakerState('bind-dead')).toBe(2);
    expect(await sample('dns01_plugin_refusals_total', { provider: 'bind-dead' })).toBeUndefined();
  });
});

describe('webhook provider', () => {
  /** A fresh provider on the shared receiver (each has its own breaker), answering every call as `behaviour`. */
  async function webhook(name: string, settings: Record<string, unknown> = {}): Promise<string> {
    return d.addProvider({ name, provider_type: 'webhook', credentials: { create_url: `${hook.url}/${name}`, max_retries: 0 }, settings: { rate_limit_per_minute: 1000, ...settings } });
  }
  const create = (pid: string, tag: string) => d.internal('/create', { body: { provider_id: pid, fqdn: `_acme-challenge.${tag}.${ZONE}`, value: txtValue(tag) } });
  const callsTo = (name: string) => hook.calls.filter((c) => c.path === `/hook/${name}`).length;

  it.each<[string, Behaviour]>([
    ['400', { kind: 'status', status: 400 }],
    ['403', { kind: 'status', status: 403 }],
    ['404', { kind: 'status', status: 404 }],
    ['422', { kind: 'status', status: 422 }],
    ['200 with success false', { kind: 'successFalse', message: 'zone not hosted here' }],
  ])('five answers of %s about the request do not open it; each is counted as a refusal', async (label, behaviour) => {
    const name = `refuses-${label.replace(/\W+/g, '-')}`;
    const pid = await webhook(name);
    hook.setBehaviour(behaviour);
    try {
      for (let i = 0; i < 5; i++) {
        const res = await create(pid, `${name}-${i}`);
        expect(res.status, await res.clone().text()).toBe(502);
        expect(await codeOf(res)).toBe('WEBHOOK_FAILED');
      }
    } finally {
      hook.setBehaviour({ kind: 'ok' });
    }
    const ok = await create(pid, `${name}-ok`);
    expect(ok.status, await ok.clone().text()).toBe(201);
    expect(callsTo(name)).toBe(6);
    expect(await breakerState(name)).toBe(0);
    expect(await sample('dns01_plugin_refusals_total', { provider: name, provider_type: 'webhook', step: 'present', code: 'WEBHOOK_FAILED' })).toBe(5);
  });

  it.each([500, 503, 401, 429])('five answers of %i open it, and the sixth call never leaves the daemon', async (status) => {
    const name = `fails-${status}`;
    const pid = await webhook(name);
    hook.setBehaviour({ kind: 'status', status });
    try {
      for (let i = 0; i < 5; i++) expect((await create(pid, `${name}-${i}`)).status).toBe(502);
      const open = await create(pid, `${name}-open`);
      expect(open.status).toBe(503);
      expect(await codeOf(open)).toBe('PROVIDER_CIRCUIT_OPEN');
    } finally {
      hook.setBehaviour({ kind: 'ok' });
    }
    expect(callsTo(name)).toBe(5);
    expect(await breakerState(name)).toBe(2);
    expect(await sample('dns01_plugin_refusals_total', { provider: name })).toBeUndefined();
  });

  it('refusals neither end nor extend a run of failures: four 500s, three 403s and one more 500 open it', async () => {
    const name = 'mixed';
    const pid = await webhook(name);
    const answer = async (status: number, n: number) => {
      hook.setBehaviour({ kind: 'status', status });
      for (let i = 0; i < n; i++) expect((await create(pid, `${name}-${status}-${i}`)).status).toBe(502);
    };
    try {
      await answer(500, 4);
      await answer(403, 3);
      expect(await breakerState(name)).toBe(0);
      await answer(500, 1);
    } finally {
      hook.setBehaviour({ kind: 'ok' });
    }
    expect(await codeOf(await create(pid, `${name}-open`))).toBe('PROVIDER_CIRCUIT_OPEN');
    expect(callsTo(name)).toBe(8);
  });

  it('a refusal as the half-open trial call closes the circuit: the provider answered', async () => {
    const name = 'half-open';
    const pid = await webhook(name, { breaker_reset_seconds: 1 });
    hook.setBehaviour({ kind: 'status', status: 500 });
    try {
      for (let i = 0; i < 5; i++) expect((await create(pid, `${name}-${i}`)).status).toBe(502);
      expect(await codeOf(await create(pid, `${name}-open`))).toBe('PROVIDER_CIRCUIT_OPEN');
      await expect.poll(() => breakerState(name)).toBe(1);
      hook.setBehaviour({ kind: 'status', status: 403 });
      expect(await codeOf(await create(pid, `${name}-trial`))).toBe('WEBHOOK_FAILED');
      expect(await breakerState(name)).toBe(0);
    } finally {
      hook.setBehaviour({ kind: 'ok' });
    }
    expect((await create(pid, `${name}-after`)).status).toBe(201);
    expect(callsTo(name)).toBe(7);
  });
});
