// Shared parts of the benchmarks: the daemon as its own child process (so its RSS is its own), HTTP pairs, statistics.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { freePort } from '../support/ports.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Compiles src/ with the repo's tsc into a temp dir laid out like the repo (dist/, drizzle/, node_modules/,
 * package.json), so the daemon runs as `node dist/main.js` does in production: no tsx loader in its RSS.
 * Set BENCH_RUNNER=tsx to run src/main.ts through tsx instead.
 */
export function daemonCommand(): { args: string[]; runner: string; cleanup(): void } {
  if (process.env.BENCH_RUNNER === 'tsx') return { args: ['--import', 'tsx', join(REPO_ROOT, 'src/main.ts')], runner: 'tsx src/main.ts', cleanup: () => {} };
  const dir = mkdtempSync(join(tmpdir(), 'dns01-bench-build-'));
  try {
    execFileSync(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(REPO_ROOT, 'tsconfig.build.json'), '--outDir', join(dir, 'dist')],
      { cwd: REPO_ROOT, stdio: 'pipe' });
  } catch (err) {
    // tsc still emits when only types are wrong (someone mid-edit); only a missing main.js is fatal.
    if (!existsSync(join(dir, 'dist/main.js'))) throw new Error(`tsc failed: ${String((err as { stdout?: Buffer }).stdout ?? err)}`);
  }
  copyFileSync(join(REPO_ROOT, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
  symlinkSync(join(REPO_ROOT, 'drizzle'), join(dir, 'drizzle'));
  return { args: [join(dir, 'dist/main.js')], runner: 'node dist/main.js (tsc build)', cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface DaemonProcess {
  /** How the daemon was started. */
  runner: string;
  pid: number;
  url: string;
  internalToken: string;
  adminToken: string;
  /** Keep-alive connections to the daemon, `connections` wide. */
  pool: Pool;
  /** VmRSS of the daemon process (not of this one), in MiB. */
  rssMiB(): number;
  /** VmHWM (peak RSS since the process started) of the daemon process, in MiB. */
  hwmMiB(): number;
  addProvider(body: Record<string, unknown>): Promise<string>;
  logTail(): string;
  stop(): Promise<void>;
}

/** A field of /proc/PID/status (VmRSS, VmHWM) in MiB. */
function procStatusMiB(pid: number, field: string): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/**
 * The daemon as a child process, as an operator runs it (LOG_LEVEL info, logs to a file). Without
 * databaseUrl it runs on embedded PGlite in `dataDir` (kept on stop when given, so a restart reopens it).
 */
export async function startDaemonProcess(opts: { databaseUrl?: string; dataDir?: string; connections: number; env?: Record<string, string> }): Promise<DaemonProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'dns01-bench-daemon-'));
  const port = await freePort();
  const internalToken = randomBytes(24).toString('base64url');
  const adminToken = randomBytes(24).toString('base64url');
  const logPath = join(dir, 'daemon.log');
  const logFd = openSync(logPath, 'a');
  const cmd = daemonCommand();
  // e.g. BENCH_DAEMON_NODE_ARGS=--max-semi-space-size=16 to see V8's young generation's share of the RSS.
  const nodeArgs = (process.env.BENCH_DAEMON_NODE_ARGS ?? '').split(' ').filter(Boolean);
  if (nodeArgs.length) cmd.runner += ` with ${nodeArgs.join(' ')}`;
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, ...cmd.args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', logFd, logFd],
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
      DNS01_HOST: '127.0.0.1',
      DNS01_PORT: String(port),
      DNS01_DATA_DIR: opts.dataDir ?? dir,
      DNS01_INTERNAL_TOKEN: internalToken,
      DNS01_ADMIN_TOKEN: adminToken,
      // Fixed per data dir: a restart must decrypt what the first run stored.
      DNS01_ENCRYPTION_KEY: createHash('sha256').update(opts.dataDir ?? dir).digest('base64'),
      DNS01_ALLOW_PRIVATE_WEBHOOKS: 'true',
      LOG_LEVEL: 'info',
      ...opts.env,
    },
  });
  closeSync(logFd);
  const logTail = () => { try { return readFileSync(logPath, 'utf8').slice(-4000); } catch { return ''; } };
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => { clearTimeout(t); resolve(); });
        child.kill('SIGTERM');
      });
    }
    rmSync(dir, { recursive: true, force: true });
    cmd.cleanup();
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) { const tail = logTail(); await stop(); throw new Error(`daemon exited during start:\n${tail}`); }
    const ok = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) { const tail = logTail(); await stop(); throw new Error(`daemon not healthy after 60 s:\n${tail}`); }
    await sleep(100);
  }
  const pool = new Pool(url, { connections: opts.connections, pipelining: 1 });
  return {
    runner: cmd.runner, pid: child.pid!, url, internalToken, adminToken, pool, logTail,
    rssMiB: () => procStatusMiB(child.pid!, 'VmRSS'),
    hwmMiB: () => procStatusMiB(child.pid!, 'VmHWM'),
    addProvider: async (body) => {
      const res = await fetch(`${url}/api/v1/dns-providers`, {
        method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
      });
      const json = (await res.json()) as { provider?: { id: string } };
      if (res.status !== 201 || !json.provider) throw new Error(`addProvider: ${res.status} ${JSON.stringify(json)}`);
      return json.provider.id;
    },
    stop: async () => { await pool.close(); await stop(); },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One present + cleanup through the acmeproxy endpoints Caddy calls (as `password`, default the internal token); throws on any non-200 (429 says so). */
export async function acmeproxyPair(d: DaemonProcess, providerId: string, fqdn: string, value: string, password = d.internalToken): Promise<void> {
  const headers = { authorization: `Basic ${Buffer.from(`caddy:${password}`).toString('base64')}`, 'content-type': 'application/json' };
  const body = JSON.stringify({ fqdn, value });
  for (const step of ['present', 'cleanup']) {
    const res = await d.pool.request({ path: `/internal/dns-challenge/providers/${providerId}/${step}`, method: 'POST', headers, body });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new PairError(res.statusCode, `${step} ${fqdn}: HTTP ${res.statusCode} ${text.slice(0, 300)}`);
  }
}

export class PairError extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

/** A 43-character base64url value like ACME's, distinct per input. */
export function value(seed: string): string {
  return createHash('sha256').update(seed).digest('base64url');
}

export interface Summary { n: number; median: number; p95: number; p99: number; mean: number; min: number; max: number }

export function summarise(samples: number[]): Summary {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!;
  return { n: s.length, median: at(0.5), p95: at(0.95), p99: at(0.99), mean: s.reduce((a, b) => a + b, 0) / s.length, min: s[0]!, max: s[s.length - 1]! };
}

export const ms = (x: number) => `${x.toFixed(2)} ms`;

export function line(label: string, s: Summary): string {
  return `${label.padEnd(34)} n=${s.n}  median ${ms(s.median)}  p95 ${ms(s.p95)}  p99 ${ms(s.p99)}  min ${ms(s.min)}  max ${ms(s.max)}`;
}

export interface LoadResult { pairs: number; errors: number; rateLimited: number; seconds: number; latency: Summary; rssPeakMiB: number; rssEndMiB: number }

/**
 * C clients, each looping `pair(client, i)` with its own names until `seconds` pass; the daemon's RSS is
 * sampled every 250 ms meanwhile.
 */
export async function sustained(d: DaemonProcess, clients: number, seconds: number, pair: (client: number, i: number) => Promise<void>): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let rateLimited = 0;
  let firstError = '';
  let rssPeak = d.rssMiB();
  const sampler = setInterval(() => { rssPeak = Math.max(rssPeak, d.rssMiB()); }, 250);
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(Array.from({ length: clients }, async (_, c) => {
    for (let i = 0; performance.now() < end; i++) {
      const t0 = performance.now();
      try {
        await pair(c, i);
        latencies.push(performance.now() - t0);
      } catch (err) {
        if (err instanceof PairError && err.status === 429) rateLimited++; else errors++;
        firstError ||= (err as Error).message;
      }
    }
  }));
  const elapsed = (performance.now() - start) / 1000;
  clearInterval(sampler);
  const rssEnd = d.rssMiB();
  if (firstError) console.log(`  first error: ${firstError}`);
  return { pairs: latencies.length, errors, rateLimited, seconds: elapsed, latency: summarise(latencies), rssPeakMiB: Math.max(rssPeak, rssEnd), rssEndMiB: rssEnd };
}

export function printLoad(label: string, clients: number, r: LoadResult): void {
  console.log(`${label}: ${clients} clients for ${r.seconds.toFixed(1)} s: ${r.pairs} pairs = ${(r.pairs / r.seconds).toFixed(1)} pairs/s`
    + ` (${((2 * r.pairs) / r.seconds).toFixed(1)} requests/s), errors ${r.errors}, rate-limited ${r.rateLimited}`);
  console.log(line('  pair latency under load', r.latency));
  console.log(`  daemon RSS under load: peak ${r.rssPeakMiB.toFixed(1)} MiB, at end ${r.rssEndMiB.toFixed(1)} MiB`);
}

/** Reads an integer option from argv (`--name=value`) or env (`BENCH_NAME`), else the default. */
export function option(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  const raw = arg?.split('=')[1] ?? process.env[`BENCH_${name.toUpperCase().replace(/-/g, '_')}`];
  const n = raw === undefined ? NaN : Number(raw);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}
