// Benchmark: the daemon's memory (VmRSS, VmHWM) and start-up time to /ready, on PostgreSQL and on embedded PGlite, as the image runs it.
// Also an embedded first start as README.md runs it, `npm start` (npm, the launcher bin/dns01-proxy.mjs, the daemon it
// starts with the image's V8 flags): --npm-start-only=1 measures only that.
// Run: npx tsx test/bench/memory.bench.ts [--runs=3] [--mem-seconds=4] [--idle=5] [--npm-start-only=1]
// The figures set the memory requests/limits in deploy/ (docs/deployment.md, "Memory").
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createTestDatabase, startPostgres } from '../support/postgres.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';
import {
  acmeproxyPair, alternate, buildDaemon, busyTag, option, printSummary, procStatusMiB, quietMachine, record, sleep, startDaemonProcess, sustained, value,
  type DaemonProcess,
} from './lib.js';
import { freePort } from '../support/ports.js';

const RUNS = option('runs', 3);
/** Length of each load phase (8 clients, then 32). */
const SECONDS = option('mem-seconds', 4);
/** How long after /ready the idle RSS is read. */
const IDLE = option('idle', 5);
const CLIENT_COUNTS = [8, 32];
const NPM_START_ONLY = option('npm-start-only', 0) > 0;
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

/** Every process under `pid`, with its command line. */
function tree(pid: number): { pid: number; argv: string[] }[] {
  const children = (p: number) => {
    try {
      return readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  };
  const argv = (p: number) => readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').filter(Boolean);
  return [{ pid, argv: argv(pid) }, ...children(pid).flatMap((c) => tree(c))];
}

/**
 * `npm start` in the built package with an empty data directory, to /ready and 2 s on; then Ctrl-C (SIGINT to the
 * process group). The peak (VmHWM) of the daemon, of the launcher that started it, and of npm.
 */
async function npmStartFirstStart(): Promise<{ daemon: number; launcher: number; npm: number; readyMs: number; daemonArgv: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dns01-mem-npm-start-'));
  const port = await freePort();
  const t0 = performance.now();
  const npm = spawn('npm', ['start'], {
    cwd: buildDaemon(), detached: true, stdio: 'ignore',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), DNS01_HOST: '127.0.0.1', DNS01_PORT: String(port), DNS01_DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
  });
  const exited = new Promise((r) => npm.once('exit', r));
  try {
    for (;;) {
      if (npm.exitCode !== null) throw new Error(`npm start exited with ${npm.exitCode}`);
      const ok = await fetch(`http://127.0.0.1:${port}/ready`).then((r) => r.status === 200, () => false);
      if (ok) break;
      if (performance.now() - t0 > 120_000) throw new Error('npm start: not ready after 120 s');
      await sleep(50);
    }
    const readyMs = performance.now() - t0;
    await sleep(2000);
    const procs = tree(npm.pid!);
    // npm runs `sh -c 'node <V8 flags> bin/dns01-proxy.mjs'`: that node is the daemon. A launcher (the node above it)
    // appears only when the start script lacks the flags.
    const nodes = procs.filter((p) => basename(p.argv[0] ?? '') === 'node' && p.argv.some((a) => a.endsWith('dns01-proxy.mjs')));
    const daemon = nodes.at(-1);
    const launcher = nodes.length > 1 ? nodes[0] : undefined;
    return {
      daemon: daemon ? procStatusMiB(daemon.pid, 'VmHWM') : NaN, launcher: launcher ? procStatusMiB(launcher.pid, 'VmHWM') : 0,
      npm: procStatusMiB(npm.pid!, 'VmHWM'), readyMs, daemonArgv: daemon?.argv.slice(1).join(' ') ?? '?',
    };
  } finally {
    process.kill(-npm.pid!, 'SIGINT');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function npmStartRuns(): Promise<void> {
  if (!existsSync(join(buildDaemon(), 'bin/dns01-proxy.mjs'))) throw new Error('the build has no bin/dns01-proxy.mjs');
  for (let run = 0; run < RUNS; run++) {
    const r = await npmStartFirstStart();
    if (run === 0) console.log(`npm start runs: node ${r.daemonArgv}`);
    console.log(`run ${run + 1}, npm start, PGlite first start: /ready ${s(r.readyMs)}; VmHWM daemon ${f(r.daemon)}, launcher ${f(r.launcher)}, npm ${f(r.npm)};`
      + ` daemon + launcher ${f(r.daemon + r.launcher)}; with npm ${f(r.daemon + r.launcher + r.npm)}${busyTag()}`);
    record('mem.npm-start.first.daemon', r.daemon);
    record('mem.npm-start.first.daemon+launcher', r.daemon + r.launcher);
    record('mem.npm-start.first.npm', r.npm);
    record('mem.npm-start.first.with-npm', r.daemon + r.launcher + r.npm);
  }
}

async function main(): Promise<void> {
  const quiet = await quietMachine('memory.bench');
  if (NPM_START_ONLY) {
    console.log(`memory.bench: npm start only, node ${process.version}, ${RUNS} runs`);
    await npmStartRuns();
    printSummary(`memory.bench summary (${RUNS} runs)`);
    quiet.end();
    return;
  }
  console.log(`memory.bench: node ${process.version}, ${RUNS} runs, PostgreSQL and PGlite alternately, each a fresh process: idle ${IDLE} s after /ready,`
    + ` then ${CLIENT_COUNTS.join(' and ')} clients for ${SECONDS} s each`);
  const receiver = await startWebhookReceiver({ handler: (b: { action?: string; record_id?: string }) => ({ success: true, record_id: b.record_id ?? 'r' }) });
  const forget = setInterval(() => { receiver.calls.length = 0; }, 1000);
  const pg = await startPostgres();
  try {
    await npmStartRuns();
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
              console.log(`run ${run + 1}, PostgreSQL: /ready ${s(d.readyMs)} (empty database ${s(first.readyMs)}), idle ${f(idle)}; ${loaded}; VmHWM ${f(hwm)}${busyTag()}`);
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
              console.log(`run ${run + 1}, PGlite: ${firstLine}; restart /ready ${s(again.readyMs)}, idle ${f(idle)}, VmHWM ${f(hwm)}${busyTag()}`);
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
    quiet.end();
  }
}

await main();
