// The quiet-machine rule: a bench refuses to run when the machine is busy at its start (1-minute load average above
// QUIET_LOAD), unless told `--busy-ok` / BENCH_BUSY_OK=1, and then marks every figure "BUSY: indication only". Over the
// run it samples /proc (machine CPU, and each process's) so a run where other processes took CPU shows it at the end.
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

/** Above this 1-minute load average at the start a bench refuses (the machine is not quiet). */
export const QUIET_LOAD = 0.5;
/** What a figure taken on a busy machine is marked with. */
export const BUSY_MARK = 'BUSY: indication only';

/** Set by run.ts for the benches it starts: it checked once at its start ('quiet' or 'busy'), they do not again. */
const CHECKED_ENV = 'BENCH_QUIET_CHECKED';
/** The pid whose descendants are "this bench" (run.ts sets its own, so every bench's processes count as ours). */
const ROOT_ENV = 'BENCH_ROOT_PID';

let busyRun = false;
let loadsAtStart = '';

/** The load averages quietMachine printed at the start ('' before it ran), for summary tables. */
export const loadAtStart = (): string => loadsAtStart;

/** True when this run goes on although the machine was busy at the start (`--busy-ok`): its figures are indications. */
export const isBusyRun = (): boolean => busyRun;

/** ` [BUSY: indication only]` on a busy run, else ''; appended to every figure line. */
export const busyTag = (): string => (busyRun ? `  [${BUSY_MARK}]` : '');

const busyOk = () => process.argv.includes('--busy-ok') || process.env.BENCH_BUSY_OK === '1';

interface ProcSample {
  comm: string;
  ppid: number;
  /** Its own CPU ticks, user + system. */
  ticks: number;
  /** Its reaped children's (cutime + cstime): each child's own and its reaped children's, so nothing that exited is lost. */
  childTicks: number;
}

/** Every process's command, parent and CPU ticks from /proc/PID/stat; processes gone meanwhile skipped. */
function readProcs(): Map<number, ProcSample> {
  const out = new Map<number, ProcSample>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const f = stat.slice(close + 2).split(' ');
      out.set(Number(name), { comm: stat.slice(stat.indexOf('(') + 1, close), ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]), childTicks: Number(f[13]) + Number(f[14]) });
    } catch {
      // Exited between readdir and read.
    }
  }
  return out;
}

/** A process's command line, spaces for NULs, cut to `max` characters ('' once it is gone). */
function commandLine(pid: number, max: number): string {
  try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim().slice(0, max); } catch { return ''; }
}

/** The machine's CPU ticks from /proc/stat's first line: all of them and the idle ones (idle + iowait). */
function readCpu(): { total: number; idle: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return { total: f.reduce((a, b) => a + b, 0), idle: f[3]! + (f[4] ?? 0) };
}

/** Whether `pid` descends from `root` (or is it), by the parents in `procs`. */
function descends(pid: number, root: number, procs: Map<number, ProcSample>): boolean {
  for (let p = pid, hops = 0; p > 1 && hops < 64; hops++) {
    if (p === root) return true;
    p = procs.get(p)?.ppid ?? 0;
  }
  return false;
}

/**
 * The CPU ticks of `root` and every live process below it, each with its reaped children's: exact for the bench's
 * own processes, those that exited included (a process's parent counts it once reaped).
 */
function treeTicks(root: number, procs: Map<number, ProcSample>): number {
  let sum = 0;
  for (const [pid, p] of procs) if (descends(pid, root, procs)) sum += p.ticks + p.childTicks;
  return sum;
}

/**
 * Where the machine's CPU went over a stretch: the machine's total and idle ticks (/proc/stat), the bench's own
 * processes (treeTicks, start to end), PostgreSQL servers and the rest; the processes outside the bench are also
 * sampled every `everyMs` to name the busiest (one living less than that between two samples is not named, but its
 * CPU is still in the machine's total, so in "other processes").
 */
class CpuSampler {
  private readonly byPid = new Map<number, { comm: string; cmd: string; ticks: number; ours: boolean }>();
  private last = readProcs();
  private readonly cpu0 = readCpu();
  private readonly ours0: number;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly root: number, everyMs: number) {
    this.ours0 = treeTicks(root, this.last);
    this.timer = setInterval(() => this.sample(), everyMs).unref();
  }

  private sample(): void {
    const now = readProcs();
    for (const [pid, p] of now) {
      const before = this.last.get(pid);
      if (!before || before.comm !== p.comm || p.ticks <= before.ticks) continue;
      const ours = descends(pid, this.root, now);
      const acc = this.byPid.get(pid) ?? { comm: p.comm, cmd: ours ? '' : commandLine(pid, 80), ticks: 0, ours };
      acc.ticks += p.ticks - before.ticks;
      this.byPid.set(pid, acc);
    }
    this.last = now;
  }

  /** Stops sampling; shares are in "% of one core" (100 = one core busy the whole time). */
  stop(): { idlePct: number; busyCores: number; oursPct: number; postgresPct: number; othersPct: number; topOthers: { comm: string; cmd: string; pid: number; pct: number }[] } {
    this.sample();
    clearInterval(this.timer);
    const ours = treeTicks(this.root, this.last) - this.ours0;
    const cpu = readCpu();
    const total = cpu.total - this.cpu0.total || 1;
    const cores = cpus().length || 1;
    const pct = (ticks: number) => (100 * ticks * cores) / total;
    let postgres = 0;
    const otherList: { comm: string; cmd: string; pid: number; pct: number }[] = [];
    for (const [pid, p] of this.byPid) {
      if (p.ours) continue;
      // pg_ctl detaches the server it starts, so the bench's PostgreSQL is not its descendant: counted apart.
      if (p.comm === 'postgres' || p.comm === 'postmaster') postgres += p.ticks;
      else otherList.push({ comm: p.comm, cmd: p.cmd, pid, pct: pct(p.ticks) });
    }
    const busy = total - (cpu.idle - this.cpu0.idle);
    return {
      idlePct: (100 * (cpu.idle - this.cpu0.idle)) / total,
      busyCores: (busy / total) * cores,
      oursPct: pct(ours), postgresPct: pct(postgres), othersPct: pct(Math.max(0, busy - ours - postgres)),
      topOthers: otherList.sort((a, b) => b.pct - a.pct).slice(0, 5),
    };
  }
}

