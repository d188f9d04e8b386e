// Benchmark: the daemon's memory (VmRSS, VmHWM) on PostgreSQL and on embedded PGlite (first start, restart), idle and under load.
// Run: npx tsx test/bench/memory.bench.ts [--clients=8] [--seconds=20]   (BENCH_DAEMON_NODE_ARGS=--max-semi-space-size=16 as in the image)
// The figures set the memory requests/limits in deploy/ (docs/deployment.md, "Memory").
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres } from '../support/postgres.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';
import { acmeproxyPair, option, sleep, startDaemonProcess, sustained, value, type DaemonProcess } from './lib.js';

const CLIENTS = option('clients', 8);
const SECONDS = option('seconds', 20);
const f = (x: number) => `${x.toFixed(0)} MiB`;

/** Idle RSS after start, RSS under load, peak (VmHWM over the whole life of the process). */
async function measure(label: string, daemon: DaemonProcess, receiverUrl: string, run: string): Promise<void> {
  const hwmAtStart = daemon.hwmMiB();
  await sleep(5000);
  const idle = daemon.rssMiB();
  const providers: string[] = [];
  for (let c = 0; c < CLIENTS; c++) {
    providers.push(await daemon.addProvider({
      name: `mem-${run}-${c}`,
      provider_type: 'webhook',
      credentials: { create_url: receiverUrl, timeout_seconds: 10, max_retries: 0 },
      settings: { rate_limit_per_minute: 10_000 },
    }));
  }
  const load = await sustained(daemon, CLIENTS, SECONDS, (c, i) =>
    acmeproxyPair(daemon, providers[c]!, `_acme-challenge.c${c}-${i}.${run}.mem.test`, value(`${run}-${c}-${i}`)));
  await sleep(5000);
  console.log(`${label.padEnd(28)} start peak ${f(hwmAtStart)}, idle ${f(idle)}, under load peak ${f(load.rssPeakMiB)}`
    + ` (${load.pairs} pairs, ${load.errors} errors), idle after ${f(daemon.rssMiB())}, VmHWM ${f(daemon.hwmMiB())}`);
}

async function main(): Promise<void> {
  console.log(`memory.bench: node ${process.version}, ${CLIENTS} clients for ${SECONDS} s; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const receiver = await startWebhookReceiver({ handler: (b: { action?: string; record_id?: string }) => ({ success: true, record_id: b.record_id ?? 'r' }) });
  const forget = setInterval(() => { receiver.calls.length = 0; }, 1000);
  const pg = await startPostgres();
  const dataDir = mkdtempSync(join(tmpdir(), 'dns01-mem-pglite-'));
  try {
    const onPg = await startDaemonProcess({ databaseUrl: pg.url, connections: CLIENTS });
    console.log(`daemon: ${onPg.runner}`);
    try { await measure('PostgreSQL 15', onPg, receiver.url, 'pg'); } finally { await onPg.stop(); }
    for (const [label, run] of [['PGlite, first start', 'first'], ['PGlite, restart', 'again']] as const) {
      const d = await startDaemonProcess({ dataDir, connections: CLIENTS });
      try { await measure(label, d, receiver.url, run); } finally { await d.stop(); }
    }
  } finally {
    clearInterval(forget);
    rmSync(dataDir, { recursive: true, force: true });
    await pg.stop();
    await receiver.stop();
  }
  console.log(`load average at end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

await main();
