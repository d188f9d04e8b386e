// Benchmark: create+delete pairs through the daemon's rfc2136 provider to real BIND vs the same signed UPDATE pair sent directly (the floor).
// Run: npx tsx test/bench/rfc2136.bench.ts [--runs=3] [--pairs=150] [--clients=8] [--seconds=6]
import { randomBytes } from 'node:crypto';
import { addTxtUpdate, deleteTxtUpdate } from '../../src/dns/update.js';
import { checkUpdateRcode, sendSigned } from '../../src/plugins/rfc2136/client.js';
import { rfc2136Credentials } from '../../src/plugins/rfc2136/credentials.js';
import { startBind } from '../support/dns-servers/index.js';
import {
  Breakdown, PG_MODES, acmeproxyPair, alternate, eachRunAndMode, line, loadAverage, option, printLoad, printSummary, record,
  startPgModes, summarise, sustained, value, type PgMode,
} from './lib.js';

const RUNS = option('runs', 3);
const PAIRS = option('pairs', 150);
const CLIENTS = option('clients', 8);
const SECONDS = option('seconds', 6);
const WARMUP = 20;
const ZONE = 'example.test';

async function main(): Promise<void> {
  console.log(`rfc2136.bench: node ${process.version}, ${RUNS} runs x 2 PostgreSQL modes, each: ${PAIRS} interleaved pairs each way, then ${CLIENTS} clients for ${SECONDS} s`
    + ` through the daemon and direct; load average ${loadAverage()}`);
  const key = { name: 'bench-key', algorithm: 'hmac-sha256' as const, secret: randomBytes(32).toString('base64') };
  const bind = await startBind({ zones: [ZONE], tsigKeys: [key] });
  const pgs = await startPgModes();
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
  const breakdowns = { tests: new Breakdown(), durable: new Breakdown() };
  const loadBreakdowns = { tests: new Breakdown(), durable: new Breakdown() };
  console.log(`BIND 9 on 127.0.0.1:${bind.port} (one worker thread), TSIG hmac-sha256; a fresh database and daemon per run and mode`);
  try {
    await eachRunAndMode(pgs, RUNS, CLIENTS, async ({ run, mode, tag, label, daemon }) => {
      const seqProvider = await daemon.addProvider(provider('bench-rfc2136'));
      for (let i = 0; i < WARMUP; i++) {
        await acmeproxyPair(daemon, seqProvider, `_acme-challenge.${tag}-dw${i}.${ZONE}`, value(`${tag}dw${i}`));
        await direct(`_acme-challenge.${tag}-fw${i}.${ZONE}`, value(`${tag}fw${i}`));
      }
      // Interleaved, alternating which goes first, so load from elsewhere on the machine hits both alike.
      const viaDaemon: number[] = [];
      const floor: number[] = [];
      for (let i = 0; i < PAIRS; i++) {
        const runDaemon = async () => {
          const t0 = performance.now();
          const timings = await acmeproxyPair(daemon, seqProvider, `_acme-challenge.${tag}-d${i}.${ZONE}`, value(`${tag}d${i}`));
          const t = performance.now() - t0;
          viaDaemon.push(t);
          breakdowns[mode].add(t, timings);
        };
        const runDirect = async () => {
          const t0 = performance.now();
          await direct(`_acme-challenge.${tag}-f${i}.${ZONE}`, value(`${tag}f${i}`));
          floor.push(performance.now() - t0);
        };
        if (i % 2) { await runDaemon(); await runDirect(); } else { await runDirect(); await runDaemon(); }
      }
      const d = summarise(viaDaemon);
      const f = summarise(floor);
      console.log(line('  daemon -> rfc2136 -> BIND pair', d));
      console.log(line('  direct signed UPDATE pair (floor)', f));
      console.log(`  ratio daemon/direct: median ${(d.median / f.median).toFixed(2)}x, p99 ${(d.p99 / f.p99).toFixed(2)}x; daemon adds ${(d.median - f.median).toFixed(2)} ms per pair at the median`);
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
          ? await sustained(daemon, CLIENTS, SECONDS, async (c, i) => {
            const t0 = performance.now();
            const timings = await acmeproxyPair(daemon, providers[c]!, `_acme-challenge.${tag}-c${c}-${i}.${ZONE}`, value(`${tag}c${c}-${i}`));
            loadBreakdowns[mode].add(performance.now() - t0, timings);
          })
          : await sustained(undefined, CLIENTS, SECONDS, (c, i) => direct(`_acme-challenge.${tag}-x${c}-${i}.${ZONE}`, value(`${tag}x${c}-${i}`)));
        printLoad(side === 'daemon' ? '  sustained through the daemon' : '  sustained direct to BIND', CLIENTS, load);
        rates[side] = load.pairs / load.seconds;
      }
      console.log(`  sustained ratio daemon/direct: ${(rates.daemon! / rates.direct!).toFixed(2)}x`);
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
    await pgs.stop();
    await bind.stop();
    console.log(`load average at end ${loadAverage()}`);
  }
}

await main();
