// Benchmark: a TXT add+delete pair through the DNS UPDATE door (daemon -> rfc2136 provider -> BIND) against the same
// pair sent to BIND directly, interleaved in one loop, both signed and their signed replies verified (src/plugins/rfc2136).
// Both ways are sent from one load client, a process of its own (load-client.ts).
// Run: npx tsx test/bench/dns-door.bench.ts [--pairs=150] [--busy-ok]
import { randomBytes } from 'node:crypto';
import { startBind } from '../support/dns-servers/index.js';
import { freeDnsPort } from '../support/ports.js';
import { startPostgres } from '../support/postgres.js';
import { busyTag, line, option, quietMachine, sleep, startDaemonProcess, startLoadClient, summarise, type Way } from './lib.js';

const PAIRS = option('pairs', 150);
const WARMUP = 20;
const ZONE = 'bench.test';

async function main(): Promise<void> {
  const quiet = await quietMachine('dns-door.bench');
  console.log(`dns-door.bench: node ${process.version}, ${PAIRS} pairs each way, interleaved`);
  const key = { name: 'bench-provider', algorithm: 'hmac-sha256' as const, secret: randomBytes(32).toString('base64') };
  const bind = await startBind({ zones: [ZONE], tsigKeys: [key] });
  const pg = await startPostgres();
  const doorPort = await freeDnsPort();
  const client = await startLoadClient();
  const daemon = await startDaemonProcess({
    databaseUrl: pg.url, connections: 1,
    env: { DNS01_DNS_RESOLVERS: `${bind.host}:${bind.port}`, DNS01_DNS_AUTH_PORT: String(bind.port), DNS01_DNS_UPDATE_LISTEN: `127.0.0.1:${doorPort}`, DNS01_DNS_UPDATE_PER_SOURCE: '1000000', DNS01_DNS_UPDATE_PER_KEY: '1000000' },
  });
  try {
    await sleep(1000);
    const direct = { nameserver: bind.host, port: bind.port, tsig_key_name: key.name, tsig_key_secret: key.secret, tsig_algorithm: key.algorithm, zone: ZONE };
    await daemon.addProvider({ name: 'bind', provider_type: 'rfc2136', is_default: true, credentials: direct, settings: { rate_limit_per_minute: 10_000 } });
    const res = await fetch(`${daemon.url}/api/v1/client-tokens`, {
      method: 'POST', headers: { authorization: `Bearer ${daemon.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench', allowed_domains: [`*.${ZONE}`], tsig_algorithm: 'hmac-sha256' }),
    });
    const { tsig_key: k } = (await res.json()) as { tsig_key: { name: string; secret: string } };
    const door = { nameserver: '127.0.0.1', port: doorPort, tsig_key_name: k.name, tsig_key_secret: k.secret, tsig_algorithm: 'hmac-sha256', zone: ZONE };
    const way = (credentials: Record<string, unknown>, name: string): Way => ({ kind: 'rfc2136', credentials, zone: ZONE, name });
    // Interleaved in one loop of the load client, alternating which goes first, so drift in machine load falls on both alike.
    const [viaBind, viaDoor] = await client.sequence([way(direct, `_acme-challenge.B{i}.${ZONE}`), way(door, `_acme-challenge.t{i}.${ZONE}`)], WARMUP, PAIRS);
    const d = summarise(viaBind!.map((s) => s.ms));
    const t = summarise(viaDoor!.map((s) => s.ms));
    console.log(line('BIND directly', d));
    console.log(line('through the door', t));
    console.log(`ratio door/direct: median ${(t.median / d.median).toFixed(1)}x, p99 ${(t.p99 / d.p99).toFixed(1)}x${busyTag()}`);
  } finally {
    await client.stop();
    await daemon.stop();
    await pg.stop();
    await bind.stop();
    quiet.end();
  }
}

await main();
