// Shared parts of the benchmarks: the daemon as its own child process (so its RSS is its own), the load client and webhook
// endpoint as processes of their own, HTTP pairs, statistics; the quiet-machine rule (machine.ts) and CPU profiles (cpu-profile.ts).
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { startBind } from '../support/dns-servers/index.js';
import { freePort } from '../support/ports.js';
import { createTestDatabase, startPostgres, type PgServer } from '../support/postgres.js';
import { busyTag, isBusyRun, loadAtStart } from './machine.js';

export * from './machine.js';
export * from './cpu-profile.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The tsc build shared by every daemon of this process (or of `npm run bench`, which builds once: BENCH_BUILD_DIR). */
let build: string | undefined;

/**
 * Compiles src/ with the repo's tsc into a temp dir laid out like the image's /app (dist/, drizzle/, node_modules/,
 * package.json), so the daemon runs as `node dist/main.js` does in production: no tsx loader in its RSS.
 */
export function buildDaemon(): string {
  if (process.env.BENCH_BUILD_DIR) return process.env.BENCH_BUILD_DIR;
  if (build) return build;
  const dir = mkdtempSync(join(tmpdir(), 'dns01-bench-build-'));
  try {
    execFileSync(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(REPO_ROOT, 'tsconfig.build.json'), '--outDir', join(dir, 'dist')],
      { cwd: REPO_ROOT, stdio: 'pipe' });
  } catch (err) {
    // tsc still emits when only types are wrong (someone mid-edit); only a missing main.js is fatal.
    if (!existsSync(join(dir, 'dist/main.js'))) throw new Error(`tsc failed: ${String((err as { stdout?: Buffer }).stdout ?? err)}`);
  }
  // As `npm run build` does: dist/main.js bundled into one file, and the initdb'd template an embedded first start unpacks.
  execFileSync(process.execPath, [join(REPO_ROOT, 'bin/bundle-daemon.mjs'), join(dir, 'dist/main.js')], { cwd: REPO_ROOT, stdio: 'pipe' });
  execFileSync(process.execPath, [join(REPO_ROOT, 'bin/build-pglite-template.mjs'), join(dir, 'dist/pglite-template.tar.gz')], { cwd: REPO_ROOT, stdio: 'pipe' });
  copyFileSync(join(REPO_ROOT, 'package.json'), join(dir, 'package.json'));
  // The launcher too, for `npm start` (memory.bench.ts): it finds dist/ beside its own folder.
  mkdirSync(join(dir, 'bin'));
  for (const f of ['dns01-proxy.mjs', 'require-node24.mjs']) copyFileSync(join(REPO_ROOT, 'bin', f), join(dir, 'bin', f));
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
  symlinkSync(join(REPO_ROOT, 'drizzle'), join(dir, 'drizzle'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return (build = dir);
}

/**
 * How the image starts the daemon, read from the Dockerfile's last stage each time (so the bench follows what is
 * written there): the `node` flags of its CMD and its ENV (NODE_OPTIONS, NODE_ENV, ...), PATH and HOME aside.
 */
export function imageRuntime(dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8')): { nodeArgs: string[]; args: string[]; env: Record<string, string> } {
  const lines = dockerfile.split('\n').filter((l) => !/^\s*#/.test(l))
    .join('\n').replace(/\\\n/g, ' ').split('\n').map((l) => l.trim());
  const stage = lines.slice(lines.findLastIndex((l) => /^FROM\s/i.test(l)));
  const env: Record<string, string> = {};
  for (const l of stage) {
    const m = /^ENV\s+(.*)$/i.exec(l);
    if (!m) continue;
    if (!/^\S+=/.test(m[1]!)) { const [k, ...v] = m[1]!.split(/\s+/); env[k!] = v.join(' '); continue; }
    for (const kv of m[1]!.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("([^"]*)"|'([^']*)'|(\S*))/g)) env[kv[1]!] = kv[3] ?? kv[4] ?? kv[5] ?? '';
  }
  delete env.PATH;
  delete env.HOME;
  const cmd = stage.findLast((l) => /^CMD\s+\[/i.test(l));
  if (!cmd) throw new Error('Dockerfile: no exec-form CMD in the last stage');
  const argv = JSON.parse(cmd.replace(/^CMD\s+/i, '')) as string[];
  const main = argv.indexOf('dist/main.js');
  if (argv[0] !== 'node' || main < 0) throw new Error(`Dockerfile: expected CMD ["node", ..., "dist/main.js"], found ${cmd}`);
  return { nodeArgs: argv.slice(1, main), args: argv.slice(main + 1), env };
}

/**
 * The daemon's command line: the image's `node` flags and ENV around dist/main.js of the build. BENCH_DAEMON_NODE_ARGS
 * replaces the image's flags (to try others); BENCH_RUNNER=tsx runs src/main.ts through tsx instead of the build.
 */
export function daemonCommand(): { argv: string[]; env: Record<string, string>; cwd: string; runner: string } {
  const image = imageRuntime();
  const nodeArgs = process.env.BENCH_DAEMON_NODE_ARGS !== undefined ? process.env.BENCH_DAEMON_NODE_ARGS.split(' ').filter(Boolean) : image.nodeArgs;
  const envText = Object.entries(image.env).filter(([k]) => k.startsWith('NODE') || k.startsWith('UV_')).map(([k, v]) => `${k}=${v}`).join(' ');
  if (process.env.BENCH_RUNNER === 'tsx') {
    return { argv: [...nodeArgs, '--import', 'tsx', join(REPO_ROOT, 'src/main.ts')], env: image.env, cwd: REPO_ROOT, runner: `${envText} node ${nodeArgs.join(' ')} --import tsx src/main.ts` };
  }
  const dir = buildDaemon();
  return { argv: [...nodeArgs, join(dir, 'dist/main.js'), ...image.args], env: image.env, cwd: dir, runner: `${envText} node ${[...nodeArgs, 'dist/main.js', ...image.args].join(' ')} (tsc build, flags and ENV from the Dockerfile)`.trim() };
}

export interface DaemonProcess {
  /** How the daemon was started. */
  runner: string;
  pid: number;
  url: string;
  internalToken: string;
  adminToken: string;
  /** From spawn to the first 200 of GET /ready, in ms (polled every 10 ms). */
  readyMs: number;
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
export function procStatusMiB(pid: number, field: string): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/**
 * The daemon as a child process, as the image runs it (see daemonCommand; LOG_LEVEL info, logs to a file,
 * DNS01_SERVER_TIMING on). Without databaseUrl it runs on embedded PGlite in `dataDir` (kept on stop when given,
 * so a restart reopens it). The encryption key follows the data dir or database, so a restart reads what was stored.
 */
/** The zones the benches' webhook names live in (rfc2136 names its zone in the provider). */
const BENCH_ZONES = ['bench.test', 'mem.test'];

export async function startDaemonProcess(opts: {
  databaseUrl?: string; dataDir?: string; connections: number; env?: Record<string, string>;
  /** `node` flags before the image's (e.g. `--cpu-prof`). */
  nodeArgs?: string[];
}): Promise<DaemonProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'dns01-bench-daemon-'));
  const port = await freePort();
  const internalToken = randomBytes(24).toString('base64url');
  const adminToken = randomBytes(24).toString('base64url');
  const logPath = join(dir, 'daemon.log');
  const logFd = openSync(logPath, 'a');
  const cmd = daemonCommand();
  // The daemon finds each webhook challenge's zone through its resolvers: a local BIND serving the benches' zones,
  // as an operator's own resolver would, instead of this machine's (a remote resolver that loses some answers).
  const dns = opts.env?.DNS01_DNS_RESOLVERS ? undefined : await startBind({ zones: BENCH_ZONES, tsigKeys: [] });
  const t0 = performance.now();
  const child: ChildProcess = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...cmd.argv], {
    cwd: cmd.cwd,
    stdio: ['ignore', logFd, logFd],
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      ...cmd.env,
      ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
      DNS01_HOST: '127.0.0.1',
      DNS01_PORT: String(port),
      DNS01_DATA_DIR: opts.dataDir ?? dir,
      DNS01_INTERNAL_TOKEN: internalToken,
      DNS01_ADMIN_TOKEN: adminToken,
      DNS01_ENCRYPTION_KEY: createHash('sha256').update(opts.dataDir ?? opts.databaseUrl ?? dir).digest('base64'),
      DNS01_ALLOW_PRIVATE_WEBHOOKS: 'true',
      DNS01_SERVER_TIMING: 'true',
      LOG_LEVEL: 'info',
      ...(dns ? { DNS01_DNS_RESOLVERS: `${dns.host}:${dns.port}` } : {}),
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
    await dns?.stop();
  };
  const deadline = Date.now() + 120_000;
  let readyMs: number;
  for (;;) {
    if (child.exitCode !== null) { const tail = logTail(); await stop(); throw new Error(`daemon exited during start:\n${tail}`); }
    const ok = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(5000) }).then(async (r) => { await r.body?.cancel(); return r.status === 200; }, () => false);
    if (ok) { readyMs = performance.now() - t0; break; }
    if (Date.now() > deadline) { const tail = logTail(); await stop(); throw new Error(`daemon not ready after 120 s:\n${tail}`); }
    await sleep(10);
  }
  const pool = new Pool(url, { connections: opts.connections, pipelining: 1, headersTimeout: 30_000, bodyTimeout: 30_000 });
  return {
    runner: cmd.runner, pid: child.pid!, url, internalToken, adminToken, readyMs, pool, logTail,
    rssMiB: () => procStatusMiB(child.pid!, 'VmRSS'),
    hwmMiB: () => procStatusMiB(child.pid!, 'VmHWM'),
    addProvider: async (body) => {
      const res = await fetch(`${url}/api/v1/dns-providers`, {
        method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
      const json = (await res.json()) as { provider?: { id: string } };
      if (res.status !== 201 || !json.provider) throw new Error(`addProvider: ${res.status} ${JSON.stringify(json)}`);
      return json.provider.id;
    },
    stop: async () => { await pool.close(); await stop(); },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `Server-Timing` entries of one response, name -> ms (repeated names summed); undefined without the header. */
export type Timing = Record<string, number> | undefined;

/** Any `name;dur=X` entries of a Server-Timing header (RFC-style list; other parameters ignored). */
export function parseServerTiming(header: string | string[] | undefined): Timing {
  if (header === undefined) return undefined;
  const out: Record<string, number> = {};
  for (const entry of [header].flat().join(',').split(',')) {
    const [name, ...params] = entry.split(';').map((p) => p.trim());
    if (!name) continue;
    const dur = params.map((p) => /^dur=(.+)$/i.exec(p)?.[1]).find((d) => d !== undefined);
    out[name] = (out[name] ?? 0) + (dur === undefined ? 0 : Number(dur.replace(/^"|"$/g, '')) || 0);
  }
  return out;
}

/**
 * One present + cleanup through the acmeproxy endpoints Caddy calls (as `password`, default the internal token);
 * throws on any non-200 (429 says so). Returns the Server-Timing of both responses.
 */
export async function acmeproxyPair(d: Pick<DaemonProcess, 'pool' | 'internalToken'>, providerId: string, fqdn: string, value: string, password = d.internalToken): Promise<[Timing, Timing]> {
  const headers = { authorization: `Basic ${Buffer.from(`caddy:${password}`).toString('base64')}`, 'content-type': 'application/json' };
  const body = JSON.stringify({ fqdn, value });
  const timings: Timing[] = [];
  for (const step of ['present', 'cleanup']) {
    const res = await d.pool.request({ path: `/internal/dns-challenge/providers/${providerId}/${step}`, method: 'POST', headers, body });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new PairError(res.statusCode, `${step} ${fqdn}: HTTP ${res.statusCode} ${text.slice(0, 300)}`);
    timings.push(parseServerTiming(res.headers['server-timing']));
  }
  return timings as [Timing, Timing];
}

/**
 * Where a pair's time goes: each Server-Timing phase summed over present and cleanup, per pair, plus `http` =
 * the pair as the client saw it minus the two responses' `total` (their sum of phases when there is no `total`).
 */
export class Breakdown {
  /** Per timed pair: phase -> ms, present and cleanup summed; a phase missing from a pair counts 0 there. */
  private readonly timed: Record<string, number>[] = [];
  private readonly pair: number[] = [];
  private readonly http: number[] = [];
  private without = 0;

  add(pairMs: number, timings: [Timing, Timing]): void {
    this.pair.push(pairMs);
    if (!timings[0] || !timings[1]) { this.without++; return; }
    const sum: Record<string, number> = {};
    let totals = 0;
    for (const t of timings) {
      for (const [name, dur] of Object.entries(t!)) sum[name] = (sum[name] ?? 0) + dur;
      totals += t!.total ?? Object.values(t!).reduce((a, b) => a + b, 0);
    }
    this.timed.push(sum);
    this.http.push(pairMs - totals);
  }

  /** Per step (each Server-Timing name but `total`, then `http`), its median ms per pair, largest first; empty without timings. */
  medians(): [string, number][] {
    if (!this.timed.length) return [];
    const steps = [...new Set(this.timed.flatMap((t) => Object.keys(t)))].filter((n) => n !== 'total')
      .map((name): [string, number] => [name, summarise(this.timed.map((t) => t[name] ?? 0)).median]);
    return [...steps, ['http', summarise(this.http).median] as [string, number]].sort((a, b) => b[1] - a[1]);
  }

  /** One line: `label: pair median X ms; steps (median ms per pair): http 1.08, db 1.06, ...`, for a before/after table. */
  steps(label: string): string {
    if (!this.pair.length) return `${label}: no pairs`;
    const m = this.medians();
    return `${label}: pair median ${summarise(this.pair).median.toFixed(2)} ms; steps (median ms per pair): `
      + `${m.length ? m.map(([n, v]) => `${n} ${v.toFixed(2)}`).join(', ') : 'no Server-Timing from the daemon'}${busyTag()}`;
  }

  print(label: string): void {
    console.log(`${label}: where a pair's time goes (present + cleanup, ms per pair), ${this.pair.length} pairs${busyTag()}`);
    if (!this.timed.length) { console.log('  no Server-Timing from the daemon'); return; }
    const row = (name: string, xs: number[]) => { const s = summarise(xs); console.log(`  ${name.padEnd(14)} median ${s.median.toFixed(3).padStart(8)}  p95 ${s.p95.toFixed(3).padStart(8)}`); };
    row('pair (client)', this.pair);
    for (const name of new Set(this.timed.flatMap((t) => Object.keys(t)))) row(name, this.timed.map((t) => t[name] ?? 0));
    row('http', this.http);
    if (this.without) console.log(`  ${this.without} pairs had no Server-Timing on a response`);
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
  return `${label.padEnd(34)} n=${s.n}  median ${ms(s.median)}  p95 ${ms(s.p95)}  p99 ${ms(s.p99)}  min ${ms(s.min)}  max ${ms(s.max)}${busyTag()}`;
}

export interface LoadResult { pairs: number; errors: number; rateLimited: number; seconds: number; latency: Summary; rssPeakMiB: number; rssEndMiB: number }

/**
 * C clients, each looping `pair(client, i)` with its own names until `seconds` pass; the daemon's RSS (if there
 * is one) is sampled every 250 ms meanwhile.
 */
export async function sustained(d: DaemonProcess | undefined, clients: number, seconds: number, pair: (client: number, i: number) => Promise<unknown>): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let rateLimited = 0;
  let firstError = '';
  const rss = () => d?.rssMiB() ?? NaN;
  let rssPeak = rss();
  const sampler = setInterval(() => { rssPeak = Math.max(rssPeak, rss()); }, 250);
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
  const rssEnd = rss();
  if (firstError) console.log(`  first error: ${firstError}`);
  return { pairs: latencies.length, errors, rateLimited, seconds: elapsed, latency: summarise(latencies), rssPeakMiB: Math.max(rssPeak, rssEnd), rssEndMiB: rssEnd };
}

export function printLoad(label: string, clients: number, r: LoadResult): void {
  console.log(`${label}: ${clients} clients for ${r.seconds.toFixed(1)} s: ${r.pairs} pairs = ${(r.pairs / r.seconds).toFixed(1)} pairs/s`
    + ` (${((2 * r.pairs) / r.seconds).toFixed(1)} requests/s), errors ${r.errors}, rate-limited ${r.rateLimited}${busyTag()}`);
  console.log(line('  pair latency under load', r.latency));
  if (Number.isFinite(r.rssPeakMiB)) console.log(`  daemon RSS under load: peak ${r.rssPeakMiB.toFixed(1)} MiB, at end ${r.rssEndMiB.toFixed(1)} MiB`);
}

/** The 1, 5 and 15 minute load averages, for the start and end lines of every bench. */
export const loadAverage = () => loadavg().map((l) => l.toFixed(2)).join(' ');

/** PostgreSQL as the tests run it (fsync etc. off) and as a production server has it; see startPostgres. */
export const PG_MODES = { tests: "tests' PG (fsync off)", durable: 'durable PG (fsync on)' } as const;
export type PgMode = keyof typeof PG_MODES;

/** Run r goes through `items` forwards when r is even, backwards when odd, so drift in machine load falls on all alike. */
export const alternate = <T>(items: readonly T[], r: number): T[] => (r % 2 ? [...items].reverse() : [...items]);

/** One PostgreSQL server per mode, started together; `stop` stops both. */
export async function startPgModes(): Promise<Record<PgMode, PgServer> & { stop(): Promise<void> }> {
  const [tests, durable] = await Promise.all([startPostgres(), startPostgres({ durable: true })]);
  return { tests, durable, stop: async () => { await Promise.all([tests.stop(), durable.stop()]); } };
}

export interface RunContext { run: number; mode: PgMode; label: string; /** Unique per run and mode, for names and values. */ tag: string; daemon: DaemonProcess }

/**
 * `runs` runs, each through both PostgreSQL modes (alternating which goes first), each time with a fresh database
 * and a fresh daemon on it, stopped and dropped afterwards; an error carries the daemon's log tail.
 */
export async function eachRunAndMode(pgs: Record<PgMode, PgServer>, runs: number, connections: number, body: (ctx: RunContext) => Promise<void>): Promise<void> {
  for (let run = 0; run < runs; run++) {
    for (const mode of alternate(Object.keys(PG_MODES) as PgMode[], run)) {
      const db = await createTestDatabase(pgs[mode].url);
      const daemon = await startDaemonProcess({ databaseUrl: db.url, connections });
      if (run === 0 && mode === 'tests') console.log(`daemon: ${daemon.runner}`);
      try {
        console.log(`\nrun ${run + 1}, ${PG_MODES[mode]}: /ready after ${(daemon.readyMs / 1000).toFixed(2)} s`);
        await body({ run, mode, label: PG_MODES[mode], tag: `r${run}${mode[0]}`, daemon });
      } catch (err) {
        throw new Error(`${(err as Error).message}\ndaemon log tail:\n${daemon.logTail()}`);
      } finally {
        await daemon.stop();
        await db.drop();
      }
    }
  }
}

/** The figures of issue #12's table (and a few beside them), in its order, with the goal; `record` fills them. */
export const FIGURES = {
  'rfc2136.ratio.median': { label: 'pair daemon(rfc2136->BIND) / direct UPDATEs, median', goal: '<= 2.0x', unit: 'x' },
  'rfc2136.ratio.p99': { label: 'pair daemon(rfc2136->BIND) / direct UPDATEs, p99', goal: '<= 3x', unit: 'x' },
  'rfc2136.adds': { label: 'ms the daemon adds per pair (median)', goal: '', unit: 'ms' },
  'core.pairs': { label: 'sustained pairs/s, webhook, PG, 8 clients', goal: '>= 1000', unit: '/s' },
  'rfc2136.sustained.ratio': { label: 'sustained pairs/s rfc2136 via daemon / direct', goal: '>= 0.7', unit: 'x' },
  'rfc2136.sustained.daemon': { label: 'sustained pairs/s rfc2136 via daemon', goal: '', unit: '/s' },
  'rfc2136.sustained.direct': { label: 'sustained pairs/s direct to BIND', goal: '', unit: '/s' },
  'mem.pg.idle': { label: 'RSS idle, PG mode, as the image runs it', goal: '<= 90 MiB', unit: 'MiB' },
  'mem.pg.peak': { label: 'RSS under 8-32 clients, PG mode (VmHWM)', goal: '<= 150 MiB', unit: 'MiB' },
  'mem.pglite.idle': { label: 'RSS embedded (PGlite) idle', goal: '<= 200 MiB', unit: 'MiB' },
  'mem.pglite.peak': { label: 'RSS embedded peak incl. first start (VmHWM)', goal: '<= 350 MiB', unit: 'MiB' },
  'mem.npm-start.first.daemon': { label: 'npm start, embedded first start: the daemon (VmHWM)', goal: '', unit: 'MiB' },
  'mem.npm-start.first.daemon+launcher': { label: 'npm start, embedded first start: daemon + launcher (VmHWM)', goal: '<= 350 MiB', unit: 'MiB' },
  'mem.npm-start.first.npm': { label: 'npm start, embedded first start: npm itself (VmHWM)', goal: '', unit: 'MiB' },
  'mem.npm-start.first.with-npm': { label: 'npm start, embedded first start: npm, launcher (if any) and daemon together (VmHWM)', goal: '', unit: 'MiB' },
  'ready.pg': { label: 'start to /ready, PG (migrated database)', goal: '<= 0.5 s', unit: 's' },
  'ready.pglite.restart': { label: 'start to /ready, embedded restart', goal: '<= 1.0 s', unit: 's' },
  'ready.pg.first': { label: 'start to /ready, PG, empty database', goal: '', unit: 's' },
  'ready.pglite.first': { label: 'start to /ready, embedded first start', goal: '', unit: 's' },
} as const;
export type Figure = keyof typeof FIGURES;

interface Recorded { figure: Figure; variant: string; value: number }
const recorded: Recorded[] = [];

/**
 * One run's value of a figure (variant: e.g. the PostgreSQL mode). Kept for this bench's summary and, under
 * `npm run bench`, appended to BENCH_RESULTS for the summary of all benches.
 */
export function record(figure: Figure, value: number, variant = ''): void {
  recorded.push({ figure, variant, value });
  if (process.env.BENCH_RESULTS) appendFileSync(process.env.BENCH_RESULTS, `${JSON.stringify({ figure, variant, value })}\n`);
}

/** The summary table: every recorded figure as median [min-max] over its runs, beside the goal. */
export function printSummary(title: string, rows: readonly Recorded[] = recorded): void {
  if (!rows.length) return;
  const digits: Record<string, number> = { x: 2, s: 2, ms: 1 };
  const fmt = (med: number, min: number, max: number, unit: string) => {
    const n = (x: number) => x.toFixed(digits[unit] ?? 0);
    return `${n(med)} [${n(min)}-${n(max)}]${unit === 'x' ? 'x' : ` ${unit === '/s' ? 'pairs/s' : unit}`}`;
  };
  const table: string[][] = [['figure', 'median [min-max]', 'runs', 'goal']];
  for (const figure of Object.keys(FIGURES) as Figure[]) {
    const f = FIGURES[figure];
    const variants = [...new Set(rows.filter((r) => r.figure === figure).map((r) => r.variant))];
    for (const variant of variants) {
      const xs = rows.filter((r) => r.figure === figure && r.variant === variant).map((r) => r.value).sort((a, b) => a - b);
      const m = xs.length >> 1;
      const median = xs.length % 2 ? xs[m]! : (xs[m - 1]! + xs[m]!) / 2;
      table.push([variant ? `${f.label}, ${variant}` : f.label, fmt(median, xs[0]!, xs.at(-1)!, f.unit), String(xs.length), f.goal || '-']);
    }
  }
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  const loads = `load average ${loadAtStart() ? `${loadAtStart()} at start, ` : ''}${loadAverage()} now`;
  console.log(`\n${isBusyRun() ? `${BUSY_TITLE}${title}` : title}; ${loads}`);
  table.forEach((r, i) => {
    console.log(`| ${r.map((c, j) => c.padEnd(widths[j]!)).join(' | ')} |`);
    if (i === 0) console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
  });
  if (isBusyRun()) console.log(`(every row: ${BUSY_TITLE.replace(/: $/, '')})`);
}

const BUSY_TITLE = 'BUSY: indication only (the machine was not quiet at the start): ';

/** Reads BENCH_RESULTS (what `record` appended) back. */
export function readRecorded(path: string): Recorded[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Recorded) : [];
}

/** Reads an integer option from argv (`--name=value`) or env (`BENCH_NAME`), else the default. */
export function option(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  const raw = arg?.split('=')[1] ?? process.env[`BENCH_${name.toUpperCase().replace(/-/g, '_')}`];
  const n = raw === undefined ? NaN : Number(raw);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

/**
 * A library the daemon does not depend on, loaded only to compare with what we wrote (ipaddr.js, rate-limiter-flexible):
 * from node_modules if someone installed it there, else from BENCH_LIBS_DIR (a scratch directory where
 * `npm install <name>` was run). Null when it is in neither, and the bench leaves its rows out.
 */
export function optionalLibrary<T>(name: string): { lib: T; version: string } | null {
  for (const from of [join(REPO_ROOT, 'package.json'), ...(process.env.BENCH_LIBS_DIR ? [join(process.env.BENCH_LIBS_DIR, 'package.json')] : [])]) {
    const require = createRequire(from);
    try {
      const lib = require(name) as T;
      const version = (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
      return { lib, version };
    } catch {
      // Not installed there: try the next place.
    }
  }
  return null;
}

/**
 * How the load client (test/bench/load-client.ts, a process of its own) makes one pair. Names are templates where
 * `{c}` is the client and `{i}` the pair's index; the TXT value is `value(name)`.
 */
export type Way =
  /** present + cleanup through the acmeproxy endpoints, as `password`; client c uses providers[c % length]. */
  | { kind: 'acmeproxy'; url: string; password: string; providers: string[]; name: string }
  /** The two signed UPDATEs the rfc2136 provider sends (add, then delete that value), replies' TSIG verified. */
  | { kind: 'rfc2136'; credentials: Record<string, unknown>; zone: string; name: string };

/** One pair as the load client timed it, with both responses' Server-Timing (acmeproxy). */
export interface PairSample { ms: number; timings?: [Timing, Timing] }

/** A sustained phase from the load client: LoadResult, and every pair's sample. */
export interface RemoteLoad extends LoadResult { samples: PairSample[] }

/** The load client's requests and answers over IPC. */
export type LoadRequest =
  | { op: 'sequence'; ways: Way[]; warmup: number; pairs: number }
  | { op: 'sustained'; way: Way; clients: number; seconds: number };
export interface SustainedReply { samples: PairSample[]; errors: number; rateLimited: number; seconds: number; firstError: string }

export const nameFor = (template: string, c: number, i: number): string => template.replaceAll('{c}', String(c)).replaceAll('{i}', String(i));

/** A bench helper script under test/bench/ as a child process (through tsx), talking JSON over IPC: `{id, ...}` out, `{id, result | error}` back. */
function forkHelper(script: string): { child: ChildProcess; ask<T>(msg: object): Promise<T>; stop(): Promise<void> } {
  const child = fork(join(REPO_ROOT, 'test/bench', script), [], { cwd: REPO_ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let next = 0;
  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  child.on('message', (m: { id: number; result?: unknown; error?: string }) => {
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.error !== undefined) w?.reject(new Error(`${script}: ${m.error}`)); else w?.resolve(m.result);
  });
  child.on('exit', (code, signal) => {
    for (const w of waiting.values()) w.reject(new Error(`${script} exited (${code ?? signal})`));
    waiting.clear();
  });
  return {
    child,
    ask: <T>(msg: object) => new Promise<T>((resolve, reject) => {
      const id = ++next;
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ id, ...msg });
    }),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      await new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.disconnect(); setTimeout(() => child.kill('SIGKILL'), 5000).unref(); });
    },
  };
}

