// Resolves a provider's script_path to a real file inside scriptsDir and checks who may run and change it.
import { constants, type Stats } from 'node:fs';
import { access, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { AppError } from '../../errors.js';

/** The user a script runs as when the daemon is not that user itself. */
export interface RunAs {
  uid: number;
  gid: number;
}

/** nobody/nogroup on Debian; the kernel's overflow id, so it owns nothing by default. */
export const NOBODY: RunAs = { uid: 65534, gid: 65534 };

/** Scripts never run as root: a root daemon drops them to 65534; otherwise they run as the daemon's user. */
export function scriptIdentity(): RunAs | null {
  return process.getuid?.() === 0 ? NOBODY : null;
}

function invalid(message: string): AppError {
  return new AppError('SCRIPT_PATH_INVALID', message, { beforeCall: true });
}

/** The rwx bits (0..7) that apply to `who` for a file with these stats (no supplementary groups: spawn drops them). */
function bitsFor(st: Stats, who: RunAs): number {
  if (st.uid === who.uid) return (st.mode >> 6) & 7;
  if (st.gid === who.gid) return (st.mode >> 3) & 7;
  return st.mode & 7;
}

/**
 * Someone who can write the script or a directory above it (up to scriptsDir) can swap what
 * runs between our check and the exec; so neither everyone nor the script's own user may.
 */
function writableProblem(st: Stats, who: RunAs | null): string | null {
  if (st.mode & 0o002) return 'is world-writable';
  if (who && bitsFor(st, who) & 2) return `is writable by uid ${who.uid}, the user scripts run as`;
  return null;
}

/** Every directory from `from` down to `to`, both included; `to` must lie under `from`. */
function dirsBetween(from: string, to: string): string[] {
  const out = [from];
  let cur = from;
  for (const part of relative(from, to).split(sep).filter(Boolean)) {
    cur = resolve(cur, part);
    out.push(cur);
  }
  return out;
}

async function realOrThrow(p: string, what: string): Promise<string> {
  try {
    return await realpath(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw invalid(`${what} cannot be resolved (${code})`);
  }
}

/** `path` (absolute, or relative to scriptsDir) as a real path, refused unless it lies inside the real scriptsDir or is it. */
async function resolveInside(path: string, what: string, scriptsDir: string): Promise<{ real: string; realDir: string }> {
  if (path.includes('\0')) throw invalid(`${what} must not contain NUL`);
  if (!isAbsolute(scriptsDir)) throw invalid(`scripts directory '${scriptsDir}' must be an absolute path`);
  const realDir = await realOrThrow(scriptsDir, `scripts directory '${scriptsDir}'`);
  const real = await realOrThrow(isAbsolute(path) ? path : resolve(realDir, path), `${what} '${path}'`);
  const rel = relative(realDir, real);
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) throw invalid(`${what} '${path}' resolves outside the scripts directory '${scriptsDir}'`);
  return { real, realDir };
}

/** Every directory from / down to `dir` must let `who` in, or the spawn fails with EACCES. */
async function searchableOrThrow(dir: string, who: RunAs, purpose: string): Promise<void> {
  for (const d of dirsBetween('/', dir)) {
    if (!(bitsFor(await stat(d), who) & 1)) throw invalid(`directory '${d}' must be searchable by uid ${who.uid} (e.g. mode 0755) ${purpose}`);
  }
}

/** The real path of a provider's working_directory: a directory inside scriptsDir (or it) that the script's user can enter. */
export async function resolveWorkingDir(dir: string, scriptsDir: string, who: RunAs | null = scriptIdentity()): Promise<string> {
  const { real } = await resolveInside(dir, 'working_directory', scriptsDir);
  if (!(await stat(real)).isDirectory()) throw invalid(`working_directory '${dir}' is not a directory`);
  if (who) await searchableOrThrow(real, who, `to use working_directory '${dir}'`);
  return real;
}

/**
 * Returns the real path of the script after checking: it lies inside the real scriptsDir
 * (so `..` and symlinks cannot leave it), it is a regular file, readable and executable by
 * the user it will run as, and neither it nor the directories between it and scriptsDir
 * are writable by everyone or by that user. Throws SCRIPT_PATH_INVALID (400) otherwise.
 * Called at save time and again right before every run.
 */
export async function resolveScript(scriptPath: string, scriptsDir: string, who: RunAs | null = scriptIdentity()): Promise<string> {
  const { real, realDir } = await resolveInside(scriptPath, 'script_path', scriptsDir);
  if (real === realDir) throw invalid(`script_path '${scriptPath}' resolves outside the scripts directory '${scriptsDir}'`);

  const st = await stat(real);
  if (!st.isFile()) throw invalid(`script_path '${scriptPath}' is not a regular file`);
  const fileProblem = writableProblem(st, who);
  if (fileProblem) throw invalid(`script_path '${scriptPath}' ${fileProblem}`);

  for (const dir of dirsBetween(realDir, dirname(real))) {
    const problem = writableProblem(await stat(dir), who);
    if (problem) throw invalid(`directory '${dir}' holding script_path '${scriptPath}' ${problem}`);
  }

  if (who) {
    // The kernel would say EACCES at exec time; checking here gives the operator a reason at save time.
    if ((bitsFor(st, who) & 5) !== 5) {
      throw invalid(`script_path '${scriptPath}' must be readable and executable by uid ${who.uid} (e.g. mode 0755)`);
    }
    await searchableOrThrow(dirname(real), who, `to run script_path '${scriptPath}'`);
  } else {
    try {
      await access(real, constants.R_OK | constants.X_OK);
    } catch {
      throw invalid(`script_path '${scriptPath}' must be readable and executable by the daemon's user`);
    }
  }
  return real;
}
