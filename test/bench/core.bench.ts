// Benchmark: create+delete pair latency and sustained throughput through the daemon (HTTP, real PostgreSQL, webhook provider).
// The load generator and the webhook endpoint are processes of their own (load-client.ts, webhook-endpoint.ts).
// Run: npx tsx test/bench/core.bench.ts [--runs=3] [--pairs=150] [--clients=8] [--seconds=6] [--cpu-prof] [--busy-ok]
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type PgServer } from '../support/postgres.js';
import {
  Breakdown, PG_MODES, REPO_ROOT, buildDaemon, eachRunAndMode, line, option, printLoad, printSummary, printTopSelfTime, profileClockUs, quietMachine, record,
  startDaemonProcess, startLoadClient, startPgModes, startWebhookEndpoint, summarise, type DaemonProcess, type PgMode, type RemoteLoad, type Way,
} from './lib.js';

const RUNS = option('runs', 3);
const PAIRS = option('pairs', 150);
const CLIENTS = option('clients', 8);
const SECONDS = option('seconds', 6);
const CPU_PROF = process.argv.includes('--cpu-prof') || process.env.BENCH_CPU_PROF === '1';
const WARMUP = 20;

async function main(): Promise<void> {
  const quiet = await quietMachine('core.bench');
  console.log(`core.bench: node ${process.version}, ${RUNS} runs x 2 PostgreSQL modes, each: ${PAIRS} sequential pairs, then ${CLIENTS} clients for ${SECONDS} s`
    + `${CPU_PROF ? `; then per mode a daemon under --cpu-prof for ${CLIENTS} clients for ${SECONDS} s` : ''}`);
  const pgs = await startPgModes();
  // The operator's endpoint answers at once, so what is measured is the daemon (HTTP, Postgres, lock, plugin); it and
  // the clients are processes of their own, so neither shares an event loop with the other or with the bench.
  const endpoint = await startWebhookEndpoint();
  const client = await startLoadClient();
  console.log(`load client: pid ${client.pid}; webhook endpoint: pid ${endpoint.pid}, ${endpoint.url}`);
  const webhook = (name: string) => ({
    name,
    provider_type: 'webhook',
    credentials: { create_url: endpoint.url, timeout_seconds: 10, max_retries: 0 },
    // The default of 10 calls a minute would refuse almost all of this; 10 000 is the highest allowed.
    settings: { rate_limit_per_minute: 10_000 },
  });
  const acmeproxy = (daemon: DaemonProcess, providers: string[], name: string): Way => ({ kind: 'acmeproxy', url: daemon.url, password: daemon.internalToken, providers, name });
  /**
   * Sustained load: C clients, distinct names (no lock contention), one provider each (10 000 calls/min budget each);
   * `window` is when the phase ran, on the clock of CPU profiles.
   */
  const load = async (daemon: DaemonProcess, tag: string): Promise<RemoteLoad & { window: [number, number] }> => {
    const providers: string[] = [];
    for (let c = 0; c < CLIENTS; c++) providers.push(await daemon.addProvider(webhook(`bench-load-${c}`)));
    const from = profileClockUs();
    const r = await client.sustained(daemon, acmeproxy(daemon, providers, `_acme-challenge.${tag}c{c}-{i}.load.bench.test`), CLIENTS, SECONDS);
    return { ...r, window: [from, profileClockUs()] };
  };
  const breakdowns = { tests: new Breakdown(), durable: new Breakdown() };
  try {
    await eachRunAndMode(pgs, RUNS, CLIENTS, async ({ mode, tag, label, daemon }) => {
      // 1. Sequential pairs, one client: latency as Caddy sees it for one certificate (the first WARMUP not counted).
      const seqProvider = await daemon.addProvider(webhook('bench-sequential'));
      const [seq] = await client.sequence([acmeproxy(daemon, [seqProvider], `_acme-challenge.${tag}s{i}.seq.bench.test`)], WARMUP, PAIRS);
      const run = new Breakdown();
      for (const s of seq!) { breakdowns[mode].add(s.ms, s.timings!); run.add(s.ms, s.timings!); }
      console.log(line('  sequential create+delete pair', summarise(seq!.map((s) => s.ms))));
      console.log(`  ${run.steps('sequential')}`);

      // 2. Sustained load.
      const r = await load(daemon, tag);
      printLoad('  sustained', CLIENTS, r);
      record('core.pairs', r.pairs / r.seconds, label);
    });
    console.log('');
    for (const mode of Object.keys(PG_MODES) as PgMode[]) breakdowns[mode].print(`sequential webhook pairs, ${PG_MODES[mode]}`);
    for (const mode of Object.keys(PG_MODES) as PgMode[]) console.log(breakdowns[mode].steps(`sequential, ${PG_MODES[mode]}, all runs`));
    // The profiled daemon is warmed as the measured ones are (WARMUP sequential pairs) before its phase.
    const warm = async (daemon: DaemonProcess) => client.sequence([acmeproxy(daemon, [await daemon.addProvider(webhook('bench-warm'))], '_acme-challenge.w{i}.warm.bench.test')], WARMUP, 0);
    if (CPU_PROF) await profiles(pgs, warm, load);
    console.log(`webhook creates answered: ${await endpoint.creates()}`);
    printSummary(`core.bench summary (${RUNS} runs)`);
  } catch (err) {
    console.error(`core.bench failed: ${(err as Error).message}`);
    process.exitCode = 1;
  } finally {
    await client.stop();
    await endpoint.stop();
    await pgs.stop();
    quiet.end();
  }
}

/**
 * `--cpu-prof`: per PostgreSQL mode, a fresh daemon started with `--cpu-prof` serves the sustained phase, then stops;
 * V8 writes the profile as it exits, and the top ten self-time entries of the samples taken during the phase (not
 * the start-up, the warm-up or the provider set-up) are printed.
 */
async function profiles(pgs: Record<PgMode, PgServer>, warm: (d: DaemonProcess) => Promise<unknown>, load: (d: DaemonProcess, tag: string) => Promise<RemoteLoad & { window: [number, number] }>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dns01-bench-cpuprof-'));
  console.log(`\nCPU profiles of the daemon under ${CLIENTS} clients for ${SECONDS} s (webhook), kept in ${dir}`);
  for (const mode of Object.keys(PG_MODES) as PgMode[]) {
    const profDir = join(dir, mode);
    const db = await createTestDatabase(pgs[mode].url);
    const daemon = await startDaemonProcess({ databaseUrl: db.url, connections: CLIENTS, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profDir}`] });
    let window: [number, number] | undefined;
    try {
      await warm(daemon);
      const r = await load(daemon, `p${mode[0]}`);
      window = r.window;
      printLoad(`  profiled, ${PG_MODES[mode]}`, CLIENTS, r);
    } finally {
      await daemon.stop();
      await db.drop();
    }
    const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) { console.log(`  ${PG_MODES[mode]}: the daemon wrote no .cpuprofile (did it exit cleanly?)`); continue; }
    printTopSelfTime(`  ${PG_MODES[mode]}, the ${SECONDS} s under load`, join(profDir, file), process.env.BENCH_RUNNER === 'tsx' ? REPO_ROOT : `${buildDaemon()}/`, window);
  }
}

await main();
