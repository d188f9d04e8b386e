// End to end, the daemon's reason to exist: the daemon writes Caddy's TLS policies, Caddy asks the daemon
// (acmeproxy) for DNS-01 records, the daemon puts them into real BIND through its provider, Pebble validates
// against BIND, Caddy holds the certificates, and nothing is left behind in DNS or unfinished in the database. The shared
// internal token is switched off: Caddy calls with the client token the sync gives it (src/caddy/token.ts).
import { X509Certificate } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaddyPolicy } from '../../src/caddy/types.js';
import {
  ZONE, challengeRows, dnsWebhook, dnsWriter, issuedSans, leftovers, rfc2136ProviderCredentials, tsigKey, type DnsWebhook,
} from '../support/acme-rig.js';
import { buildCaddyWithAcmeproxy, caddyAdmin, startCaddy, type RunningCaddy } from '../support/caddy.js';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { startBind, type RunningDnsServer } from '../support/dns-servers/index.js';
import { startPebble, type Pebble } from '../support/pebble.js';
import { freePort } from '../support/ports.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { acmeproxyPasswords, caddyGet, eventually, masked } from './helpers.js';

const key = tsigKey('caddy-e2e');

let bind: RunningDnsServer;
let pebble: Pebble;
let caddy: RunningCaddy;
let daemon: TestDaemon;
let receiver: WebhookReceiver;
let far: DnsWebhook;

/** Caddy's certificate file for one name (wildcards are stored as `wildcard_.zone`), or null. */
async function storedCert(name: string): Promise<string | null> {
  const file = `${name.replace(/^\*\./, 'wildcard_.')}.crt`;
  const root = join(caddy.workDir, 'data', 'caddy', 'certificates');
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true }).catch(() => [])) {
    if (entry.isFile() && entry.name === file) return join(entry.parentPath, entry.name);
  }
  return null;
}

/** The acmeproxy passwords Caddy held when last read: the sync's client token. */
let held: string[] = [];
function caddyToken(): string {
  expect(held).toHaveLength(1);
  return held[0]!;
}

async function ownedPolicies(): Promise<CaddyPolicy[]> {
  const all = (await caddyGet(caddy.adminUrl, 'apps/tls/automation/policies').catch(() => [])) as CaddyPolicy[] | null;
  const owned = (all ?? []).filter((p) => p['@id'].startsWith('dns01-proxy-'));
  if (owned.length > 0) held = acmeproxyPasswords(owned);
  return owned;
}

async function desired(): Promise<CaddyPolicy[]> {
  const res = await daemon.admin('/caddy/config');
  return ((await res.json()) as { apps: { tls: { automation: { policies: CaddyPolicy[] } } } }).apps.tls.automation.policies;
}

async function addSite(providerId: string, names: string[]): Promise<void> {
  const res = await daemon.admin('/sites', { method: 'POST', body: { domain_names: names, dns_provider_id: providerId } });
  expect(res.status, await res.clone().text()).toBe(201);
}

/** What went wrong, for assertion messages: the tails of Caddy's and the daemon's logs. */
const context = () => `caddy:\n${caddy.output().slice(-6000)}\ndaemon:\n${daemon.logs().slice(-4000)}`;

/** Waits for Caddy's certificate for `name` and checks it chains to Pebble's root and covers exactly `name`. */
async function expectCertificate(name: string): Promise<void> {
  // The whole chain (leaf and intermediate): the file can be seen while Caddy is still writing it.
  let pem = '';
  await eventually(`Caddy's certificate for ${name}`, async () => {
    const file = await storedCert(name);
    pem = file ? await readFile(file, 'utf8').catch(() => '') : '';
    return pem.split('-----END CERTIFICATE-----').length > 2;
  }, 120_000).catch((e: Error) => {
    throw new Error(`${e.message}\n${context()}`);
  });
  expect(await issuedSans(pem, pebble)).toEqual([name]);
  expect(new X509Certificate(pem).issuer).toContain('Pebble');
}

