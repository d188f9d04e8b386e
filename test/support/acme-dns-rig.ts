// The acme-dns end-to-end rig (test/e2e/acme-dns-*.test.ts): lego's acme-dns client against the daemon's acme-dns API,
// an rfc2136 provider writing the accounts' zone in BIND, Pebble judging through a recursive resolver.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHALLENGE_NAME, ZONE, tsigKey } from './acme-rig.js';
import { startTestDaemon, type TestDaemon } from './daemon.js';
import { startBind, type RunningDnsServer, type TestTsigKey } from './dns-servers/index.js';
import { buildLegoWithAcmeDns } from './lego.js';
import { startPebble, type Pebble } from './pebble.js';

/** DNS01_ACME_DNS_DOMAIN: the zone the accounts' names live in. */
export const ACME_DNS_ZONE = 'auth.acme-dns.test';

export interface AcmeDnsRig {
  /** Primary for ZONE and ACME_DNS_ZONE; unsigned updates from loopback stand in for a person editing ZONE. */
  bind: RunningDnsServer;
  /** Pebble's resolver. */
  resolver: RunningDnsServer;
  pebble: Pebble;
  daemon: TestDaemon;
  /** The TSIG key the daemon's provider writes ACME_DNS_ZONE with. */
  key: TestTsigKey;
  /** lego 4.9.1 with its acme-dns provider (test/lego/build-lego.sh). */
  lego: string;
  /** A temp dir, removed by stop(). */
  work: string;
  /** Creates `_acme-challenge.<ZONE>. CNAME <target>.` in BIND, as the user does once per account. */
  addCname(target: string): void;
  stop(): Promise<void>;
}

/** Starts everything; on a failure, stops what had started before throwing. */
export async function startAcmeDnsRig(name: string): Promise<AcmeDnsRig> {
  const started: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of started.reverse()) await s();
  };
  try {
    const lego = await buildLegoWithAcmeDns();
    const key = tsigKey(name);
    const bind = await startBind({ zones: [ZONE, ACME_DNS_ZONE], tsigKeys: [key], allowUnsignedLocal: true });
    started.push(() => bind.stop());
    // Like Let's Encrypt's, Pebble's resolver is a recursive one, which follows the CNAME into the other zone (an
    // authoritative-only server answers the CNAME alone). It forwards both zones, so nothing leaves loopback.
    const resolver = await startBind({
      zones: ['resolver.test'], tsigKeys: [],
      forwardZones: [ZONE, ACME_DNS_ZONE].map((zone) => ({ zone, server: { host: bind.host, port: bind.port } })),
    });
    started.push(() => resolver.stop());
    const pebble = await startPebble({ dnsServer: `${resolver.host}:${resolver.port}` });
    started.push(() => pebble.stop());
    const daemon = await startTestDaemon({ env: { DNS01_ACME_DNS_DOMAIN: ACME_DNS_ZONE } });
    started.push(() => daemon.stop());
    const work = await mkdtemp(join(tmpdir(), `dns01-${name}-`));
    started.push(() => rm(work, { recursive: true, force: true }));
    return {
      bind, resolver, pebble, daemon, key, lego, work, stop,
      addCname: (target) => {
        execFileSync('nsupdate', [], {
          input: `server 127.0.0.1 ${bind.port}\nzone ${ZONE}\nupdate add ${CHALLENGE_NAME}. 60 CNAME ${target}.\nsend\n`,
          timeout: 10_000,
        });
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
