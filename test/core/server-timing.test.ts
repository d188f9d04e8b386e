// DNS01_SERVER_TIMING: an internal API reply says where its time went, phase by phase (docs/configuration.md). The
// phases are counted where the challenge service's collaborators are wrapped (src/phases.ts timedMethods), so this
// checks that each one a present and a cleanup pass through is still named, and that nothing is counted twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

let hook: WebhookReceiver;
let on: TestDaemon;
let off: TestDaemon;

beforeAll(async () => {
  hook = await startWebhookReceiver();
  [on, off] = await Promise.all([startTestDaemon({ env: { DNS01_SERVER_TIMING: 'true' } }), startTestDaemon()]);
});
afterAll(async () => {
  await Promise.all([on?.stop(), off?.stop()]);
  await hook?.stop();
});

/** `name;dur=ms` entries of a Server-Timing header, in order. */
function phases(header: string | null): [string, number][] {
  expect(header).toBeTruthy();
  return header!.split(', ').map((entry) => {
    const m = /^([a-z]+);dur=(\d+\.\d{3})$/.exec(entry);
    expect(m, entry).not.toBeNull();
    return [m![1]!, Number(m![2])];
  });
}

const webhook = { name: 'timed-hook', provider_type: 'webhook', credentials: { create_url: '', max_retries: 0 } };

describe('Server-Timing', () => {
  it('names every phase of a present and a cleanup once, each within the total', async () => {
    const pid = await on.addProvider({ ...webhook, credentials: { ...webhook.credentials, create_url: hook.url } });
    const body = { fqdn: '_acme-challenge.timed.example.com', value: txtValue('timed') };

    const present = await on.internal(`/providers/${pid}/present`, { body });
    expect(present.status).toBe(200);
    const p = phases(present.headers.get('server-timing'));
    const names = p.map(([name]) => name);
    // The caller's token, the provider row, the zone walk, the name's lock, the row writes, the webhook call.
    for (const phase of ['auth', 'provider', 'zone', 'lock', 'db', 'plugin']) expect(names, phase).toContain(phase);
    expect(names.at(-1)).toBe('total');
    expect(new Set(names).size).toBe(names.length);
    const total = p.at(-1)![1];
    for (const [name, ms] of p) {
      expect(ms, name).toBeGreaterThanOrEqual(0);
      expect(ms, name).toBeLessThanOrEqual(total);
    }

    const cleanup = await on.internal(`/providers/${pid}/cleanup`, { body });
    expect(cleanup.status).toBe(200);
    const c = phases(cleanup.headers.get('server-timing')).map(([name]) => name);
    for (const phase of ['auth', 'provider', 'lock', 'db', 'plugin', 'total']) expect(c, phase).toContain(phase);
  });

  it('is off by default', async () => {
    const pid = await off.addProvider({ ...webhook, credentials: { ...webhook.credentials, create_url: hook.url } });
    const res = await off.internal(`/providers/${pid}/present`, { body: { fqdn: '_acme-challenge.untimed.example.com', value: txtValue('untimed') } });
    expect(res.status).toBe(200);
    expect(res.headers.get('server-timing')).toBeNull();
  });
});
