// The conformance suite for the rfc2136 plugin against one real DNS server kind, once per TSIG algorithm.
import { randomBytes } from 'node:crypto';
import { afterAll } from 'vitest';
import { TSIG_ALGORITHMS, type TsigAlgorithm } from '../../src/dns/tsig.js';
import type { DnsServerOptions, RunningDnsServer, TestTsigKey } from '../support/dns-servers/index.js';
import { updateTxt } from './dns-webhook.js';
import { runConformance } from './suite.js';

/**
 * One server per file with a key for every algorithm, shared by the per-algorithm suites: starting a server
 * costs more than all four cases. `algorithms` defaults to all six (BIND 9.18, Knot 3.2 and PowerDNS 4.7 take
 * hmac-md5 through hmac-sha512).
 */
export function runRfc2136Conformance(label: string, start: (o: DnsServerOptions) => Promise<RunningDnsServer>, algorithms: readonly TsigAlgorithm[] = TSIG_ALGORITHMS): void {
  const zone = `${label.toLowerCase()}.rfc2136.test`;
  const keys: TestTsigKey[] = algorithms.map((algorithm) => ({ name: `acme-${algorithm}`, algorithm, secret: randomBytes(32).toString('base64') }));
  let server: Promise<RunningDnsServer> | undefined;
  const shared = () => (server ??= start({ zones: [zone], tsigKeys: keys }));
  afterAll(async () => {
    await (await server)?.stop();
  });

  for (const key of keys) {
    runConformance(`rfc2136 ${label} ${key.algorithm}`, async () => {
      const srv = await shared();
      const creds = { nameserver: srv.host, port: srv.port, tsig_key_name: key.name, tsig_key_secret: key.secret, tsig_algorithm: key.algorithm };
      return {
        server: srv,
        zone,
        providerBody: { provider_type: 'rfc2136', credentials: creds },
        // Same key name and algorithm, another secret: the server must reject the signature.
        wrongCredentialsBody: { provider_type: 'rfc2136', credentials: { ...creds, tsig_key_secret: randomBytes(32).toString('base64') } },
        expectedWrongCredentialsCode: 'TSIG_AUTH_FAILED',
        readTxt: (name) => srv.txt(name),
        addForeignRecord: (name, value) => updateTxt(srv, key, zone, 'add', name, value),
        teardown: async () => {},
      };
    });
  }
}
