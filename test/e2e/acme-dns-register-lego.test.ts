// Acceptance: lego's acme-dns provider registers its own account with a client token carried in the server URL's user
// info (`http://lego:<token>@host/acme-dns`, sent by Go's net/http as basic auth), starting from an empty storage file,
// as a user would: the first run registers and stops asking for the CNAME, the user creates it in BIND, the second run
// issues wildcard + apex from Pebble. Then the token's refusals, as lego meets them: revoked (its account's updates and a
// new registration, 401) and a token whose domains do not cover the accounts' names (403). docs/acme-dns.md.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acmeDnsRegistrations, challenges } from '../../src/db/schema.js';
import { CHALLENGE_NAME, ORDER, ZONE, issuedSans, legoFailure, rfc2136ProviderCredentials } from '../support/acme-rig.js';
import { ACME_DNS_ZONE, startAcmeDnsRig, type AcmeDnsRig } from '../support/acme-dns-rig.js';
import { runLego, type LegoResult } from '../support/lego.js';
import { query } from '../../src/dns/lookup.js';

let rig: AcmeDnsRig;
let runs = 0;

beforeAll(async () => {
  rig = await startAcmeDnsRig('acme-dns-register-e2e');
}, 900_000);

afterAll(async () => {
  await rig?.stop();
});

/** The server URL a user gives lego: the client token as the URL's password. */
const apiBase = (token: string) => `http://lego:${token}@127.0.0.1:${rig.daemon.port}/acme-dns`;

/** lego `run` with its acme-dns provider, the accounts in `storage`. */
function legoRun(token: string, storage: string): Promise<LegoResult> {
  return runLego({
    directoryUrl: rig.pebble.directoryUrl,
    caCertPath: rig.pebble.caCertPath,
    email: 'acme-dns-register@example.test',
    domains: ORDER,
    // lego follows the CNAME itself; asking BIND keeps the CA's resolver free of a cached NXDOMAIN (acme-dns-lego.test.ts).
    dnsResolver: `${rig.bind.host}:${rig.bind.port}`,
    provider: 'acme-dns',
    binary: rig.lego,
    env: { ACME_DNS_API_BASE: apiBase(token), ACME_DNS_STORAGE_PATH: storage },
    workDir: join(rig.work, `lego-${++runs}`),
    timeoutMs: 180_000,
  });
}

async function emptyStorage(name: string): Promise<string> {
  const path = join(rig.work, name);
  await writeFile(path, '', { mode: 0o600 });
  return path;
}