/** Every challenge row of the provider finished, its record removed; and no TXT value left at the name. */
async function expectAllCleanedUp(providerId: string, challengeName: string, count: number): Promise<void> {
  await eventually('every challenge finished with its record removed', async () => {
    const rows = await challengeRows(daemon, providerId);
    return rows.length >= count && rows.every((r) => r.recordState === 'removed' && ['VERIFIED', 'DELETED', 'FAILED', 'EXPIRED'].includes(r.status));
  }, 60_000).catch(async (e: Error) => {
    const rows = (await challengeRows(daemon, providerId)).map((r) => `${r.id} ${r.status} ${r.recordState} ${r.error ?? ''}`);
    throw new Error(`${e.message}\nrows:\n${rows.join('\n')}\n${context()}`);
  });
  const rows = await challengeRows(daemon, providerId);
  expect(rows.length).toBeGreaterThanOrEqual(count);
  for (const row of rows) {
    expect(['VERIFIED', 'DELETED'], `row ${row.id}: ${row.status} ${row.error ?? ''}`).toContain(row.status);
    expect(row.recordState).toBe('removed');
    expect(row.fqdn).toBe(challengeName);
  }
  expect(await leftovers(bind, challengeName)).toEqual({ txt: [], rcode: 'NXDOMAIN' });
}

beforeAll(async () => {
  // The Caddy users build without Docker: scripts/build-caddy.sh (docs/deployment.md, "Caddy without Docker"),
  // run by buildCaddyWithAcmeproxy; so this is that binary issuing through the daemon.
  const binary = await buildCaddyWithAcmeproxy();
  bind = await startBind({ zones: [ZONE], tsigKeys: [key] });
  pebble = await startPebble({ dnsServer: `${bind.host}:${bind.port}` });
  // Admin API only: the daemon creates the tls app itself.
  caddy = await startCaddy({ binary });
  far = dnsWebhook(bind, dnsWriter(bind, key));
  receiver = await startWebhookReceiver({ handler: far.handler });
  const port = await freePort();
  daemon = await startTestDaemon({
    jobs: true,
    env: {
      DNS01_PORT: String(port),
      DNS01_INTERNAL_URL: `http://127.0.0.1:${port}`,
      DNS01_CADDY_ADMIN_URL: caddy.adminUrl,
      DNS01_CADDY_SYNC_INTERVAL: '5s',
      DNS01_INTERNAL_TOKEN_ENABLED: 'false',
      DNS01_ACME_CA: pebble.directoryUrl,
      DNS01_ACME_TRUSTED_ROOTS: pebble.caCertPath,
      DNS01_ACME_EMAIL: 'ops@example.test',
      DNS01_DNS_RESOLVERS: `${bind.host}:${bind.port}`,
      DNS01_DNS_AUTH_PORT: String(bind.port),
    },
  });
}, 900_000);

