// Acceptance: lego's own acme-dns client (`--dns acme-dns`, unchanged) gets wildcard + apex from Pebble through the
// daemon's acme-dns API: the CNAME in the customer zone points at the registration, the rfc2136 provider writes BIND.
// The account file is in cert-manager's Secret format, so this is also the exchange cert-manager's acmeDNS solver makes.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acmeDnsRegistrations, challenges } from '../../src/db/schema.js';
import { CHALLENGE_NAME, ORDER, ZONE, issuedSans, legoFailure, rfc2136ProviderCredentials } from '../support/acme-rig.js';
import { ACME_DNS_ZONE, startAcmeDnsRig, type AcmeDnsRig } from '../support/acme-dns-rig.js';
import { runLego } from '../support/lego.js';
import { query } from '../../src/dns/lookup.js';

let rig: AcmeDnsRig;

beforeAll(async () => {
  rig = await startAcmeDnsRig('acme-dns-e2e');
}, 900_000);

afterAll(async () => {
  await rig?.stop();
});

describe('lego --dns acme-dns through the daemon', () => {
  it(`issues ${ORDER.join(' + ')} from Pebble`, async () => {
    const { bind, daemon, pebble, key, lego, work } = rig;
    await daemon.addProvider({ name: 'acme-dns-bind', provider_type: 'rfc2136', credentials: rfc2136ProviderCredentials(bind, key, ACME_DNS_ZONE) });
    const reg = await fetch(`${daemon.url}/acme-dns/register`, {
      method: 'POST',
      headers: { authorization: `Bearer ${daemon.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 'acme-dns-bind', allowfrom: ['127.0.0.1/32'] }),
    });
    expect(reg.status, await reg.clone().text()).toBe(201);
    const account = (await reg.json()) as { username: string; password: string; fulldomain: string; subdomain: string };

    rig.addCname(account.fulldomain);
    const cname = await query(CHALLENGE_NAME, 'CNAME', bind, { recursionDesired: false, timeoutMs: 2000 });
    expect(JSON.stringify(cname.packet.answers)).toContain(account.fulldomain);

    // lego's account file: the register reply unchanged under its domain, which is also the JSON cert-manager's
    // acmeDNS solver reads from its Secret (deploy/cert-manager/acme-dns-account.example.yaml). Both hand it to
    // goacmedns, which needs no server_url: the base URL is the client's (ACME_DNS_API_BASE here, `host` there).
    const storage = join(work, 'acme-dns-accounts.json');
    await writeFile(storage, JSON.stringify({ [ZONE]: account }), { mode: 0o600 });

    const r = await runLego({
      directoryUrl: pebble.directoryUrl,
      caCertPath: pebble.caCertPath,
      email: 'acme-dns@example.test',
      domains: ORDER,
      // lego follows the CNAME itself, before the first value exists: through the CA's resolver that lookup would
      // leave the fulldomain's NXDOMAIN in its negative cache. A CA's resolvers are its own, so lego asks BIND.
      dnsResolver: `${bind.host}:${bind.port}`,
      provider: 'acme-dns',
      binary: lego,
      env: { ACME_DNS_API_BASE: `${daemon.url}/acme-dns`, ACME_DNS_STORAGE_PATH: storage },
      workDir: join(work, 'lego'),
      timeoutMs: 180_000,
    });
    expect(r.code, legoFailure(r, daemon)).toBe(0);
    expect(await issuedSans(r.certPem!, pebble)).toEqual([`*.${ZONE}`, ZONE]);

    // Both values went through the daemon as challenges of that provider, and both are what BIND serves there; the
    // third row is registration's test write, removed before the account existed.
    const all = await daemon.daemon.database.db.select().from(challenges).where(sql`${challenges.fqdn} = ${account.fulldomain}`);
    expect(all.filter((row) => row.status === 'DELETED').map((row) => row.recordState)).toEqual(['removed']);
    const rows = all.filter((row) => row.status !== 'DELETED');
    expect(rows).toHaveLength(2);
    expect(rows.every((row) => row.recordState === 'present')).toBe(true);
    expect((await bind.txt(account.fulldomain)).sort()).toEqual(rows.map((row) => row.value).sort());
    expect(daemon.logs()).toContain('"client":"acme-dns"');
    // lego used the stored account: it registered none of its own (it could not: registration needs the admin token).
    expect(await daemon.daemon.database.db.select().from(acmeDnsRegistrations)).toHaveLength(1);
    expect(daemon.logs()).not.toContain(account.password);
  }, 240_000);
});