/** Waits (the zone's negative TTL and a little more at most) until the CA's resolver answers the CNAME to `target`. */
async function untilResolverSees(target: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    // CNAME, not TXT: a TXT lookup would have the resolver cache the target's current value, which the next run replaces.
    const res = await query(CHALLENGE_NAME, 'CNAME', rig.resolver, { timeoutMs: 2000 }).catch(() => null);
    if (res?.packet.rcode === 'NOERROR' && JSON.stringify(res.packet.answers).includes(target)) return;
    if (Date.now() > deadline) throw new Error(`the resolver still does not answer the CNAME to ${target}`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

const registrations = () => rig.daemon.daemon.database.db.select().from(acmeDnsRegistrations);

describe('lego --dns acme-dns registering with a client token in the server URL', () => {
  let tokenId = '';
  let token = '';
  let storage = '';
  let fulldomain = '';

  it(`registers on the first run, and after the user adds the CNAME issues ${ORDER.join(' + ')} from Pebble`, async () => {
    const { bind, daemon, pebble } = rig;
    const providerId = await daemon.addProvider({ name: 'acme-dns-bind', provider_type: 'rfc2136', credentials: rfc2136ProviderCredentials(bind, rig.key, ACME_DNS_ZONE) });
    const made = await daemon.api.clientTokens.create({
      name: 'lego-web1', allowed_domains: [`*.${ACME_DNS_ZONE}`], allowed_cidrs: ['127.0.0.1/32'], providers: [providerId],
    });
    tokenId = made.client_token.id;
    token = made.token;
    storage = await emptyStorage('accounts.json');

    // First run: lego finds no account for the domain, registers one, saves it and stops, naming the CNAME to create.
    const first = await legoRun(token, storage);
    expect(first.code, legoFailure(first, daemon)).not.toBe(0);
    const said = first.stdout + first.stderr;
    expect(said).toContain(`acme-dns: new account created for "${ZONE}"`);
    const saved = JSON.parse(await readFile(storage, 'utf8')) as Record<string, { fulldomain: string; subdomain: string; server_url: string }>;
    expect(Object.keys(saved)).toEqual([ZONE]);
    fulldomain = saved[ZONE]!.fulldomain;
    expect(fulldomain).toBe(`${saved[ZONE]!.subdomain}.${ACME_DNS_ZONE}`);
    expect(said).toContain(`${CHALLENGE_NAME}. CNAME ${fulldomain}.`);
    // The URL goes into the storage file as the account's server_url, token and all (docs/acme-dns.md says so).
    expect(saved[ZONE]!.server_url).toBe(apiBase(token));
    const [account, ...others] = await registrations();
    expect(others).toHaveLength(0);
    expect(account!.clientTokenId).toBe(tokenId);
    expect(account!.providerId).toBe(providerId);

    // The user creates the CNAME lego asked for, and runs the same command again.
    rig.addCname(fulldomain);
    // The first run already had Pebble look the name up (one of its two authorizations got a value through the new
    // account, so it was validated) and the CA's resolver remembers that NXDOMAIN for the zone's negative TTL. A user
    // would wait for the CNAME to show; so does the test.
    await untilResolverSees(fulldomain);
    const second = await legoRun(token, storage);
    expect(second.code, legoFailure(second, daemon)).toBe(0);
    expect(await issuedSans(second.certPem!, pebble)).toEqual([`*.${ZONE}`, ZONE]);
    expect(await registrations()).toHaveLength(1);

    // The live values are the daemon's challenges of that provider and what BIND serves at the account's name.
    const live = (await daemon.daemon.database.db.select().from(challenges).where(sql`${challenges.fqdn} = ${fulldomain}`))
      .filter((row) => row.status !== 'DELETED');
    expect(live).toHaveLength(2);
    expect((await bind.txt(fulldomain)).sort()).toEqual(live.map((row) => row.value).sort());
    expect(daemon.logs()).not.toContain(token);
  }, 420_000);

  it('once the token is revoked, its account\'s updates and a new registration answer 401 client_token_revoked, writing nothing', async () => {
    expect(token, 'the issuance test ran first').not.toBe('');
    const { bind, daemon } = rig;
    await daemon.api.clientTokens.revoke(tokenId);
    const rowsBefore = (await daemon.daemon.database.db.select().from(challenges)).length;
    const served = (await bind.txt(fulldomain)).sort();

    const renewal = await legoRun(token, storage);
    expect(renewal.code).not.toBe(0);
    expect(renewal.stdout + renewal.stderr).toContain('status code 401 response: {"error":"client_token_revoked"}');

    const fresh = await legoRun(token, await emptyStorage('after-revocation.json'));
    expect(fresh.code).not.toBe(0);
    expect(fresh.stdout + fresh.stderr).toContain('failed to register account : status code 401 response: {"error":"client_token_revoked"}');

    expect(await registrations()).toHaveLength(1);
    expect((await daemon.daemon.database.db.select().from(challenges)).length).toBe(rowsBefore);
    expect((await bind.txt(fulldomain)).sort()).toEqual(served);
    expect(daemon.logs()).not.toContain(token);
  }, 420_000);

  it('a token whose domains do not cover the accounts\' names: registration answers 403 client_domain_not_allowed', async () => {
    const { daemon } = rig;
    const made = await daemon.api.clientTokens.create({ name: 'lego-shop', allowed_domains: [`*.${ZONE}`, ZONE] });
    const r = await legoRun(made.token, await emptyStorage('out-of-scope.json'));
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('failed to register account : status code 403 response: {"error":"client_domain_not_allowed"}');
    expect(await registrations()).toHaveLength(1);
    expect(daemon.logs()).not.toContain(made.token);
  }, 420_000);
});
