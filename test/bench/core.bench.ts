// Benchmark: create+delete pair latency and sustained throughput through the daemon (HTTP, real PostgreSQL, webhook provider).
// Run: npx tsx test/bench/core.bench.ts [--runs=3] [--pairs=150] [--clients=8] [--seconds=6]
import { startWebhookReceiver } from '../support/webhook-receiver.js';
import {
  Breakdown, PG_MODES, acmeproxyPair, eachRunAndMode, line, loadAverage, option, printLoad, printSummary, record, startPgModes,
  summarise, sustained, value, type PgMode,
} from './lib.js';

const RUNS = option('runs', 3);
const PAIRS = option('pairs', 150);
const CLIENTS = option('clients', 8);
const SECONDS = option('seconds', 6);
const WARMUP = 20;

async function main(): Promise<void> {
  console.log(`core.bench: node ${process.version}, ${RUNS} runs x 2 PostgreSQL modes, each: ${PAIRS} sequential pairs, then ${CLIENTS} clients for ${SECONDS} s;`
    + ` load average ${loadAverage()}`);
  const pgs = await startPgModes();
  // The operator's endpoint: answers at once, so what is measured is the daemon (HTTP, Postgres, lock, plugin).
  let n = 0;
  const receiver = await startWebhookReceiver({
    handler: (body: { action?: string; record_id?: string }) => ({ success: true, record_id: body.action === 'create' ? `r${++n}` : body.record_id }),
  });
  // The receiver keeps every call it saw; the bench has no use for them.
  const forget = setInterval(() => { receiver.calls.length = 0; }, 1000);
  const webhook = (name: string) => ({
    name,
    provider_type: 'webhook',
    credentials: { create_url: receiver.url, timeout_seconds: 10, max_retries: 0 },
    // The default of 10 calls a minute would refuse almost all of this; 10 000 is the highest allowed.
    settings: { rate_limit_per_minute: 10_000 },
  });
  const breakdowns = { tests: new Breakdown(), durable: new Breakdown() };
  try {
    await eachRunAndMode(pgs, RUNS, CLIENTS, async ({ mode, tag, label, daemon }) => {
      // 1. Sequential pairs, one client: latency as Caddy sees it for one certificate.
      const seqProvider = await daemon.addProvider(webhook('bench-sequential'));
      for (let i = 0; i < WARMUP; i++) await acmeproxyPair(daemon, seqProvider, `_acme-challenge.w${i}.warm.bench.test`, value(`${tag}w${i}`));
      const samples: number[] = [];
      for (let i = 0; i < PAIRS; i++) {
        const t0 = performance.now();
        const timings = await acmeproxyPair(daemon, seqProvider, `_acme-challenge.s${i}.seq.bench.test`, value(`${tag}s${i}`));
        const t = performance.now() - t0;
        samples.push(t);
        breakdowns[mode].add(t, timings);
      }
      console.log(line('  sequential create+delete pair', summarise(samples)));

      // 2. Sustained load: C clients, distinct names (no lock contention), one provider each (10 000 calls/min budget each).
      const providers: string[] = [];
      for (let c = 0; c < CLIENTS; c++) providers.push(await daemon.addProvider(webhook(`bench-load-${c}`)));
      const load = await sustained(daemon, CLIENTS, SECONDS, (c, i) =>
        acmeproxyPair(daemon, providers[c]!, `_acme-challenge.c${c}-${i}.load.bench.test`, value(`${tag}c${c}-${i}`)));
      printLoad('  sustained', CLIENTS, load);
      record('core.pairs', load.pairs / load.seconds, label);
    });
    console.log('');
    for (const mode of Object.keys(PG_MODES) as PgMode[]) breakdowns[mode].print(`sequential webhook pairs, ${PG_MODES[mode]}`);
    console.log(`webhook creates answered: ${n}`);
    printSummary(`core.bench summary (${RUNS} runs)`);
  } catch (err) {
    console.error(`core.bench failed: ${(err as Error).message}`);
    process.exitCode = 1;
  } finally {
    clearInterval(forget);
    await receiver.stop();
    await pgs.stop();
    console.log(`load average at end ${loadAverage()}`);
  }
}

await main();