/** Teardown step that cannot keep the later ones from running: each server is stopped even if one hangs. */
async function settle(what: string, stop: (() => Promise<void>) | undefined): Promise<void> {
  if (!stop) return;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([stop(), new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('did not stop in 20 s')), 20_000); })]);
  } catch (e) {
    console.error(`teardown: ${what}: ${(e as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}

afterAll(async () => {
  // Caddy first: it is the daemon's client, so no challenge call is in flight while the daemon drains.
  await settle('caddy', caddy && (() => caddy.stop()));
  await settle('daemon', daemon && (() => daemon.stop()));
  await settle('webhook receiver', receiver && (() => receiver.stop()));
  await settle('pebble', pebble && (() => pebble.stop()));
  await settle('bind', bind && (() => bind.stop()));
}, 150_000);

describe('Caddy obtains certificates through the daemon (policies written by the daemon, records by its providers)', () => {
  it(`rfc2136 provider (TSIG, proxied through the daemon): rfc.${ZONE}`, async () => {
    const name = `rfc.${ZONE}`;
    const providerId = await daemon.addProvider({
      name: 'rfc2136-bind',
      provider_type: 'rfc2136',
      credentials: rfc2136ProviderCredentials(bind, key, ZONE),
      settings: { caddy_mode: 'proxied', wait_for_propagation: true },
    });
    await addSite(providerId, [name]);
    await eventually('the rfc2136 policy in Caddy', async () => (await ownedPolicies()).some((p) => p['@id'] === `dns01-proxy-${providerId}`));
    const policy = (await ownedPolicies()).find((p) => p['@id'] === `dns01-proxy-${providerId}`)!;
    expect(policy.subjects).toEqual([name]);
    expect((policy.issuers[0] as { challenges: { dns: { provider: Record<string, unknown> } } }).challenges.dns.provider).toMatchObject({
      name: 'acmeproxy', endpoint: `${daemon.url}/internal/dns-challenge/providers/${providerId}`,
    });

    // Caddy manages only names something asks for: a site block would; here the tls app's `automate`
    // list does, set beside (not inside) the daemon's policies.
    const res = await caddyAdmin(caddy.adminUrl, '/config/apps/tls/certificates', { method: 'POST', body: { automate: [name] } });
    expect(res.status, res.text).toBe(200);

    await expectCertificate(name);
    await expectAllCleanedUp(providerId, `_acme-challenge.${name}`, 1);
  }, 240_000);

  it(`webhook provider: ${ZONE} + *.${ZONE} from Pebble, every record cleaned up`, async () => {
    const providerId = await daemon.addProvider({
      name: 'webhook-to-bind',
      provider_type: 'webhook',
      credentials: { create_url: receiver.url, auth_value: 'Bearer far-side-token', timeout_seconds: 10, max_retries: 0 },
      // The daemon answers `present` only once every authoritative server has the value: Caddy's check is off.
      settings: { wait_for_propagation: true },
    });
    await addSite(providerId, [ZONE, `*.${ZONE}`]);

    await eventually('the daemon\'s policy in Caddy', async () => (await ownedPolicies()).some((p) => p['@id'] === `dns01-proxy-${providerId}`));
    const policy = (await ownedPolicies()).find((p) => p['@id'] === `dns01-proxy-${providerId}`);
    expect(policy!.subjects).toEqual([`*.${ZONE}`, ZONE]);
    const dns = (policy!.issuers[0] as { challenges: { dns: Record<string, unknown> } }).challenges.dns;
    expect(dns).toMatchObject({ propagation_timeout: -1, resolvers: [`${bind.host}:${bind.port}`] });

    // Both names in one change (PATCH replaces the list): two values on _acme-challenge.example.test at once.
    const res = await caddyAdmin(caddy.adminUrl, '/config/apps/tls/certificates/automate', { method: 'PATCH', body: [`rfc.${ZONE}`, ZONE, `*.${ZONE}`] });
    expect(res.status, res.text).toBe(200);

    await expectCertificate(ZONE);
    await expectCertificate(`*.${ZONE}`);
    await expectAllCleanedUp(providerId, `_acme-challenge.${ZONE}`, 2);
    expect(far.created.length).toBeGreaterThanOrEqual(2);
    expect([...far.deleted].sort()).toEqual([...far.created].sort());

    // The operator's part of the tls app survived the daemon's syncs, and the daemon's part is exactly its own.
    await daemon.admin('/caddy/sync', { method: 'POST' });
    expect(await caddyGet(caddy.adminUrl, 'apps/tls/certificates')).toEqual({ automate: [`rfc.${ZONE}`, ZONE, `*.${ZONE}`] });
    const shown = await desired();
    expect(masked(await ownedPolicies(), [caddyToken(), key.secret])).toEqual(shown);
    expect(JSON.stringify(shown)).not.toContain(caddyToken());
  }, 240_000);

  it('Caddy holds a client token for exactly its sites\' names and providers: another name is refused', async () => {
    const token = caddyToken();
    expect(token).toMatch(/^dns01ct_/);
    expect(token).not.toBe(daemon.internalToken);
    const rows = (await daemon.api.clientTokens.list()).filter((t) => t.managed_by === 'caddy-sync');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ allowed_domains: [`*.${ZONE}`, ZONE, `rfc.${ZONE}`], state: 'active' });
    expect(rows[0]!.providers).toHaveLength(2);
    expect(JSON.stringify(rows)).not.toContain(token);

    const auth = { authorization: `Basic ${Buffer.from(`caddy:${token}`).toString('base64')}` };
    const outside = await daemon.internal(`/providers/${rows[0]!.providers![0]}/present`, { body: { fqdn: '_acme-challenge.elsewhere.test.', value: txtValue('outside') }, headers: auth });
    expect(outside.status).toBe(403);
    expect(await outside.json()).toMatchObject({ error: { code: 'CLIENT_DOMAIN_NOT_ALLOWED', details: { client_token: rows[0]!.name } } });
    // The shared token is refused, and the daemon's own token cannot be revoked through the API.
    const shared = await daemon.internal(`/providers/${rows[0]!.providers![0]}/present`, { body: { fqdn: `_acme-challenge.${ZONE}.`, value: txtValue('shared') } });
    expect(shared.status).toBe(401);
    const revoke = await daemon.admin(`/client-tokens/${rows[0]!.id}`, { method: 'DELETE' });
    expect(revoke.status).toBe(409);
    expect(JSON.stringify(await revoke.json())).not.toContain(token);
  });

  it('kept the tokens, the TSIG secret and the webhook auth value out of the daemon log', () => {
    const logs = daemon.logs();
    expect(logs).not.toContain(daemon.internalToken);
    expect(logs).not.toContain(caddyToken());
    expect(logs).not.toContain(key.secret);
    expect(logs).not.toContain('far-side-token');
  });
});
