// Acceptance: lego (httpreq) gets a wildcard + apex certificate from Pebble through the daemon's webhook provider into real BIND.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHALLENGE_NAME, ORDER, ZONE, challengeRows, dnsWebhook, dnsWriter, issueWithLego, issuedSans, leftovers, legoFailure, tsigKey,
  type LegoMode,
} from '../support/acme-rig.js';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { startBind, type RunningDnsServer } from '../support/dns-servers/index.js';
import { startPebble, type Pebble } from '../support/pebble.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const key = tsigKey('webhook-far-side');

describe('issuance through the webhook provider (lego httpreq -> daemon -> webhook -> BIND, validated by Pebble)', () => {
  let bind: RunningDnsServer;
  let pebble: Pebble;
  let daemon: TestDaemon;
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    bind = await startBind({ zones: [ZONE], tsigKeys: [key] });
    pebble = await startPebble({ dnsServer: `${bind.host}:${bind.port}` });
    daemon = await startTestDaemon({ db: 'postgres' });
  });

  afterAll(async () => {
    for (const r of receivers) await r.stop();
    await daemon?.stop();
    await pebble?.stop();
    await bind?.stop();
  });

  // default: `{fqdn, value}` to /providers/{id}; RAW: `{domain, token, keyAuth}` to the base path, default provider.
  const cases: { mode: LegoMode; viaDefault: boolean }[] = [
    { mode: 'default', viaDefault: false },
    { mode: 'raw', viaDefault: true },
  ];

  for (const { mode, viaDefault } of cases) {
    it(`issues *.${ZONE} + ${ZONE} in ${mode} mode and leaves no _acme-challenge record behind`, async () => {
      const far = dnsWebhook(bind, dnsWriter(bind, key));
      const receiver = await startWebhookReceiver({ handler: far.handler });
      receivers.push(receiver);
      const providerId = await daemon.addProvider({
        name: `webhook-${mode}`,
        provider_type: 'webhook',
        credentials: { create_url: receiver.url, auth_value: 'Bearer far-side-token', timeout_seconds: 10, max_retries: 0 },
        ...(viaDefault ? { is_default: true } : {}),
      });

      const result = await issueWithLego({
        daemon, pebble, mode, dnsResolver: `${bind.host}:${bind.port}`, ...(viaDefault ? {} : { providerId }),
      });
      expect(result.code, legoFailure(result, daemon, bind.output().slice(-2000))).toBe(0);
      expect(result.certPem).toBeDefined();
      expect(await issuedSans(result.certPem!, pebble)).toEqual([...ORDER].sort());

      // lego presents both names before validating either: both values sat on one name at once.
      expect(far.created).toHaveLength(2);
      expect(new Set(far.created).size).toBe(2);
      expect(far.maxValuesAtOnce()).toBe(2);
      expect([...far.deleted].sort()).toEqual([...far.created].sort());
      const calls = receiver.calls.map((c) => c.body as { action: string; fqdn: string; value: string });
      expect(calls.map((c) => c.action)).toEqual(['create', 'create', 'delete', 'delete']);
      expect(new Set(calls.map((c) => c.fqdn))).toEqual(new Set([CHALLENGE_NAME]));
      expect(receiver.calls.every((c) => c.headers.authorization === 'Bearer far-side-token')).toBe(true);

      // Every challenge row is finished, its record gone, and holds exactly the values the far side saw.
      const rows = await challengeRows(daemon, providerId);
      expect(rows).toHaveLength(2);
      for (const row of rows) {
        expect(['VERIFIED', 'DELETED'], `row ${row.id}: ${row.status} ${row.error ?? ''}`).toContain(row.status);
        expect(row.recordState).toBe('removed');
        expect(row.fqdn).toBe(CHALLENGE_NAME);
        expect(row.error).toBeNull();
      }
      expect(rows.map((r) => r.value).sort()).toEqual([...far.created].sort());

      // BIND: not a single TXT value left, and no node at all at the challenge name.
      expect(await leftovers(bind)).toEqual({ txt: [], rcode: 'NXDOMAIN' });
    }, 150_000);
  }

  it('kept the internal token and the far side\'s auth value out of the daemon log', () => {
    const logs = daemon.logs();
    expect(logs).not.toContain(daemon.internalToken);
    expect(logs).not.toContain('far-side-token');
  });
});
