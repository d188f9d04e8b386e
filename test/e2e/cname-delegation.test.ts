// Delegated challenge names (docs/api.md#delegated-names): `_acme-challenge.www.example.test` on BIND is a CNAME into
// `delegated.test` on Knot; the daemon writes the value on Knot through Knot's provider, checks and cleans up there,
// and checks client tokens against the asked name. Also lego issuing through such a CNAME, validated by Pebble.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issuedSans, rfc2136ProviderCredentials, tsigKey } from '../support/acme-rig.js';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { startBind, startKnot, type RunningDnsServer } from '../support/dns-servers/index.js';
import { runLego } from '../support/lego.js';
import { startPebble, type Pebble } from '../support/pebble.js';
import { signedNsupdate, type NsupdateKey } from '../support/nsupdate.js';
import { freeDnsPort } from '../support/ports.js';
import type { ChallengeView } from '../../src/http/wire/challenges.js';

const ZONE = 'example.test';
const DELEGATED = 'delegated.test';
const ASKED = `_acme-challenge.www.${ZONE}`;
const TARGET = `www.acme.${DELEGATED}`;
/** lego issues `cert.example.test` through a CNAME whose target is no `_acme-challenge` name. */
const LEGO_ASKED = `_acme-challenge.cert.${ZONE}`;
const LEGO_TARGET = `cert.acme.${DELEGATED}`;
/** lego follows this one itself (its default): the target is a challenge name, so the daemon takes it as asked. */
const SELF_ASKED = `_acme-challenge.self.${ZONE}`;
const SELF_TARGET = `_acme-challenge.self.${DELEGATED}`;
/** A chain of nine CNAMEs: one more than the daemon follows. */
const LONG = Array.from({ length: 9 }, (_, i) => `long${i + 1}`);

