// What the daemon reads from its database into Caddy's policies: a provider's effective timing, the same the
// challenges use (a manual provider's timeout_minutes wins over the row), so Caddy waits as long as the daemon does.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';

let d: TestDaemon;
beforeAll(async () => {
  d = await startTestDaemon();
});
afterAll(async () => {
  await d?.stop();
});

type Policy = { '@id': string; subjects: string[]; issuers: { challenges: { dns: { propagation_timeout?: string | number } } }[] };

async function dnsOf(providerId: string) {
  const res = await d.admin('/caddy/config');
  expect(res.status).toBe(200);
  const body = (await res.json()) as { apps: { tls: { automation: { policies: Policy[] } } } };
  const policy = body.apps.tls.automation.policies.find((p) => p['@id'] === `dns01-proxy-${providerId}`);
  expect(policy, JSON.stringify(body)).toBeDefined();
  return policy!.issuers.map((i) => i.challenges.dns);
}

it("gives Caddy a manual provider's timeout_minutes as its propagation_timeout, not the row's or the type's default", async () => {
  const id = await d.addProvider({
    name: 'by-hand', provider_type: 'manual', propagation_timeout: 120, credentials: { timeout_minutes: 30, polling_interval_seconds: 20 },
  });
  expect((await d.admin('/sites', { method: 'POST', body: { domain_names: ['hand.example'], dns_provider_id: id } })).status).toBe(201);
  for (const dns of await dnsOf(id)) expect(dns.propagation_timeout).toBe('30m');
});

it("keeps a webhook provider's own propagation_timeout", async () => {
  const id = await d.addProvider({
    name: 'hook', provider_type: 'webhook', propagation_timeout: 300, credentials: { create_url: 'http://127.0.0.1:9999/create' },
  });
  expect((await d.admin('/sites', { method: 'POST', body: { domain_names: ['hook.example'], dns_provider_id: id } })).status).toBe(201);
  for (const dns of await dnsOf(id)) expect(dns.propagation_timeout).toBe('5m');
});
