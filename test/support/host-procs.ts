// Finds live processes on this host by an environment entry: pids a script prints are namespace pids, these are real.
import { readdirSync, readFileSync } from 'node:fs';

/** Live (non-zombie) host pids whose environment holds exactly `entry` (e.g. `OUT_DIR=/tmp/x`). Needs root or the same uid. */
export function hostPidsWithEnv(entry: string): number[] {
  const found: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      if (['Z', 'X'].includes(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? '')) continue;
      if (readFileSync(`/proc/${e}/environ`, 'utf8').split('\0').includes(entry)) found.push(Number(e));
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return found;
}

/** The command line of a host pid, '' once it is gone. */
export function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}
