// Puts each script run in its own PID namespace (the whole tree dies with it) and, unless allowed, a network namespace with no usable interface.
import { accessSync, constants } from 'node:fs';
import { spawnSync } from 'node:child_process';
import type { RunAs } from './path.js';

/**
 * userns: util-linux unshare in a new user namespace, started as the script's own uid (works for a root daemon
 * and, where the kernel allows unprivileged user namespaces, for any daemon user).
 * root: no user namespace; unshare runs as root and drops to 65534 itself (kernels that refuse user namespaces).
 * none: the kernel allows neither; scripts run as before, contained only by their process group and session.
 */
export type SandboxMode = 'userns' | 'root' | 'none';

export interface SandboxStatus {
  mode: SandboxMode;
  /** Why the better modes were not available (unshare's own message), when they were not. */
  reason?: string;
}

const UNSHARE_PATHS = ['/usr/bin/unshare', '/bin/unshare', '/usr/local/bin/unshare'];

/** Absolute path of unshare; a fixed list, since the daemon's own PATH is not trusted for this. */
export function findUnshare(): string | null {
  for (const p of UNSHARE_PATHS) {
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // try the next one
    }
  }
  return null;
}

/**
 * The command that runs `argv` inside the sandbox, and whether spawn must still drop to runAs itself.
 * --kill-child: when unshare dies (our SIGKILL to its group), the namespace's init gets SIGKILL, and the kernel
 * kills everything else in a PID namespace whose init is gone: a `setsid` grandchild cannot outlive the run.
 * --net alone leaves only a loopback device that is down: no connection reaches anything, local or remote.
 */
export function sandboxCommand(mode: Exclude<SandboxMode, 'none'>, unshare: string, runAs: RunAs | null, allowNetwork: boolean, argv: readonly string[]): { file: string; args: string[]; dropInSpawn: boolean } {
  const ns = ['--pid', '--fork', '--kill-child', '--mount-proc', ...(allowNetwork ? [] : ['--net'])];
  if (mode === 'userns') return { file: unshare, args: ['--user', '--map-current-user', ...ns, '--', ...argv], dropInSpawn: true };
  const drop = runAs ? ['--setgid', String(runAs.gid), '--setuid', String(runAs.uid)] : [];
  return { file: unshare, args: [...ns, ...drop, '--', ...argv], dropInSpawn: false };
}

/** Runs /bin/true the way a script would run; status 0 means the kernel allows that mode. */
function probe(mode: Exclude<SandboxMode, 'none'>, unshare: string, runAs: RunAs | null): string | null {
  const cmd = sandboxCommand(mode, unshare, runAs, false, ['/bin/true']);
  const r = spawnSync(cmd.file, cmd.args, {
    env: {},
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 10_000,
    ...(cmd.dropInSpawn && runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
  });
  if (r.status === 0) return null;
  const said = r.stderr?.toString('utf8').trim().split('\n')[0]?.slice(0, 200);
  return said || (r.error ? `${(r.error as NodeJS.ErrnoException).code ?? r.error.message}` : `exit ${r.status ?? r.signal}`);
}

let cached: { key: string; status: SandboxStatus } | undefined;

/** What this kernel allows for scripts run as `runAs`; probed once and remembered. */
export function sandboxStatus(runAs: RunAs | null): SandboxStatus {
  const key = runAs ? `${runAs.uid}:${runAs.gid}` : 'self';
  if (cached?.key === key) return cached.status;
  const unshare = findUnshare();
  let status: SandboxStatus;
  if (!unshare) {
    status = { mode: 'none', reason: `unshare not found in ${UNSHARE_PATHS.join(', ')} (util-linux)` };
  } else {
    const userns = probe('userns', unshare, runAs);
    const root = userns && process.getuid?.() === 0 ? probe('root', unshare, runAs) : userns;
    if (!userns) status = { mode: 'userns' };
    else if (!root) status = { mode: 'root' };
    else status = { mode: 'none', reason: `unshare refused: ${root}` };
  }
  cached = { key, status };
  return status;
}

/** The script containment this daemon gets, for /ready's details; `ok` stays true: scripts still run, less contained. */
export function sandboxReadiness(runAs: RunAs | null): { ok: true; sandbox: SandboxMode; reason?: string } {
  const s = sandboxStatus(runAs);
  return { ok: true, sandbox: s.mode, ...(s.reason ? { reason: s.reason } : {}) };
}
