// Benchmark: the daemon's memory (VmRSS, VmHWM) and start-up time to /ready, on PostgreSQL and on embedded PGlite, as the image runs it.
// Run: npx tsx test/bench/memory.bench.ts [--runs=3] [--mem-seconds=4] [--idle=5]
// The figures set the memory requests/limits in deploy/ (docs/deployment.md, "Memory").
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, startPostgres } from '../support/postgres.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';
import {
  acmeproxyPair, alternate, loadAverage, option, printSummary, record, sleep, startDaemonProcess, sustained, value, type DaemonProcess,
} from './lib.js';

const RUNS = option('runs', 3);
/** Length of each load phase (8 clients, then 32). */
const SECONDS = option('mem-seconds', 4);
/** How long after /ready the idle RSS is read. */
const IDLE = option('idle', 5);
const CLIENT_COUNTS = [8, 32];
const f = (x: number) => `${x.toFixed(0)} MiB`;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** 8 then 32 clients of webhook pairs, one provider each; prints the sampled peak per phase, returns nothing: VmHWM has the peak. */
async function load(daemon: DaemonProcess, receiverUrl: string, tag: string): Promise<string> {
  const providers: string[] = [];
  for (let c = 0; c < Math.max(...CLIENT_COUNTS); c++) {
    providers.push(await daemon.addProvider({
      name: `mem-${tag}-${c}`,
      provider_type: 'webhook',
      credentials: { create_url: receiverUrl, timeout_seconds: 10, max_retries: 0 },
      settings: { rate_limit_per_minute: 10_000 },
    }));
  }
  const parts: string[] = [];
  for (const clients of CLIENT_COUNTS) {
    const r = await sustained(daemon, clients, SECONDS, (c, i) =>
      acmeproxyPair(daemon, providers[c]!, `_acme-challenge.c${c}-${i}.${tag}.mem.test`, value(`${tag}-${clients}-${c}-${i}`)));
    parts.push(`${clients} clients ${(r.pairs / r.seconds).toFixed(0)} pairs/s${r.errors ? ` (${r.errors} errors)` : ''} peak ${f(r.rssPeakMiB)}`);
  }
  return parts.join(', ');
}

async function main(): Promise<void> {
  console.log(`memory.bench: node ${process.version}, ${RUNS} runs, PostgreSQL and PGlite alternately, each a fresh process: idle ${IDLE} s after /ready,`
    + ` then ${CLIENT_COUNTS.join(' and ')} clients for ${SECONDS} s each; load average ${loadAverage()}`);
  const receiver = await startWebhookReceiver({ handler: (b: { action?: string; record_id?: string }) => ({ success: true, record_id: b.record_id ?? 'r' }) });
  const forget = setInterval(() => { receiver.calls.length = 0; }, 1000);
  const pg = await startPostgres();
  try {
    for (let run = 0; run < RUNS; run++) {
      for (const kind of alternate(['pg', 'pglite'] as const, run)) {
        const tag = `r${run}${kind}`;
        if (kind === 'pg') {
          // First start migrates an empty database; the figure is the start after that, as a pod restarts.
          const db = await createTestDatabase(pg.url);
          try {
            const first = await startDaemonProcess({ databaseUrl: db.url, connections: 32 });
            if (run === 0) console.log(`daemon: ${first.runner}`);
            await first.stop();
            const d = await startDaemonProcess({ databaseUrl: db.url, connections: 32 });
            try {
              await sleep(IDLE * 1000);
              const idle = d.rssMiB();
              const loaded = await load(d, receiver.url, tag);
              const hwm = d.hwmMiB();
              console.log(`run ${run + 1}, PostgreSQL: /ready ${s(d.readyMs)} (empty database ${s(first.readyMs)}), idle ${f(idle)}; ${loaded}; VmHWM ${f(hwm)}`);
              record('ready.pg', d.readyMs / 1000);
              record('ready.pg.first', first.readyMs / 1000);
              record('mem.pg.idle', idle);
              record('mem.pg.peak', hwm);
            } finally {
              await d.stop();
            }
          } finally {
            await db.drop();
          }
        } else {
          // First start (initdb into an empty dir) under load, then a restart on that dir: idle is the restarted process's.
          const dataDir = mkdtempSync(join(tmpdir(), 'dns01-mem-pglite-'));
          try {
            const first = await startDaemonProcess({ dataDir, connections: 32 });
            let firstLine: string;
            let firstHwm: number;
            try {
              await sleep(IDLE * 1000);
              const idleFirst = first.rssMiB();
              const loaded = await load(first, receiver.url, tag);
              firstHwm = first.hwmMiB();
              firstLine = `first start /ready ${s(first.readyMs)}, idle ${f(idleFirst)}; ${loaded}; VmHWM ${f(firstHwm)}`;
            } finally {
              await first.stop();
            }
            const again = await startDaemonProcess({ dataDir, connections: 32 });
            try {
              await sleep(IDLE * 1000);
              const idle = again.rssMiB();
              const hwm = again.hwmMiB();
              console.log(`run ${run + 1}, PGlite: ${firstLine}; restart /ready ${s(again.readyMs)}, idle ${f(idle)}, VmHWM ${f(hwm)}`);
              record('ready.pglite.restart', again.readyMs / 1000);
              record('ready.pglite.first', first.readyMs / 1000);
              record('mem.pglite.idle', idle);
              record('mem.pglite.peak', Math.max(firstHwm, hwm));
            } finally {
              await again.stop();
            }
          } finally {
            rmSync(dataDir, { recursive: true, force: true });
          }
        }
      }
    }
    printSummary(`memory.bench summary (${RUNS} runs)`);
  } catch (err) {
    console.error(`memory.bench failed: ${(err as Error).message}`);
    process.exitCode = 1;
  } finally {
    clearInterval(forget);
    await pg.stop();
    await receiver.stop();
    console.log(`load average at end ${loadAverage()}`);
  }
}

await main();
