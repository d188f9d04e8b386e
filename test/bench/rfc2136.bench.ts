// Benchmark: create+delete pairs through the daemon's rfc2136 provider to real BIND vs the same signed UPDATE pair sent directly (the floor).
// Run: npx tsx test/bench/rfc2136.bench.ts [--pairs=300] [--clients=8] [--seconds=10]
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { addTxtUpdate, deleteTxtUpdate } from '../../src/dns/update.js';
import { checkUpdateRcode, sendSigned } from '../../src/providers/rfc2136/client.js';
import { rfc2136Credentials } from '../../src/providers/rfc2136/credentials.js';
import { startBind } from '../support/dns-servers/index.js';
import { startPostgres } from '../support/postgres.js';
import { acmeproxyPair, line, option, printLoad, sleep, startDaemonProcess, summarise, sustained, value } from './lib.js';

const PAIRS = option('pairs', 300);
const CLIENTS = option('clients', 8);
const SECONDS = option('seconds', 10);
const WARMUP = 30;
const ZONE = 'example.test';

async function main(): Promise<void> {
  console.log(`rfc2136.bench: node ${process.version}, ${PAIRS} interleaved pairs each way, then ${CLIENTS} clients for ${SECONDS} s; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const key = { name: 'bench-key', algorithm: 'hmac-sha256' as const, secret: randomBytes(32).toString('base64') };
  const bind = await startBind({ zones: [ZONE], tsigKeys: [key] });
  const pg = await startPostgres();
  const daemon = await startDaemonProcess({ databaseUrl: pg.url, connections: CLIENTS });
  console.log(`daemon: ${daemon.runner}, pid ${daemon.pid}; BIND 9 on 127.0.0.1:${bind.port} (one worker thread), TSIG hmac-sha256`);
  const credentials = {
    nameserver: bind.host, port: bind.port, zone: ZONE,
    tsig_key_name: key.name, tsig_key_secret: key.secret, tsig_algorithm: key.algorithm,
  };
  const creds = rfc2136Credentials.parse(credentials);
  /** The floor: the two signed UPDATEs the provider sends, straight from this process (reply TSIG verified). */
  const direct = async (fqdn: string, v: string) => {
    checkUpdateRcode(await sendSigned(creds, ZONE, addTxtUpdate(ZONE, fqdn, v, 60)), creds, ZONE);
    checkUpdateRcode(await sendSigned(creds, ZONE, deleteTxtUpdate(ZONE, fqdn, v)), creds, ZONE);
  };
  const provider = (name: string) => ({ name, provider_type: 'rfc2136', credentials, settings: { rate_limit_per_minute: 10_000 } });
  try {
    const seqProvider = await daemon.addProvider(provider('bench-rfc2136'));
    for (let i = 0; i < WARMUP; i++) {
      await acmeproxyPair(daemon, seqProvider, `_acme-challenge.dw${i}.${ZONE}`, value(`dw${i}`));
      await direct(`_acme-challenge.fw${i}.${ZONE}`, value(`fw${i}`));
    }
    // Interleaved, alternating which goes first, so load from elsewhere on the machine hits both alike.
    const viaDaemon: number[] = [];
    const floor: number[] = [];
    for (let i = 0; i < PAIRS; i++) {
      const runDaemon = async () => {
        const t0 = performance.now();
        await acmeproxyPair(daemon, seqProvider, `_acme-challenge.d${i}.${ZONE}`, value(`d${i}`));
        viaDaemon.push(performance.now() - t0);
      };
      const runDirect = async () => {
        const t0 = performance.now();
        await direct(`_acme-challenge.f${i}.${ZONE}`, value(`f${i}`));
        floor.push(performance.now() - t0);
      };
      if (i % 2) { await runDaemon(); await runDirect(); } else { await runDirect(); await runDaemon(); }
    }
    const d = summarise(viaDaemon);
    const f = summarise(floor);
    console.log(line('daemon -> rfc2136 -> BIND pair', d));
    console.log(line('direct signed UPDATE pair (floor)', f));
    console.log(`ratio of medians daemon/direct: ${(d.median / f.median).toFixed(2)}x (daemon adds ${(d.median - f.median).toFixed(2)} ms per pair)`);

    // Sustained: C clients, distinct names, one provider each (each has its own 10 000 calls/min budget).
    const providers: string[] = [];
    for (let c = 0; c < CLIENTS; c++) providers.push(await daemon.addProvider(provider(`bench-rfc2136-load-${c}`)));
    await sleep(1000);
    const load = await sustained(daemon, CLIENTS, SECONDS, (c, i) =>
      acmeproxyPair(daemon, providers[c]!, `_acme-challenge.c${c}-${i}.${ZONE}`, value(`c${c}-${i}`)));
    printLoad('sustained through the daemon', CLIENTS, load);

    // The same concurrency straight to BIND, for scale.
    const t0 = performance.now();
    const end = t0 + SECONDS * 1000;
    let directPairs = 0;
    await Promise.all(Array.from({ length: CLIENTS }, async (_, c) => {
      for (let i = 0; performance.now() < end; i++) {
        await direct(`_acme-challenge.x${c}-${i}.${ZONE}`, value(`x${c}-${i}`));
        directPairs++;
      }
    }));
    const secs = (performance.now() - t0) / 1000;
    console.log(`sustained direct to BIND: ${CLIENTS} clients for ${secs.toFixed(1)} s: ${directPairs} pairs = ${(directPairs / secs).toFixed(1)} pairs/s`);

    const leftover = await bind.txt(`_acme-challenge.c0-0.${ZONE}`);
    if (leftover.length) throw new Error(`records left behind: ${leftover.join(', ')}`);
    console.log(`load average at end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } catch (err) {
    console.error(`rfc2136.bench failed: ${(err as Error).message}\ndaemon log tail:\n${daemon.logTail()}`);
    process.exitCode = 1;
  } finally {
    await daemon.stop();
    await pg.stop();
    await bind.stop();
  }
}

await main();
