// Benchmark: create+delete pairs through the daemon's rfc2136 provider to real BIND vs the same signed UPDATE pair sent directly (the floor).
// Both are sent from one load client, a process of its own (load-client.ts), the daemon's and the direct pairs interleaved.
// Run: npx tsx test/bench/rfc2136.bench.ts [--runs=3] [--pairs=150] [--clients=8] [--seconds=6] [--busy-ok]
import { randomBytes } from 'node:crypto';
import { startBind } from '../support/dns-servers/index.js';
import {
  Breakdown, PG_MODES, alternate, busyTag, eachRunAndMode, line, option, printLoad, printSummary, quietMachine, record,
  startLoadClient, startPgModes, summarise, type DaemonProcess, type PgMode, type Way,
} from './lib.js';

const RUNS = option('runs', 3);
const PAIRS = option('pairs', 150);
const CLIENTS = option('clients', 8);
const SECONDS = option('seconds', 6);
const WARMUP = 20;
const ZONE = 'example.test';

async function main(): Promise<void> {
  const quiet = await quietMachine('rfc2136.bench');
  console.log(`rfc2136.bench: node ${process.version}, ${RUNS} runs x 2 PostgreSQL modes, each: ${PAIRS} interleaved pairs each way, then ${CLIENTS} clients for ${SECONDS} s`
    + ' through the daemon and direct');
  const key = { name: 'bench-key', algorithm: 'hmac-sha256' as const, secret: randomBytes(32).toString('base64') };
  const bind = await startBind({ zones: [ZONE], tsigKeys: [key] });
  const pgs = await startPgModes();
  const credentials = {
    nameserver: bind.host, port: bind.port, zone: ZONE,
    tsig_key_name: key.name, tsig_key_secret: key.secret, tsig_algorithm: key.algorithm,
  };
  const client = await startLoadClient();
  /** The floor: the two signed UPDATEs the provider sends, straight from the load client (reply TSIG verified). */
  const direct = (name: string): Way => ({ kind: 'rfc2136', credentials, zone: ZONE, name });
  const viaDaemon = (daemon: DaemonProcess, providers: string[], name: string): Way => ({ kind: 'acmeproxy', url: daemon.url, password: daemon.internalToken, providers, name });
  const provider = (name: string) => ({ name, provider_type: 'rfc2136', credentials, settings: { rate_limit_per_minute: 10_000 } });
  const breakdowns = { tests: new Breakdown(), durable: new Breakdown() };
  const loadBreakdowns = { tests: new Breakdown(), durable: new Breakdown() };
  console.log(`BIND 9 on 127.0.0.1:${bind.port} (one worker thread), TSIG hmac-sha256; a fresh database and daemon per run and mode; load client pid ${client.pid}`);
  try {
    await eachRunAndMode(pgs, RUNS, CLIENTS, async ({ run, mode, tag, label, daemon }) => {
      const seqProvider = await daemon.addProvider(provider('bench-rfc2136'));
      // Interleaved in one loop of the load client, alternating which goes first, so load from elsewhere on the
      // machine hits both alike (the first WARMUP rounds not counted).
      const [floor, through] = await client.sequence(
        [direct(`_acme-challenge.${tag}-f{i}.${ZONE}`), viaDaemon(daemon, [seqProvider], `_acme-challenge.${tag}-d{i}.${ZONE}`)], WARMUP, PAIRS);
      const steps = new Breakdown();
      for (const s of through!) { breakdowns[mode].add(s.ms, s.timings!); steps.add(s.ms, s.timings!); }
      const d = summarise(through!.map((s) => s.ms));
      const f = summarise(floor!.map((s) => s.ms));
      console.log(line('  daemon -> rfc2136 -> BIND pair', d));
      console.log(line('  direct signed UPDATE pair (floor)', f));
      console.log(`  ${steps.steps('through the daemon')}`);
      console.log(`  ratio daemon/direct: median ${(d.median / f.median).toFixed(2)}x, p99 ${(d.p99 / f.p99).toFixed(2)}x; daemon adds ${(d.median - f.median).toFixed(2)} ms per pair at the median${busyTag()}`);
      record('rfc2136.ratio.median', d.median / f.median, label);
      record('rfc2136.ratio.p99', d.p99 / f.p99, label);
      record('rfc2136.adds', d.median - f.median, label);

      // Sustained: C clients, distinct names, one provider each (each has its own 10 000 calls/min budget); the
      // same concurrency straight to BIND right before or after, alternating.
      const providers: string[] = [];
      for (let c = 0; c < CLIENTS; c++) providers.push(await daemon.addProvider(provider(`bench-rfc2136-load-${c}`)));
      const rates: Record<string, number> = {};
      for (const side of alternate(['daemon', 'direct'] as const, run)) {
        const load = side === 'daemon'
          ? await client.sustained(daemon, viaDaemon(daemon, providers, `_acme-challenge.${tag}-c{c}-{i}.${ZONE}`), CLIENTS, SECONDS)
          : await client.sustained(undefined, direct(`_acme-challenge.${tag}-x{c}-{i}.${ZONE}`), CLIENTS, SECONDS);
        if (side === 'daemon') for (const s of load.samples) loadBreakdowns[mode].add(s.ms, s.timings!);
        printLoad(side === 'daemon' ? '  sustained through the daemon' : '  sustained direct to BIND', CLIENTS, load);
        rates[side] = load.pairs / load.seconds;
      }
      console.log(`  sustained ratio daemon/direct: ${(rates.daemon! / rates.direct!).toFixed(2)}x${busyTag()}`);
      record('rfc2136.sustained.ratio', rates.daemon! / rates.direct!, label);
      record('rfc2136.sustained.daemon', rates.daemon!, label);
      record('rfc2136.sustained.direct', rates.direct!, label);
      const leftover = await bind.txt(`_acme-challenge.${tag}-c0-0.${ZONE}`);
      if (leftover.length) throw new Error(`records left behind: ${leftover.join(', ')}`);
    });
    console.log('');
    for (const mode of Object.keys(PG_MODES) as PgMode[]) breakdowns[mode].print(`sequential pairs through the daemon, ${PG_MODES[mode]}`);
    for (const mode of Object.keys(PG_MODES) as PgMode[]) loadBreakdowns[mode].print(`${CLIENTS} clients through the daemon, ${PG_MODES[mode]}`);
    printSummary(`rfc2136.bench summary (${RUNS} runs)`);
  } catch (err) {
    console.error(`rfc2136.bench failed: ${(err as Error).message}`);
    process.exitCode = 1;
  } finally {
    await client.stop();
    await pgs.stop();
    await bind.stop();
    quiet.end();
  }
}

await main();
