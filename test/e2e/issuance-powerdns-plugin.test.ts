// Acceptance: lego (httpreq) gets a wildcard + apex certificate from Pebble through the daemon with the PowerDNS plugin loaded from a plugin directory.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHALLENGE_NAME, ORDER, ZONE, dnsWriter, expectTwoCleanChallenges, issueWithLego, issuedSans, leftovers, legoFailure, tsigKey,
} from '../support/acme-rig.js';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { startPowerDns, type RunningPowerDns } from '../support/dns-servers/index.js';
import { startPebble, type Pebble } from '../support/pebble.js';
import { pluginDir, POWERDNS_MODULE, signatureOf, type PluginDir } from '../support/plugins.js';

const key = tsigKey('pdns-e2e-foreign');
const API_KEY = randomBytes(24).toString('hex');
/** A value the operator put at the challenge name by hand: the plugin must neither replace nor remove it. */
const FOREIGN = 'operator-placed-value-not-from-the-plugin';

describe('issuance through the loaded PowerDNS plugin (lego httpreq -> daemon -> plugin -> PowerDNS HTTP API, validated by Pebble)', () => {
  let plugins: PluginDir;
  let server: RunningPowerDns;
  let pebble: Pebble;
  let daemon: TestDaemon;

  beforeAll(async () => {
    plugins = await pluginDir([POWERDNS_MODULE]);
    server = await startPowerDns({ zones: [ZONE], tsigKeys: [key], apiKey: API_KEY });
    pebble = await startPebble({ dnsServer: `${server.host}:${server.port}` });
    daemon = await startTestDaemon({
      env: { ...plugins.env, DNS01_DNS_RESOLVERS: `${server.host}:${server.port}`, DNS01_DNS_AUTH_PORT: String(server.port) },
    });
  });

  afterAll(async () => {
    await daemon?.stop();
    await pebble?.stop();
    await server?.stop();
    await plugins?.remove();
  });

  it('loaded the plugin from the directory under its allow-listed hash', async () => {
    const res = await daemon.admin('/admin/plugins');
    const body = (await res.json()) as { plugins: { name: string; type: string | null; status: string; version: string | null; signature: string | null }[] };
    expect(body.plugins.find((p) => p.name === 'powerdns')).toMatchObject({
      type: 'powerdns', status: 'loaded', version: '1.0.0', signature: await signatureOf(POWERDNS_MODULE),
    });
  });

  it(`issues *.${ZONE} + ${ZONE}, removes only its own values, and never logs the API key`, async () => {
    const providerId = await daemon.addProvider({ name: 'powerdns-e2e', provider_type: 'powerdns', credentials: { api_url: server.apiUrl, api_key: API_KEY } });
    const writer = dnsWriter(server, key);
    await writer.add(CHALLENGE_NAME, FOREIGN, 60);

    const result = await issueWithLego({ daemon, pebble, providerId, mode: 'default', dnsResolver: `${server.host}:${server.port}` });
    expect(result.code, legoFailure(result, daemon, server.output().slice(-2000))).toBe(0);
    expect(await issuedSans(result.certPem!, pebble)).toEqual([...ORDER].sort());

    await expectTwoCleanChallenges(daemon, providerId, CHALLENGE_NAME);
    expect(await server.txt(CHALLENGE_NAME)).toEqual([FOREIGN]);
    await writer.remove(CHALLENGE_NAME, FOREIGN);
    expect(await leftovers(server)).toEqual({ txt: [], rcode: 'NXDOMAIN' });
    expect(daemon.logs()).not.toContain(API_KEY);
  }, 150_000);
});
