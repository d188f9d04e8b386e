// The rfc2136 module of the Caddy scripts/build-caddy.sh builds, alone: the daemon's native-mode rfc2136 policy
// (caddy-dns/rfc2136's field names, written by the builder) -> Caddy sends TSIG-signed updates straight to BIND ->
// Pebble validates against BIND and issues wildcard + apex; nothing is left at the challenge name.
import { X509Certificate } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTlsPolicies } from '../../src/caddy/builder.js';
import { CaddyAdminClient } from '../../src/caddy/admin-client.js';
import { CHALLENGE_NAME, ORDER, ZONE, issuedSans, leftovers, rfc2136ProviderCredentials, tsigKey } from '../support/acme-rig.js';
import { buildCaddyWithAcmeproxy, startCaddy, type RunningCaddy } from '../support/caddy.js';
import { startBind, type RunningDnsServer } from '../support/dns-servers/index.js';
import { startPebble, type Pebble } from '../support/pebble.js';
import { TOKEN, input, provider, site } from './fixtures.js';
import { eventually } from './helpers.js';

const key = tsigKey('caddy-native');
let bind: RunningDnsServer;
let pebble: Pebble;
let caddy: RunningCaddy;

/** Caddy's certificate file for one name (wildcards are stored as `wildcard_.zone`), or null. */
async function storedCert(name: string): Promise<string | null> {
  const file = `${name.replace(/^\*\./, 'wildcard_.')}.crt`;
  for (const entry of await readdir(join(caddy.workDir, 'data'), { withFileTypes: true, recursive: true }).catch(() => [])) {
    if (entry.isFile() && entry.name === file) return join(entry.parentPath, entry.name);
  }
  return null;
}

beforeAll(async () => {
  const binary = await buildCaddyWithAcmeproxy();
  bind = await startBind({ zones: [ZONE], tsigKeys: [key] });
  pebble = await startPebble({ dnsServer: `${bind.host}:${bind.port}` });
  caddy = await startCaddy({ binary });
}, 900_000);

afterAll(async () => {
  await caddy?.stop();
  await pebble?.stop();
  await bind?.stop();
});

describe('dns.providers.rfc2136 (caddy-dns/rfc2136 6096cd5 on libdns/rfc2136 v0.1.1)', () => {
  it(`issues ${ORDER.join(' + ')} from Pebble with the native-mode policy, updating BIND directly`, async () => {
    const { policies, skipped } = buildTlsPolicies(input(
      // Caddy's own propagation check would ask resolv.conf's servers (off this machine): off, and BIND for the SOA.
      [provider('p-native', 'rfc2136', rfc2136ProviderCredentials(bind, key, ZONE), {
        caddyMode: 'native', propagationTimeout: -1, resolvers: [`${bind.host}:${bind.port}`],
      })],
      [site('s1', 'p-native', ORDER)],
      { acmeCa: pebble.directoryUrl, acmeTrustedRootsPemFiles: [pebble.caCertPath] },
    ));
    expect(skipped).toEqual([]);
    const dns = (policies[0]!.issuers[0] as { challenges: { dns: { provider: Record<string, unknown> } } }).challenges.dns;
    expect(dns.provider).toEqual({
      name: 'rfc2136', key_name: key.name, key_alg: 'hmac-sha256', key: key.secret, server: `${bind.host}:${bind.port}`,
    });
    const client = new CaddyAdminClient(caddy.adminUrl, { timeoutMs: 10_000, secrets: () => [TOKEN, key.secret] });
    await client.replaceOwnedPolicies(policies);
    // Both names in one change: two values on the challenge name at once.
    await client.post('/config/apps/tls/certificates', { automate: ORDER });

    for (const name of ORDER) {
      await eventually(`Caddy's certificate for ${name}`, async () => (await storedCert(name)) !== null, 120_000)
        .catch((e: Error) => { throw new Error(`${e.message}\ncaddy:\n${caddy.output().slice(-6000)}`); });
      const pem = await readFile((await storedCert(name))!, 'utf8');
      expect(await issuedSans(pem, pebble)).toEqual([name]);
      expect(new X509Certificate(pem).issuer).toContain('Pebble');
    }
    // Caddy removes each value after its validation; the name ends up with no record at all.
    await eventually('no TXT value left at the challenge name', async () => (await leftovers(bind, CHALLENGE_NAME)).txt.length === 0, 30_000);
    expect(await leftovers(bind, CHALLENGE_NAME)).toEqual({ txt: [], rcode: 'NXDOMAIN' });
  }, 240_000);
});