export interface LoadClient {
  pid: number;
  /**
   * `warmup + pairs` rounds, one pair per way in each, the ways' order reversed on odd rounds (interleaved, so load
   * from elsewhere falls on all alike); returns per way the samples of the rounds after the warm-up.
   */
  sequence(ways: Way[], warmup: number, pairs: number): Promise<PairSample[][]>;
  /** `clients` concurrent clients looping pairs on `way` for `seconds`; the daemon's RSS (if given) sampled meanwhile here. */
  sustained(d: DaemonProcess | undefined, way: Way, clients: number, seconds: number): Promise<RemoteLoad>;
  stop(): Promise<void>;
}

/**
 * The load generator as a process of its own (test/bench/load-client.ts), as a real client is: what it spends on
 * making requests and reading answers is not taken from the bench's process or counted in the daemon's.
 */
export async function startLoadClient(): Promise<LoadClient> {
  const h = forkHelper('load-client.ts');
  await h.ask({ op: 'ping' });
  return {
    pid: h.child.pid!,
    sequence: (ways, warmup, pairs) => h.ask<PairSample[][]>({ op: 'sequence', ways, warmup, pairs }),
    sustained: async (d, way, clients, seconds) => {
      const rss = () => d?.rssMiB() ?? NaN;
      let rssPeak = rss();
      const sampler = setInterval(() => { rssPeak = Math.max(rssPeak, rss()); }, 250);
      try {
        const r = await h.ask<SustainedReply>({ op: 'sustained', way, clients, seconds });
        const rssEnd = rss();
        if (r.firstError) console.log(`  first error: ${r.firstError}`);
        return {
          pairs: r.samples.length, errors: r.errors, rateLimited: r.rateLimited, seconds: r.seconds, samples: r.samples,
          latency: summarise(r.samples.map((s) => s.ms)), rssPeakMiB: Math.max(rssPeak, rssEnd), rssEndMiB: rssEnd,
        };
      } finally {
        clearInterval(sampler);
      }
    },
    stop: h.stop,
  };
}

/**
 * The operator's webhook endpoint as a process of its own (test/bench/webhook-endpoint.ts: test/support's receiver
 * answering at once, `record_id` per create), so its work does not share the bench's event loop.
 */
export async function startWebhookEndpoint(): Promise<{ url: string; pid: number; creates(): Promise<number>; stop(): Promise<void> }> {
  const h = forkHelper('webhook-endpoint.ts');
  const { url } = await h.ask<{ url: string }>({ op: 'url' });
  return { url, pid: h.child.pid!, creates: () => h.ask<number>({ op: 'creates' }), stop: h.stop };
}