/** The processes taking most CPU now, over `ms`: "pct% comm (pid) cmdline", for the refusal message. */
export async function topProcesses(ms = 1000, n = 8): Promise<string[]> {
  const a = readProcs();
  const c0 = readCpu();
  await new Promise((r) => setTimeout(r, ms));
  const b = readProcs();
  const total = readCpu().total - c0.total || 1;
  const cores = cpus().length || 1;
  // Not this bench itself, nor what started it (tsx's wrapper, npm).
  const rows = [...b].filter(([pid]) => !descends(process.pid, pid, b))
    .map(([pid, p]) => ({ pid, p, d: p.ticks - (a.get(pid)?.ticks ?? p.ticks) })).filter((r) => r.d > 0)
    .sort((x, y) => y.d - x.d).slice(0, n);
  return rows.map(({ pid, p, d }) => {
    const cmd = commandLine(pid, 120);
    return `${((100 * d * cores) / total).toFixed(0).padStart(4)}% of a core  ${p.comm} (${pid})  ${cmd}`;
  });
}

export interface QuietMachine {
  /** Prints the load average at the end and where the machine's CPU went over the run. Call once, in a finally. */
  end(): void;
}

/**
 * The start of every bench: prints the load average; above QUIET_LOAD it refuses (prints why and the processes taking
 * CPU, exits 3) unless `--busy-ok` / BENCH_BUSY_OK=1, which marks the run busy. Under run.ts (BENCH_QUIET_CHECKED) the
 * check was made once at its start and is taken from there. Starts sampling the CPU until `end()`.
 */
export async function quietMachine(name: string): Promise<QuietMachine> {
  const checked = process.env[CHECKED_ENV];
  const load = loadavg()[0]!;
  const loads = loadavg().map((l) => l.toFixed(2)).join(' ');
  loadsAtStart = loads;
  if (checked) {
    busyRun = checked === 'busy';
    console.log(`${name}: load average ${loads} at start (checked once by run.ts: ${checked})${busyTag()}`);
  } else if (load > QUIET_LOAD) {
    const top = await topProcesses();
    const why = `${name}: the 1-minute load average is ${load.toFixed(2)} (${loads}), above ${QUIET_LOAD}: the machine is not quiet,`
      + ` and figures taken now would measure the other work. Processes taking CPU now:\n${top.map((t) => `  ${t}`).join('\n') || '  (none sampled)'}`;
    if (!busyOk()) {
      console.error(`${why}\nRefusing to report. Run with nothing else on the machine (test/bench/README.md), or pass --busy-ok`
        + ' (BENCH_BUSY_OK=1) for figures marked as indications only.');
      process.exit(3);
    }
    busyRun = true;
    console.log(`${why}\n--busy-ok: going on; every figure is marked "${BUSY_MARK}".`);
  } else {
    console.log(`${name}: load average ${loads} at start (quiet: at most ${QUIET_LOAD})`);
  }
  const root = Number(process.env[ROOT_ENV]) || process.pid;
  const sampler = new CpuSampler(root, 1000);
  let ended = false;
  return {
    end: () => {
      if (ended) return;
      ended = true;
      const s = sampler.stop();
      console.log(`${name}: load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at end; CPU over the run`
        + ` (% of one core, ${cpus().length} cores): machine idle ${s.idlePct.toFixed(0)}% of its time (${s.busyCores.toFixed(2)} cores busy);`
        + ` this bench's processes ${s.oursPct.toFixed(0)}%, PostgreSQL servers ${s.postgresPct.toFixed(0)}%, other processes ${s.othersPct.toFixed(0)}%${busyTag()}`);
      for (const o of s.topOthers) console.log(`  other process: ${o.pct.toFixed(0).padStart(3)}% ${o.comm} (${o.pid}) ${o.cmd}`);
      // A tenth of a core taken by others is more than timer noise: the figures were shared with them.
      if (s.othersPct > 10) console.log(`  other processes took ${s.othersPct.toFixed(0)}% of a core during the run: its figures are disturbed by them`);
    },
  };
}

/** For run.ts: the environment that passes its one check on to the benches it starts. */
export function quietCheckEnv(): Record<string, string> {
  return { [CHECKED_ENV]: busyRun ? 'busy' : 'quiet', [ROOT_ENV]: String(process.pid) };
}
