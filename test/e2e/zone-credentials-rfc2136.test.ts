// One rfc2136 provider, two zone-specific credentials: BIND's TSIG key for its zone, Knot's for its; each challenge lands on the right server.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { startBind, startKnot, type RunningDnsServer, type TestTsigKey } from '../support/dns-servers/index.js';

const BIND_ZONE = 'bind.zones.test';
const KNOT_ZONE = 'knot.zones.test';
/** Both servers serve this zone too and both keys may write it, but no credential covers it. */
const UNCOVERED_ZONE = 'uncovered.zones.test';
/** Each server serves every zone (its key may write them all): a record on the wrong server would be visible there. */
const ZONES = [BIND_ZONE, KNOT_ZONE, UNCOVERED_ZONE];

describe('rfc2136 with zone-specific credentials: BIND and Knot behind one provider', () => {
  const bindKey: TestTsigKey = { name: 'bind-acme', algorithm: 'hmac-sha256', secret: randomBytes(32).toString('base64') };
  const knotKey: TestTsigKey = { name: 'knot-acme', algorithm: 'hmac-sha512', secret: randomBytes(32).toString('base64') };
  let bind: RunningDnsServer;
  let knot: RunningDnsServer;
  let d: TestDaemon;
  let providerId: string;

  const creds = (srv: RunningDnsServer, key: TestTsigKey, zone: string) => ({
    nameserver: srv.host, port: srv.port, tsig_key_name: key.name, tsig_key_secret: key.secret, tsig_algorithm: key.algorithm, zone,
  });

  beforeAll(async () => {
    [bind, knot] = await Promise.all([
      startBind({ zones: ZONES, tsigKeys: [bindKey] }),
      startKnot({ zones: [...ZONES].reverse(), tsigKeys: [knotKey] }),
    ]);
    d = await startTestDaemon();
    // Created with BIND's key, then switched: BIND's key becomes the catch-all row, narrowed below to BIND's zone.
    providerId = await d.addProvider({ name: 'two-servers', provider_type: 'rfc2136', credentials: creds(bind, bindKey, BIND_ZONE) });
    expect((await d.admin(`/dns-providers/${providerId}`, { method: 'PUT', body: { use_multi_credentials: true } })).status).toBe(200);
    const [def] = ((await (await d.admin(`/dns-providers/${providerId}/credentials`)).json()) as { credentials: { id: string }[] }).credentials;
    const put = await d.admin(`/dns-providers/${providerId}/credentials/${def!.id}`, { method: 'PUT', body: { label: 'BIND', zone_filter: `${BIND_ZONE},*.${BIND_ZONE}` } });
    expect(put.status).toBe(200);
    const post = await d.admin(`/dns-providers/${providerId}/credentials`, {
      method: 'POST', body: { label: 'Knot', zone_filter: `*.${KNOT_ZONE}`, credentials: creds(knot, knotKey, KNOT_ZONE) },
    });
    expect(post.status).toBe(201);
  });
  afterAll(async () => {
    await d?.stop();
    await Promise.all([bind?.stop(), knot?.stop()]);
  });

  const create = (fqdn: string, value: string) => d.internal('/create', { body: { provider_id: providerId, fqdn, value } });

  it('writes each challenge with the credential for its zone to that zone\'s server, and removes it from there', async () => {
    const onBind = { fqdn: `_acme-challenge.www.${BIND_ZONE}`, value: txtValue('bind-www') };
    const onKnot = { fqdn: `_acme-challenge.${KNOT_ZONE}`, value: txtValue('knot-apex') };
    const ids: string[] = [];
    for (const c of [onBind, onKnot]) {
      const res = await create(c.fqdn, c.value);
      expect(res.status, c.fqdn).toBe(201);
      ids.push(((await res.json()) as { challenge_id: string }).challenge_id);
    }
    expect(await bind.txt(onBind.fqdn)).toEqual([onBind.value]);
    expect(await knot.txt(onKnot.fqdn)).toEqual([onKnot.value]);
    // Neither went to the other server, which serves the same zone and would show it.
    expect(await knot.txt(onBind.fqdn)).toEqual([]);
    expect(await bind.txt(onKnot.fqdn)).toEqual([]);

    for (const id of ids) expect((await d.internal(`/${id}`, { method: 'DELETE' })).status).toBe(200);
    expect(await bind.txt(onBind.fqdn)).toEqual([]);
    expect(await knot.txt(onKnot.fqdn)).toEqual([]);
  });

  it('refuses a name no credential covers with NO_MATCHING_CREDENTIAL, writing no record anywhere', async () => {
    const fqdn = `_acme-challenge.www.${UNCOVERED_ZONE}`;
    const value = txtValue('uncovered');
    const res = await create(fqdn, value);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('NO_MATCHING_CREDENTIAL');
    expect(body.error.message).toContain(`www.${UNCOVERED_ZONE}`);
    expect(body.error.message).toContain('two-servers');
    // Either server would have taken it (each key may write this zone): nothing was sent.
    expect(await bind.txt(fqdn)).toEqual([]);
    expect(await knot.txt(fqdn)).toEqual([]);
    const list = (await (await d.admin(`/challenges?provider=${providerId}`)).json()) as { challenges: { fqdn: string }[] };
    expect(list.challenges.map((c) => c.fqdn)).not.toContain(fqdn);
    for (const key of [bindKey, knotKey]) expect(d.logs()).not.toContain(key.secret);
  });
});
