// Acceptance: lego (httpreq, basic auth) with a client token gets a certificate for its own names from Pebble, and is refused a name outside them with nothing written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHALLENGE_NAME, ORDER, ZONE, challengeRows, dnsWebhook, dnsWriter, issueWithLego, issuedSans, leftovers, legoFailure, tsigKey } from '../support/acme-rig.js';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { startBind, type RunningDnsServer } from '../support/dns-servers/index.js';
import { startPebble, type Pebble } from '../support/pebble.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const key = tsigKey('client-token-far-side');

describe('lego with a client token (lego httpreq -> daemon -> webhook -> BIND, validated by Pebble)', () => {
  let bind: RunningDnsServer;
  let pebble: Pebble;
  let daemon: TestDaemon;
  let receiver: WebhookReceiver;
  let far: ReturnType<typeof dnsWebhook>;
  let providerId: string;
  let token: string;

  beforeAll(async () => {
    bind = await startBind({ zones: [ZONE], tsigKeys: [key] });
    pebble = await startPebble({ dnsServer: `${bind.host}:${bind.port}` });
    daemon = await startTestDaemon({ db: 'postgres' });
    far = dnsWebhook(bind, dnsWriter(bind, key));
    receiver = await startWebhookReceiver({ handler: far.handler });
    providerId = await daemon.addProvider({
      name: 'webhook', provider_type: 'webhook', is_default: true,
      credentials: { create_url: receiver.url, timeout_seconds: 10, max_retries: 0 },
    });
    // `example.test` covers the challenge name of both example.test and *.example.test, and nothing below it.
    const res = await daemon.admin('/client-tokens', {
      method: 'POST',
      body: { name: 'lego', allowed_domains: [ZONE], allowed_cidrs: ['127.0.0.0/8'], providers: [providerId] },
    });
    expect(res.status).toBe(201);
    token = ((await res.json()) as { token: string }).token;
  });

  afterAll(async () => {
    await receiver?.stop();
    await daemon?.stop();
    await pebble?.stop();
    await bind?.stop();
  });

  it(`issues *.${ZONE} + ${ZONE} with the scoped token and leaves no record behind`, async () => {
    const result = await issueWithLego({ daemon, pebble, mode: 'default', dnsResolver: `${bind.host}:${bind.port}`, password: token });
    expect(result.code, legoFailure(result, daemon, bind.output().slice(-2000))).toBe(0);
    expect(await issuedSans(result.certPem!, pebble)).toEqual([...ORDER].sort());
    expect(far.created).toHaveLength(2);
    expect([...far.deleted].sort()).toEqual([...far.created].sort());
    const rows = await challengeRows(daemon, providerId);
    expect(rows.map((r) => [r.fqdn, r.recordState])).toEqual([[CHALLENGE_NAME, 'removed'], [CHALLENGE_NAME, 'removed']]);
    expect(await leftovers(bind)).toEqual({ txt: [], rcode: 'NXDOMAIN' });
  }, 150_000);

  it(`is refused www.${ZONE} with CLIENT_DOMAIN_NOT_ALLOWED: lego fails, the webhook hears nothing, no row and no record`, async () => {
    const [calls, rows] = [receiver.calls.length, (await challengeRows(daemon, providerId)).length];
    const result = await issueWithLego({ daemon, pebble, mode: 'default', dnsResolver: `${bind.host}:${bind.port}`, password: token, domains: [`www.${ZONE}`] });
    expect(result.code, result.stderr.slice(-3000)).not.toBe(0);
    expect(result.stderr).toContain('403');
    expect(result.stderr).toContain('CLIENT_DOMAIN_NOT_ALLOWED');
    expect(receiver.calls.length).toBe(calls);
    expect((await challengeRows(daemon, providerId)).length).toBe(rows);
    expect(await leftovers(bind, `_acme-challenge.www.${ZONE}`)).toEqual({ txt: [], rcode: 'NXDOMAIN' });
  }, 150_000);

  it('kept the client token out of the daemon log', () => {
    expect(daemon.logs()).not.toContain(token);
  });
});
