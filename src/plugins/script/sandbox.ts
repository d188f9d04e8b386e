// Puts each script run in its own PID namespace (the whole tree dies with it) and, unless allowed, a network namespace with no usable interface.
import { accessSync, constants } from 'node:fs';
import { spawn } from 'node:child_process';
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

/** Runs /bin/true the way a script would run; null means the kernel allows that mode, otherwise why not. */
function probe(mode: Exclude<SandboxMode, 'none'>, unshare: string, runAs: RunAs | null): Promise<string | null> {
  const cmd = sandboxCommand(mode, unshare, runAs, false, ['/bin/true']);
  return new Promise((resolve) => {
    const child = spawn(cmd.file, cmd.args, {
      env: {},
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 10_000,
      ...(cmd.dropInSpawn && runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => { if (stderr.length < 4096) stderr += d; });
    child.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    child.once('close', (status, signal) => {
      if (status === 0) return resolve(null);
      resolve(stderr.trim().split('\n')[0]?.slice(0, 200) || `exit ${status ?? signal}`);
    });
  });
}

let cached: { key: string; status: Promise<SandboxStatus> } | undefined;

/** What this kernel allows for scripts run as `runAs`; probed once (in the background of the daemon's start) and remembered. */
export function sandboxStatus(runAs: RunAs | null): Promise<SandboxStatus> {
  const key = runAs ? `${runAs.uid}:${runAs.gid}` : 'self';
  if (cached?.key === key) return cached.status;
  cached = { key, status: probeModes(runAs) };
  return cached.status;
}

async function probeModes(runAs: RunAs | null): Promise<SandboxStatus> {
  const unshare = findUnshare();
  if (!unshare) return { mode: 'none', reason: `unshare not found in ${UNSHARE_PATHS.join(', ')} (util-linux)` };
  const userns = await probe('userns', unshare, runAs);
  if (!userns) return { mode: 'userns' };
  const root = process.getuid?.() === 0 ? await probe('root', unshare, runAs) : userns;
  return root ? { mode: 'none', reason: `unshare refused: ${root}` } : { mode: 'root' };
}

/** The script containment this daemon gets, for /ready's details; `ok` stays true: scripts still run, less contained. */
export async function sandboxReadiness(runAs: RunAs | null): Promise<{ ok: true; sandbox: SandboxMode; reason?: string }> {
  const s = await sandboxStatus(runAs);
  return { ok: true, sandbox: s.mode, ...(s.reason ? { reason: s.reason } : {}) };
}
