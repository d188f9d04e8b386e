// Runs one checked script: no shell, prlimit'ed, own PID/network namespace where possible, minimal env, bounded output, killed on timeout.
import { spawn } from 'node:child_process';
import { accessSync, constants, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { AppError } from '../../errors.js';
import { BoundedTail, redact } from './output.js';
import type { RunAs } from './path.js';
import { findUnshare, sandboxCommand, sandboxStatus, type SandboxMode } from './sandbox.js';

/**
 * Resource limits applied with prlimit(1) before the script is exec'd (soft = hard, so the
 * script cannot raise them). 2 GiB of address space: V8 (a Node script) reserves over 1 GiB
 * of address space at start; shells, python, nsupdate and curl need far less. NPROC counts
 * every process of the real uid on the host: 128 for 65534; when the daemon is not root the
 * script shares the daemon's uid (and its threads), so only a loose cap is safe there.
 * No core dumps: a core file of a script holds its environment, i.e. the provider's secrets.
 */
export const LIMITS = {
  nofile: 256,
  nproc: { dropped: 128, sameUser: 4096 },
  addressSpaceBytes: 2 * 1024 ** 3,
  fileSizeBytes: 64 * 1024 ** 2,
  coreBytes: 0,
} as const;

/** Bytes of stdout and of stderr kept per run (the tail). */
export const OUTPUT_KEEP_BYTES = 16 * 1024;
/** Time between SIGTERM and SIGKILL to the process group on timeout or shutdown. */
export const KILL_GRACE_MS = 2_000;

const PRLIMIT_PATHS = ['/usr/bin/prlimit', '/bin/prlimit', '/usr/local/bin/prlimit'];

/** Absolute path of prlimit; a fixed list, since the daemon's own PATH is not trusted for this. */
export function findPrlimit(): string {
  for (const p of PRLIMIT_PATHS) {
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // try the next one
    }
  }
  throw new AppError('SCRIPT_FAILED', `prlimit not found in ${PRLIMIT_PATHS.join(', ')}: install util-linux; scripts never run without resource limits`);
}

export function limitArgs(runAs: RunAs | null): string[] {
  return [
    `--nofile=${LIMITS.nofile}`,
    `--nproc=${runAs ? LIMITS.nproc.dropped : LIMITS.nproc.sameUser}`,
    `--as=${LIMITS.addressSpaceBytes}`,
    `--fsize=${LIMITS.fileSizeBytes}`,
    `--core=${LIMITS.coreBytes}`,
  ];
}

export interface RunOptions {
  /** Real path, already checked by resolveScript. */
  script: string;
  args: readonly string[];
  /** The whole environment of the script; nothing else is inherited. */
  env: Readonly<Record<string, string>>;
  cwd: string;
  timeoutMs: number;
  runAs: RunAs | null;
  /** Values redacted from the captured output (the provider's env_vars values). */
  secrets: readonly string[];
  /** false: the script gets a network namespace with no usable interface (when the kernel allows namespaces). */
  allowNetwork: boolean;
  /** Defaults to the best mode this kernel allows (sandboxStatus); tests pick one. */
  sandbox?: SandboxMode;
  signal?: AbortSignal;
  graceMs?: number;
}

export interface RunResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  aborted: boolean;
  durationMs: number;
  /** Redacted tails of the output. */
  stdout: string;
  stderr: string;
  truncated: boolean;
}

/**
 * Live (non-zombie) pids in process group or session `id`, or in PID namespace `pidNs` (an ns link such as
 * `pid:[4026532]`): the session catches children that left the group, the namespace those that left the session.
 */
function members(id: number, pidNs: string | null): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${e}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // comm (field 2) may contain spaces and parens; the fields after the last ')' are fixed.
    const [state, , pgrp, session] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (state === 'Z' || state === 'X') continue;
    if (Number(pgrp) === id || Number(session) === id || (pidNs !== null && nsOf(`/proc/${e}/ns/pid`) === pidNs)) pids.push(Number(e));
  }
  return pids;
}

function nsOf(link: string): string | null {
  try {
    return readlinkSync(link);
  } catch {
    return null;
  }
}

