// Runs the daemon as a real child process (node --import tsx src/main.ts) for crash and signal tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { apiClient, type ApiClient } from './api-client.js';
import { freePort } from './ports.js';

const REPO_ROOT = resolve(import.meta.dirname, '../..');

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface DaemonProcess extends ApiClient {
  child: ChildProcess;
  url: string;
  port: number;
  internalToken: string;
  adminToken: string;
  encryptionKey: string;
  /** Resolves when the process has exited. */
  exited: Promise<ExitInfo>;
  /** stdout + stderr so far (pino JSON lines), for failure messages. */
  output(): string;
  /** Sends `signal` and waits for the exit. */
  kill(signal: NodeJS.Signals): Promise<ExitInfo>;
  /** SIGKILLs the process if it still runs and removes its data dir. */
  stop(): Promise<void>;
  dataDir: string;
}

export interface DaemonProcessOptions {
  /** PostgreSQL URL; unset means embedded PGlite in the process's data dir. */
  databaseUrl?: string;
  /** Extra environment (e.g. DNS01_ENCRYPTION_KEY shared with an in-process daemon). */
  env?: Record<string, string>;
  /** How long to wait for /health (default 60 s: tsx compiles on first start). */
  startTimeoutMs?: number;
  /**
   * What to wait for: 'started' (default), start-up done (with PostgreSQL the listener answers while start-up still waits
   * for the database: /ready says `"status": "starting"`); 'listening', /health answers 200; 'spawned', nothing.
   */
  until?: 'started' | 'listening' | 'spawned';
  /** A fixed port (no retry on another); default a free one. */
  port?: number;
  /** No secret in the environment: the daemon generates them into its data dir (adminToken etc. are then ''). */
  generatedSecrets?: boolean;
}

/** One GET on a fresh connection (no keep-alive pool), so "refused" means the listener is gone. */
export function probe(url: string): Promise<{ status: number } | { error: string }> {
  return new Promise((done) => {
    const req = httpRequest(url, { agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => done({ status: res.statusCode ?? 0 }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('probe timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', (e: NodeJS.ErrnoException) => done({ error: e.code ?? e.message }));
    req.end();
  });
}

function launch(port: number, dataDir: string, env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: REPO_ROOT,
    // A clean environment: only what an operator would set, plus PATH for tsx.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env, DNS01_PORT: String(port), DNS01_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (b: Buffer) => { out = (out + b.toString()).slice(-50_000); };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<ExitInfo>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  return { child, exited, output: () => out };
}

/** The status field of /ready's body, or null when there is no answer. */
async function readyStatus(url: string): Promise<string | null> {
  try {
    const res = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(5000) });
    return ((await res.json()) as { status?: string }).status ?? null;
  } catch {
    return null;
  }
}

async function waitHealthy(url: string, exited: Promise<ExitInfo>, timeoutMs: number, started: boolean): Promise<boolean> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + timeoutMs;
  while (!gone && Date.now() < deadline) {
    const r = await probe(`${url}/health`);
    if ('status' in r && r.status === 200) {
      const status = started ? await readyStatus(url) : null;
      if (!started || (status !== null && status !== 'starting')) return true;
    }
    await new Promise((res) => setTimeout(res, 100));
  }
  return false;
}

export async function startDaemonProcess(opts: DaemonProcessOptions = {}): Promise<DaemonProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), 'dns01-proc-'));
  const secret = (given: string | undefined, make: () => string) => (opts.generatedSecrets ? '' : given ?? make());
  const internalToken = secret(opts.env?.DNS01_INTERNAL_TOKEN, () => randomBytes(24).toString('base64url'));
  const adminToken = secret(opts.env?.DNS01_ADMIN_TOKEN, () => randomBytes(24).toString('base64url'));
  const encryptionKey = secret(opts.env?.DNS01_ENCRYPTION_KEY, () => randomBytes(32).toString('base64'));
  const env: Record<string, string> = {
    DNS01_HOST: '127.0.0.1',
    ...(opts.generatedSecrets ? {} : { DNS01_INTERNAL_TOKEN: internalToken, DNS01_ADMIN_TOKEN: adminToken, DNS01_ENCRYPTION_KEY: encryptionKey }),
    DNS01_ALLOW_PRIVATE_WEBHOOKS: 'true',
    LOG_LEVEL: 'debug',
    ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
    ...opts.env,
  };

  // freePort can race with other engineers' servers: a child that dies before /health gets another port.
  let lastOutput = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = opts.port ?? await freePort();
    const url = `http://127.0.0.1:${port}`;
    const proc = launch(port, dataDir, env);
    if (opts.until === 'spawned' || await waitHealthy(url, proc.exited, opts.startTimeoutMs ?? 60_000, opts.until !== 'listening')) {
      return handle(proc, url, port, dataDir, internalToken, adminToken, encryptionKey);
    }
    if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
    await proc.exited;
    lastOutput = proc.output();
    if (opts.port !== undefined || !/EADDRINUSE/.test(lastOutput)) break;
  }
  await rm(dataDir, { recursive: true, force: true });
  throw new Error(`daemon process did not become healthy:\n${lastOutput.slice(-5000)}`);
}

function handle(
  proc: ReturnType<typeof launch>, url: string, port: number, dataDir: string,
  internalToken: string, adminToken: string, encryptionKey: string,
): DaemonProcess {
  const running = () => proc.child.exitCode === null && proc.child.signalCode === null;
  const p: DaemonProcess = {
    child: proc.child, url, port, internalToken, adminToken, encryptionKey, dataDir,
    exited: proc.exited,
    output: proc.output,
    ...apiClient(url, internalToken, adminToken),
    kill: async (signal) => {
      if (running()) proc.child.kill(signal);
      return proc.exited;
    },
    stop: async () => {
      if (running()) proc.child.kill('SIGKILL');
      await proc.exited;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return p;
}
