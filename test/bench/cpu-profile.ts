// The top self-time entries of a V8 .cpuprofile (what `node --cpu-prof` writes), read without a dependency.
import { readFileSync } from 'node:fs';

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }; hitCount?: number }
interface CpuProfile { nodes: ProfileNode[]; startTime: number; endTime: number; samples?: number[]; timeDeltas?: number[] }

export interface SelfTime { function: string; where: string; selfMs: number; pct: number }

/** Now on the clock V8 stamps profiles with (CLOCK_MONOTONIC, shared by every process of the machine), in µs. */
export const profileClockUs = (): number => Number(process.hrtime.bigint() / 1000n);

/**
 * Self time per function (function name, file and 1-based line; a function's nodes under different callers summed):
 * each sample counts the time until the next one (timeDeltas; the last sample the mean interval), so self time is
 * samples x interval. `pct` is of the profile's time without `(idle)`. `stripPrefix` is cut from file names. With
 * `window` ([from, to) in profileClockUs of any process), only the samples taken within it count.
 */
export function selfTimes(path: string, stripPrefix = '', window?: [number, number]): { entries: SelfTime[]; totalMs: number; idleMs: number } {
  const p = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  const mean = samples.length ? (p.endTime - p.startTime) / samples.length : 0;
  const self = new Map<ProfileNode, number>();
  if (samples.length) {
    let at = p.startTime;
    samples.forEach((id, i) => {
      at += deltas[i] ?? 0;
      if (window && (at < window[0] || at >= window[1])) return;
      const n = byId.get(id);
      if (n) self.set(n, (self.get(n) ?? 0) + (deltas[i + 1] ?? mean));
    });
  } else {
    for (const n of p.nodes) self.set(n, (n.hitCount ?? 0) * mean);
  }
  const byFunction = new Map<string, SelfTime>();
  let idle = 0;
  let total = 0;
  for (const [n, us] of self) {
    total += us;
    const f = n.callFrame;
    if (f.functionName === '(idle)') { idle += us; continue; }
    const file = f.url.replace(/^file:\/\//, '').replace(stripPrefix, '');
    const where = file ? `${file}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName}\0${where}`;
    const e = byFunction.get(key) ?? { function: f.functionName || '(anonymous)', where, selfMs: 0, pct: 0 };
    e.selfMs += us / 1000;
    byFunction.set(key, e);
  }
  const busyMs = (total - idle) / 1000;
  const entries = [...byFunction.values()].sort((a, b) => b.selfMs - a.selfMs);
  for (const e of entries) e.pct = busyMs ? (100 * e.selfMs) / busyMs : 0;
  return { entries, totalMs: total / 1000, idleMs: idle / 1000 };
}

/** The `n` entries with the most self time as a table: rank, self ms, % of the non-idle time, function, file:line. */
export function printTopSelfTime(label: string, path: string, stripPrefix = '', window?: [number, number], n = 10): void {
  const { entries, totalMs, idleMs } = selfTimes(path, stripPrefix, window);
  console.log(`${label}: top ${n} by self time of ${(totalMs - idleMs).toFixed(0)} ms on CPU (${totalMs.toFixed(0)} ms profiled, ${idleMs.toFixed(0)} ms idle); ${path}`);
  console.log(`  ${'#'.padStart(2)}  ${'self ms'.padStart(9)}  ${'%'.padStart(5)}  function  (file:line)`);
  entries.slice(0, n).forEach((e, i) => {
    console.log(`  ${String(i + 1).padStart(2)}  ${e.selfMs.toFixed(1).padStart(9)}  ${e.pct.toFixed(1).padStart(5)}  ${e.function}${e.where ? `  (${e.where})` : ''}`);
  });
}
