// Benchmark: a TXT add+delete pair through the DNS UPDATE door (daemon -> rfc2136 provider -> BIND) against the same
// pair sent to BIND directly, interleaved in one loop, both signed and their signed replies verified (src/plugins/rfc2136).
// Run: npx tsx test/bench/dns-door.bench.ts [--pairs=150]
import { randomBytes } from 'node:crypto';
import { addTxtUpdate, deleteTxtUpdate } from '../../src/dns/update.js';
import { checkUpdateRcode, sendSigned } from '../../src/plugins/rfc2136/client.js';
import { rfc2136Credentials } from '../../src/plugins/rfc2136/credentials.js';
import { startBind } from '../support/dns-servers/index.js';
import { freeDnsPort } from '../support/ports.js';
import { startPostgres } from '../support/postgres.js';
import { line, loadAverage, option, sleep, startDaemonProcess, summarise, value } from './lib.js';

const PAIRS = option('pairs', 150);
const WARMUP = 20;
const ZONE = 'bench.test';

async function main(): Promise<void> {
  console.log(`dns-door.bench: node ${process.version}, ${PAIRS} pairs each way, interleaved; load average ${loadAverage()}`);
  const key = { name: 'bench-provider', algorithm: 'hmac-sha256' as const, secret: randomBytes(32).toString('base64') };
  const bind = await startBind({ zones: [ZONE], tsigKeys: [key] });
  const pg = await startPostgres();
  const doorPort = await freeDnsPort();
  const daemon = await startDaemonProcess({
    databaseUrl: pg.url, connections: 1,
    env: { DNS01_DNS_RESOLVERS: `${bind.host}:${bind.port}`, DNS01_DNS_AUTH_PORT: String(bind.port), DNS01_DNS_UPDATE_LISTEN: `127.0.0.1:${doorPort}`, DNS01_DNS_UPDATE_PER_SOURCE: '1000000', DNS01_DNS_UPDATE_PER_KEY: '1000000' },
  });
  try {
    await sleep(1000);
    const direct = rfc2136Credentials.parse({ nameserver: bind.host, port: bind.port, tsig_key_name: key.name, tsig_key_secret: key.secret, tsig_algorithm: key.algorithm, zone: ZONE });
    await daemon.addProvider({ name: 'bind', provider_type: 'rfc2136', is_default: true, credentials: direct, settings: { rate_limit_per_minute: 10_000 } });
    const res = await fetch(`${daemon.url}/api/v1/client-tokens`, {
      method: 'POST', headers: { authorization: `Bearer ${daemon.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench', allowed_domains: [`*.${ZONE}`], tsig_algorithm: 'hmac-sha256' }),
    });
    const { tsig_key: k } = (await res.json()) as { tsig_key: { name: string; secret: string } };
    const door = rfc2136Credentials.parse({ nameserver: '127.0.0.1', port: doorPort, tsig_key_name: k.name, tsig_key_secret: k.secret, tsig_algorithm: 'hmac-sha256', zone: ZONE });
    const pair = async (creds: typeof direct, fqdn: string, v: string) => {
      checkUpdateRcode(await sendSigned(creds, ZONE, addTxtUpdate(ZONE, fqdn, v, 60)), creds, ZONE);
      checkUpdateRcode(await sendSigned(creds, ZONE, deleteTxtUpdate(ZONE, fqdn, v)), creds, ZONE);
    };
    const ways = { 'BIND directly': direct, 'through the door': door };
    const samples: Record<string, number[]> = { 'BIND directly': [], 'through the door': [] };
    for (let i = 0; i < WARMUP + PAIRS; i++) {
      // Alternating, so drift in machine load falls on both alike.
      for (const [way, creds] of i % 2 ? Object.entries(ways).reverse() : Object.entries(ways)) {
        const t0 = performance.now();
        await pair(creds, `_acme-challenge.${way[0]}${i}.${ZONE}`, value(`${way}${i}`));
        if (i >= WARMUP) samples[way]!.push(performance.now() - t0);
      }
    }
    const d = summarise(samples['BIND directly']!);
    const t = summarise(samples['through the door']!);
    console.log(line('BIND directly', d));
    console.log(line('through the door', t));
    console.log(`ratio door/direct: median ${(t.median / d.median).toFixed(1)}x, p99 ${(t.p99 / d.p99).toFixed(1)}x`);
  } finally {
    await daemon.stop();
    await pg.stop();
    await bind.stop();
    console.log(`load average at end ${loadAverage()}`);
  }
}

await main();