function signalAll(pgid: number, pidNs: string | null, sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch {
    // ESRCH: the group is already gone
  }
  for (const pid of members(pgid, pidNs)) {
    try {
      process.kill(pid, sig);
    } catch {
      // gone meanwhile
    }
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/** Waits until nothing of the group or namespace is alive, at most `ms`. */
async function waitAllGone(pgid: number, pidNs: string | null, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (members(pgid, pidNs).length > 0 && Date.now() < until) await sleep(50);
}

function hasNul(values: Iterable<string>): boolean {
  for (const v of values) if (v.includes('\0')) return true;
  return false;
}

export async function runScript(o: RunOptions): Promise<RunResult> {
  // spawn would throw with the offending value in its message; refuse first, naming nothing.
  if (hasNul(o.args) || hasNul(Object.keys(o.env)) || hasNul(Object.values(o.env))) {
    throw new AppError('VALIDATION_ERROR', 'script arguments and environment must not contain NUL bytes', { delivery: 'refused' });
  }
  const prlimit = findPrlimit();
  const started = Date.now();
  const out = new BoundedTail(OUTPUT_KEEP_BYTES);
  const err = new BoundedTail(OUTPUT_KEEP_BYTES);

  const limited = [prlimit, ...limitArgs(o.runAs), '--', o.script, ...o.args];
  const mode = o.sandbox ?? (await sandboxStatus(o.runAs)).mode;
  const unshare = mode === 'none' ? null : findUnshare();
  const cmd = mode === 'none' || !unshare
    ? { file: prlimit, args: limited.slice(1), dropInSpawn: true }
    : sandboxCommand(mode, unshare, o.runAs, o.allowNetwork, limited);
  const child = spawn(cmd.file, cmd.args, {
    shell: false,
    detached: true, // setsid: the script leads its own group and session, which we can kill as a whole
    cwd: o.cwd,
    env: { ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(o.runAs && cmd.dropInSpawn ? { uid: o.runAs.uid, gid: o.runAs.gid } : {}), // libuv also drops supplementary groups
  });
  // A second 'error' (e.g. a failed kill) without a listener would crash the daemon.
  child.on('error', () => {});
  child.stdout.on('error', () => {});
  child.stderr.on('error', () => {});
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  const closed = new Promise<void>((r) => child.once('close', () => r()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));

  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const outcome = await new Promise<'exit' | 'timeout' | 'abort' | Error>((resolve) => {
    child.once('exit', () => resolve('exit'));
    child.once('error', (e) => resolve(e));
    timer = setTimeout(() => resolve('timeout'), o.timeoutMs);
    onAbort = () => resolve('abort');
    if (o.signal?.aborted) resolve('abort');
    else o.signal?.addEventListener('abort', onAbort, { once: true });
  });
  clearTimeout(timer);
  if (onAbort) o.signal?.removeEventListener('abort', onAbort);

  const pgid = child.pid;
  if (outcome instanceof Error && pgid === undefined) {
    const code = (outcome as NodeJS.ErrnoException).code ?? 'error';
    throw new AppError('SCRIPT_FAILED', `script could not be started (${code})`);
  }
  if (pgid !== undefined) {
    // unshare's children live in this namespace; read while unshare is alive, it names every process a
    // `setsid` could hide from the group and session sweep.
    const pidNs = unshare ? nsOf(`/proc/${pgid}/ns/pid_for_children`) : null;
    const ownNs = nsOf('/proc/self/ns/pid');
    const ns = pidNs !== ownNs ? pidNs : null;
    if (outcome === 'timeout' || outcome === 'abort') {
      signalAll(pgid, ns, 'SIGTERM');
      await waitAllGone(pgid, ns, o.graceMs ?? KILL_GRACE_MS);
    }
    // Also after a normal exit: whatever the script left running in the background goes too.
    signalAll(pgid, ns, 'SIGKILL');
    await Promise.race([exited, sleep(5_000)]);
    await waitAllGone(pgid, ns, 5_000);
  }
  // A process that escaped the session (setsid + fork) may still hold the pipes open.
  await Promise.race([closed, sleep(500)]);
  child.stdout.destroy();
  child.stderr.destroy();

  const so = out.read();
  const se = err.read();
  return {
    exitCode: child.exitCode,
    signal: child.signalCode,
    timedOut: outcome === 'timeout',
    aborted: outcome === 'abort',
    durationMs: Date.now() - started,
    stdout: redact(so.text, o.secrets, so.truncated),
    stderr: redact(se.text, o.secrets, se.truncated),
    truncated: so.truncated || se.truncated,
  };
}
