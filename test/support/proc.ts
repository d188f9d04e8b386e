// Starts a real server process for a test, keeps its output for error messages, and stops it.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

export interface ServerProcess {
  child: ChildProcess;
  /** Last output of the process, for failure messages. */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Throws an error naming the Debian package when a binary is missing, so a failing test says what to install. */
export function requireBinary(path: string, debianPackage: string): string {
  try {
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    throw new Error(`${path} not found: install the Debian package '${debianPackage}' (test/install-servers.sh does this)`);
  }
}

export function startProcess(cmd: string, args: string[], opts: SpawnOptions = {}): ServerProcess {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  let out = '';
  const keep = (b: Buffer) => { out = (out + b.toString()).slice(-20_000); };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('error', (e) => keep(Buffer.from(`spawn error: ${e.message}\n`)));
  return {
    child,
    output: () => out,
    stop: (signal: NodeJS.Signals = 'SIGTERM') =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => { clearTimeout(t); resolve(); });
        child.kill(signal);
      }),
  };
}
