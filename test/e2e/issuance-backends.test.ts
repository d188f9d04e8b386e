// Acceptance: lego (httpreq) gets a wildcard + apex certificate from Pebble through the daemon's rfc2136 and script providers into real BIND, Knot and PowerDNS.
import { chmod, copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHALLENGE_NAME, ORDER, ZONE, dnsWriter, expectTwoCleanChallenges, issueWithLego, issuedSans, leftovers, legoFailure, rfc2136ProviderCredentials, tsigKey,
  type LegoMode,
} from '../support/acme-rig.js';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { startBind, startKnot, startPowerDns, type DnsServerOptions, type RunningDnsServer } from '../support/dns-servers/index.js';
import { startPebble, type Pebble } from '../support/pebble.js';

const NSUPDATE_SH = fileURLToPath(new URL('../../plugins/scripts/nsupdate.sh', import.meta.url));
const key = tsigKey('acme-update');
/** A value the operator put at the challenge name by hand: the daemon must neither replace nor remove it. */
const FOREIGN = 'operator-placed-value-not-from-the-daemon';

type Backend = 'bind' | 'knot' | 'powerdns';
const starters: Record<Backend, (o: DnsServerOptions) => Promise<RunningDnsServer>> = {
  bind: startBind, knot: startKnot, powerdns: startPowerDns,
};

interface Case {
  backend: Backend;
  provider: 'rfc2136' | 'script';
  modes: LegoMode[];
  /** Give the rfc2136 provider its zone, or let it find the zone by SOA walk. */
  zoneGiven?: boolean;
}

const CASES: Case[] = [
  { backend: 'bind', provider: 'rfc2136', modes: ['default', 'raw'] },
  { backend: 'knot', provider: 'rfc2136', modes: ['default', 'raw'], zoneGiven: true },
  { backend: 'powerdns', provider: 'rfc2136', modes: ['default', 'raw'], zoneGiven: true },
  { backend: 'bind', provider: 'script', modes: ['default', 'raw'] },
];

/** One authoritative server per backend, each with its own Pebble pointed straight at it (starting one costs well under a second). */
interface Stack {
  server: RunningDnsServer;
  pebble: Pebble;
}

describe('issuance through rfc2136 and script providers (lego httpreq -> daemon -> real DNS server, validated by Pebble)', () => {
  let root = '';
  let scriptsDir = '';
  let daemon: TestDaemon;
  const stacks = new Map<Backend, Stack>();

  beforeAll(async () => {
    // The scripts dir must be traversable by uid 65534 (scripts run as nobody under a root daemon) and not world-writable.
    root = await mkdtemp(join(tmpdir(), 'dns01-e2e-scripts-'));
    await chmod(root, 0o755);
    scriptsDir = join(root, 'scripts');
    await mkdir(scriptsDir, { mode: 0o755 });
    await copyFile(NSUPDATE_SH, join(scriptsDir, 'nsupdate.sh'));
    await chmod(join(scriptsDir, 'nsupdate.sh'), 0o755);
    daemon = await startTestDaemon({ db: 'postgres', env: { DNS01_SCRIPTS_DIR: scriptsDir } });
  });

  afterAll(async () => {
    await daemon?.stop();
    for (const s of stacks.values()) {
      await s.pebble.stop();
      await s.server.stop();
    }
    if (root) await rm(root, { recursive: true, force: true });
  });

  async function stackFor(backend: Backend): Promise<Stack> {
    let s = stacks.get(backend);
    if (!s) {
      const server = await starters[backend]({ zones: [ZONE], tsigKeys: [key] });
      try {
        s = { server, pebble: await startPebble({ dnsServer: `${server.host}:${server.port}` }) };
      } catch (err) {
        await server.stop();
        throw err;
      }
      stacks.set(backend, s);
    }
    return s;
  }

  function providerBody(c: Case, server: RunningDnsServer, mode: LegoMode): Record<string, unknown> {
    const name = `${c.provider}-${c.backend}-${mode}`;
    if (c.provider === 'rfc2136') {
      return { name, provider_type: 'rfc2136', credentials: rfc2136ProviderCredentials(server, key, c.zoneGiven ? ZONE : undefined) };
    }
    return {
      name,
      provider_type: 'script',
      credentials: {
        script_path: 'nsupdate.sh',
        arg_style: 'charon',
        allow_network: true, // nsupdate talks to the DNS server on loopback
        timeout_seconds: 20,
        env_vars: {
          NSUPDATE_SERVER: server.host,
          NSUPDATE_PORT: String(server.port),
          NSUPDATE_ZONE: ZONE,
          NSUPDATE_KEY: `${key.algorithm}:${key.name}:${key.secret}`,
          NSUPDATE_TIMEOUT: '10',
        },
      },
    };
  }

  for (const c of CASES) {
    for (const mode of c.modes) {
      it(`${c.provider} -> ${c.backend}, ${mode} mode: issues *.${ZONE} + ${ZONE}, no record left`, async () => {
        const { server, pebble } = await stackFor(c.backend);
        const providerId = await daemon.addProvider(providerBody(c, server, mode));
        const writer = dnsWriter(server, key);
        await writer.add(CHALLENGE_NAME, FOREIGN, 60);

        const result = await issueWithLego({ daemon, pebble, providerId, mode, dnsResolver: `${server.host}:${server.port}` });
        expect(result.code, legoFailure(result, daemon, server.output().slice(-2000))).toBe(0);
        expect(await issuedSans(result.certPem!, pebble)).toEqual([...ORDER].sort());

        await expectTwoCleanChallenges(daemon, providerId, CHALLENGE_NAME);
        // Only the daemon's own values were removed (class NONE deletes, not the RRset); then nothing is left.
        expect(await server.txt(CHALLENGE_NAME)).toEqual([FOREIGN]);
        await writer.remove(CHALLENGE_NAME, FOREIGN);
        expect(await leftovers(server)).toEqual({ txt: [], rcode: 'NXDOMAIN' });
      }, 150_000);
    }
  }

  it('left no _acme-challenge record in any zone of any backend', async () => {
    expect([...stacks.keys()].sort()).toEqual(['bind', 'knot', 'powerdns']);
    for (const [backend, s] of stacks) {
      expect({ backend, ...(await leftovers(s.server)) }).toEqual({ backend, txt: [], rcode: 'NXDOMAIN' });
    }
  });

  it('ran the script provider through nsupdate.sh for every create and delete, and never logged the key', () => {
    const runs = daemon.logs().split('\n').filter((l) => l.includes('"event":"script_run"') && l.includes('script finished'));
    expect(runs).toHaveLength(8); // 2 runs x (2 creates + 2 deletes)
    expect(runs.every((l) => l.includes('"exitCode":0'))).toBe(true);
    expect(daemon.logs()).not.toContain(key.secret);
  });
});