describe('a CNAME-delegated challenge name: asked on BIND, written on Knot', () => {
  const bindKey = tsigKey('bind-cname');
  const knotKey = tsigKey('knot-cname');
  let bind: RunningDnsServer;
  let knot: RunningDnsServer;
  let resolver: RunningDnsServer;
  let pebble: Pebble;
  let d: TestDaemon;
  let bindProvider: string;
  let knotProvider: string;
  let doorPort: number;

  const present = (fqdn: string, value: string, headers: Record<string, string> = {}, query = '') =>
    d.internal(`/present${query}`, { body: { fqdn: `${fqdn}.`, value }, headers });
  const cleanup = (fqdn: string, value: string, headers: Record<string, string> = {}) => d.internal('/cleanup', { body: { fqdn: `${fqdn}.`, value }, headers });
  const rowsFor = async (part: string): Promise<ChallengeView[]> =>
    ((await (await d.admin(`/challenges?fqdn=${encodeURIComponent(part)}`)).json()) as { challenges: ChallengeView[] }).challenges;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const token = async (name: string, domains: string[]): Promise<string> => {
    const res = await d.admin('/client-tokens', { method: 'POST', body: { name, allowed_domains: domains } });
    expect(res.status).toBe(201);
    return ((await res.json()) as { token: string }).token;
  };

  beforeAll(async () => {
    knot = await startKnot({ zones: [DELEGATED], tsigKeys: [knotKey] });
    bind = await startBind({
      zones: [ZONE], tsigKeys: [bindKey],
      records: {
        [ZONE]: [
          `_acme-challenge.www CNAME ${TARGET}.`,
          `_acme-challenge.cert CNAME ${LEGO_TARGET}.`,
          `_acme-challenge.self CNAME ${SELF_TARGET}.`,
          '_acme-challenge.loop CNAME loop1',
          'loop1 CNAME loop2',
          'loop2 CNAME _acme-challenge.loop',
          `_acme-challenge.long CNAME ${LONG[0]}`,
          ...LONG.slice(0, -1).map((n, i) => `${n} CNAME ${LONG[i + 1]}`),
          `${LONG.at(-1)} TXT "end"`,
        ],
      },
      // BIND answers for both zones (recursion for loopback, delegated.test forwarded to Knot): Pebble asks it, as a CA would.
      forwardZones: [{ zone: DELEGATED, server: knot }],
    });
    // The daemon's own resolver, another BIND forwarding both zones: its negative answers (the CNAME target asked
    // before its value exists) stay in its cache, not in the one Pebble asks, as the daemon's and a CA's resolvers differ.
    resolver = await startBind({
      zones: ['resolver.test'], tsigKeys: [], allowUnsignedLocal: true,
      forwardZones: [{ zone: ZONE, server: bind }, { zone: DELEGATED, server: knot }],
    });
    doorPort = await freeDnsPort();
    d = await startTestDaemon({
      env: { DNS01_DNS_RESOLVERS: `127.0.0.1:${resolver.port}`, DNS01_DNS_AUTH_PORT: String(knot.port), DNS01_DNS_UPDATE_LISTEN: `127.0.0.1:${doorPort}` },
    });
    // BIND's provider is the default; a site sends delegated.test to Knot's.
    bindProvider = await d.addProvider({ name: 'bind', provider_type: 'rfc2136', is_default: true, credentials: rfc2136ProviderCredentials(bind, bindKey, ZONE) });
    knotProvider = await d.addProvider({ name: 'knot', provider_type: 'rfc2136', credentials: rfc2136ProviderCredentials(knot, knotKey, DELEGATED) });
    const site = await d.admin('/sites', { method: 'POST', body: { domain_names: [`*.${DELEGATED}`], dns_provider_id: knotProvider } });
    expect(site.status).toBe(201);
  }, 60_000);

  afterAll(async () => {
    await d?.stop();
    await pebble?.stop();
    await Promise.all([bind?.stop(), knot?.stop(), resolver?.stop()]);
  });

  it('acmeproxy present lands the value on Knot only, waits until Knot serves it, and cleanup removes it there', async () => {
    const value = txtValue('acmeproxy-delegated');
    const res = await present(ASKED, value, {}, '?wait=propagated');
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toEqual({ fqdn: `${ASKED}.`, value });
    expect(await knot.txt(TARGET)).toEqual([value]);
    // BIND still holds only the CNAME at the asked name: no TXT beside it, nothing written through BIND's provider.
    expect(await bind.txt(ASKED)).toEqual([]);
    const [row] = await rowsFor('www.example.test');
    expect(row).toMatchObject({
      fqdn: TARGET, delegated_from: ASKED, zone: DELEGATED, provider_id: knotProvider, status: 'VERIFYING', record_state: 'present',
    });
    // The propagation check asked Knot for the target.
    const detail = (await (await d.admin(`/challenges/${row!.id}`)).json()) as { challenge: { last_check: { target?: string; servers: { seen: boolean }[] } } };
    expect(detail.challenge.last_check).toMatchObject({ target: TARGET, servers: [{ seen: true }] });

    const gone = await cleanup(ASKED, value);
    expect(gone.status).toBe(200);
    expect(await knot.txt(TARGET)).toEqual([]);
    expect(await rowsFor('www.example.test')).toMatchObject([{ id: row!.id, status: 'VERIFIED', record_state: 'removed' }]);
    expect(JSON.stringify(await rowsFor(ZONE))).not.toContain(bindProvider);
  });

  it('checks a client token against the asked name and the target: both must be in its scope', async () => {
    const outsider = await token('delegated-only', [DELEGATED, `*.${DELEGATED}`]);
    const value = txtValue('scoped-delegated');
    const before = (await rowsFor('www.example.test')).length;
    const refused = await present(ASKED, value, bearer(outsider));
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('CLIENT_DOMAIN_NOT_ALLOWED');
    expect(await knot.txt(TARGET)).toEqual([]);
    expect(await rowsFor('www.example.test')).toHaveLength(before);

    // The asked name alone is not enough: whoever controls example.test's DNS could point the CNAME at a name of
    // another client's and have its value written there.
    const nameOnly = await token('example-only', [`*.${ZONE}`]);
    const outside = await present(ASKED, value, bearer(nameOnly));
    expect(outside.status).toBe(403);
    expect(((await outside.json()) as { error: { code: string } }).error.code).toBe('CLIENT_DOMAIN_NOT_ALLOWED');
    const viaCreate = await d.internal('/create', { body: { provider_id: knotProvider, fqdn: ASKED, value }, headers: bearer(nameOnly) });
    expect(viaCreate.status).toBe(403);
    expect(await knot.txt(TARGET)).toEqual([]);
    expect(await rowsFor('www.example.test')).toHaveLength(before);

    const owner = await token('example-owner', [`*.${ZONE}`, TARGET]);
    // The native API through the owner's token: the id comes back, and the token may read its challenge by it.
    const created = await d.internal('/create', { body: { provider_id: knotProvider, fqdn: ASKED, value }, headers: bearer(owner) });
    expect(created.status, await created.clone().text()).toBe(201);
    const { challenge_id: id } = (await created.json()) as { challenge_id: string };
    expect(await knot.txt(TARGET)).toEqual([value]);
    const read = await d.internal(`/${id}`, { method: 'GET', headers: bearer(owner) });
    expect(read.status).toBe(200);
    expect(((await read.json()) as { challenge: ChallengeView }).challenge).toMatchObject({ fqdn: TARGET, delegated_from: ASKED });
    // The outsider's scope covers the target, not the asked name: the row is not theirs.
    expect((await d.internal(`/${id}`, { method: 'GET', headers: bearer(outsider) })).status).toBe(403);
    expect((await cleanup(ASKED, value, bearer(owner))).status).toBe(200);
    expect(await knot.txt(TARGET)).toEqual([]);
  });

  it('through the DNS UPDATE door (nsupdate): the value lands on Knot only and the delete removes it there; a key whose token covers only the asked name is REFUSED', async () => {
    const keyOf = async (name: string, domains: string[]): Promise<NsupdateKey> => {
      const made = await d.api.clientTokens.create({ name, allowed_domains: domains, tsig_algorithm: 'hmac-sha256' });
      return made.tsig_key as NsupdateKey;
    };
    const before = (await rowsFor('www.example.test')).length;
    const narrow = await keyOf('door-name-only', [`*.${ZONE}`]);
    const refused = await signedNsupdate(doorPort, ZONE, narrow, `update add ${ASKED}. 60 TXT "${txtValue('door-narrow')}"`);
    expect(refused.code).not.toBe(0);
    expect(refused.out).toContain('REFUSED');
    expect(await knot.txt(TARGET)).toEqual([]);
    expect(await rowsFor('www.example.test')).toHaveLength(before);

    const key = await keyOf('door-delegating', [`*.${ZONE}`, TARGET]);
    const value = txtValue('door-delegated');
    const add = await signedNsupdate(doorPort, ZONE, key, `update add ${ASKED}. 60 TXT "${value}"`);
    expect(add.code, add.out).toBe(0);
    expect(await knot.txt(TARGET)).toEqual([value]);
    expect(await bind.txt(ASKED)).toEqual([]);
    const rows = (await rowsFor('www.example.test')).filter((r) => r.delegated_from === ASKED && r.status === 'PENDING');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ fqdn: TARGET, provider_id: knotProvider });

    const del = await signedNsupdate(doorPort, ZONE, key, `update delete ${ASKED}. TXT "${value}"`);
    expect(del.code, del.out).toBe(0);
    expect(await knot.txt(TARGET)).toEqual([]);
    expect((await d.api.challenges.get(rows[0]!.id)).status).not.toBe('PENDING');
  });

  it.each([
    ['a loop', '_acme-challenge.loop.example.test', ['_acme-challenge.loop.example.test', 'loop1.example.test', 'loop2.example.test', '_acme-challenge.loop.example.test']],
    ['a chain longer than 8', '_acme-challenge.long.example.test', ['_acme-challenge.long.example.test', ...LONG.slice(0, 8).map((n) => `${n}.example.test`)]],
  ])('refuses %s with CNAME_LOOP and writes nothing', async (_what, fqdn, chain) => {
    const res = await present(fqdn, txtValue(fqdn));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; details: { fqdn: string; chain: string[] } } };
    expect(body.error).toMatchObject({ code: 'CNAME_LOOP', details: { fqdn, chain } });
    expect(await rowsFor(fqdn.split('.')[1]!)).toEqual([]);
    // BIND answers SERVFAIL for a TXT at a looping CNAME: no value there either way.
    for (const name of chain) expect(await bind.txt(name).catch(() => []), name).toEqual([]);
  });

  const lego = (domain: string, env: Record<string, string> = {}) => runLego({
    directoryUrl: pebble.directoryUrl, caCertPath: pebble.caCertPath, email: 'e2e@example.test', domains: [domain],
    // lego asks for the target before the value exists (its own follow, its zone lookup): the daemon's resolver, not Pebble's.
    dnsResolver: `${resolver.host}:${resolver.port}`, provider: 'httpreq',
    env: { HTTPREQ_ENDPOINT: `${d.url}/internal/dns-challenge`, HTTPREQ_USERNAME: 'caddy', HTTPREQ_PASSWORD: d.internalToken, ...env },
  });

  it('lego (httpreq, told not to follow CNAMEs itself) issues through the CNAME, validated by Pebble through BIND', async () => {
    pebble = await startPebble({ dnsServer: `${bind.host}:${bind.port}` });
    const result = await lego(`cert.${ZONE}`, { LEGO_DISABLE_CNAME_SUPPORT: 'true' });
    expect(result.code, `${result.stderr.slice(-4000)}\n${d.logs().slice(-3000)}`).toBe(0);
    expect(await issuedSans(result.certPem!, pebble)).toEqual([`cert.${ZONE}`]);
    expect(await rowsFor('cert.example.test')).toMatchObject([{ fqdn: LEGO_TARGET, delegated_from: LEGO_ASKED, provider_id: knotProvider, record_state: 'removed' }]);
    expect(await knot.txt(LEGO_TARGET)).toEqual([]);
  }, 150_000);

  it('lego following the CNAME itself (its default) sends the target, which the daemon writes as asked', async () => {
    pebble ??= await startPebble({ dnsServer: `${bind.host}:${bind.port}` });
    const result = await lego(`self.${ZONE}`);
    expect(result.code, `${result.stderr.slice(-4000)}\n${d.logs().slice(-3000)}`).toBe(0);
    expect(await issuedSans(result.certPem!, pebble)).toEqual([`self.${ZONE}`]);
    expect(await rowsFor('self.')).toMatchObject([{ fqdn: SELF_TARGET, delegated_from: null, provider_id: knotProvider, record_state: 'removed' }]);
    expect(await knot.txt(SELF_TARGET)).toEqual([]);
    expect(await bind.txt(SELF_ASKED)).toEqual([]);
  }, 150_000);

  it('DNS01_FOLLOW_CNAME=false: the value goes to the asked name, through its own provider, with no lookup', async () => {
    const plain = await startTestDaemon({ env: { DNS01_FOLLOW_CNAME: 'false', DNS01_DNS_RESOLVERS: `127.0.0.1:${resolver.port}` } });
    try {
      const bindOnly = await plain.addProvider({ name: 'bind', provider_type: 'rfc2136', is_default: true, credentials: rfc2136ProviderCredentials(bind, bindKey, ZONE) });
      const value = txtValue('not-followed');
      await plain.internal('/present', { body: { fqdn: `${ASKED}.`, value } });
      // BIND ignores a TXT added beside a CNAME (RFC 2136 §3.4.2.2), so the present fails its read-back: the point is where it went.
      const rows = ((await (await plain.admin('/challenges')).json()) as { challenges: ChallengeView[] }).challenges;
      expect(rows).toMatchObject([{ fqdn: ASKED, delegated_from: null, provider_id: bindOnly }]);
      expect(await knot.txt(TARGET)).toEqual([]);
    } finally {
      await plain.stop();
    }
  });
});
