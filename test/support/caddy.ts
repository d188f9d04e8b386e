// Starts a real Caddy (Debian's, or one built by scripts/build-caddy.sh) with its admin API on a loopback port.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Agent, request } from 'undici';
import { freePort, waitForTcp } from './ports.js';
import { requireBinary, startProcess, type ServerProcess } from './proc.js';

export const DEBIAN_CADDY = '/usr/bin/caddy';

/** The user-facing build script (docs/deployment.md, "Caddy without Docker"): the tests use the same one. */
export const BUILD_SCRIPT = join(import.meta.dirname, '..', '..', 'scripts', 'build-caddy.sh');

/**
 * Caddy 2.6.2 from Debian's source package plus upstream's dns.providers.acmeproxy and dns.providers.rfc2136
 * modules, built by scripts/build-caddy.sh, the script users run. Cached by the hash of the build inputs; a cold
 * build needs apt (deb-src, build-dep) and takes a minute or two.
 */
export async function buildCaddyWithAcmeproxy(): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)('bash', [BUILD_SCRIPT], { timeout: 900_000, maxBuffer: 64 * 1024 * 1024 });
    const path = stdout.trim().split('\n').pop() ?? '';
    return requireBinary(path, 'golang-go (via apt-get build-dep caddy=2.6.2-5)');
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(
      `building Caddy with dns.providers.acmeproxy failed (needs apt with a deb-src entry and the build-deps of the Debian source package 'caddy'): ${err.message}\n${(err.stderr ?? '').slice(-4000)}`,
    );
  }
}

export interface StartCaddyOptions {
  /** Defaults to Debian's /usr/bin/caddy (package `caddy`). */
  binary?: string;
  /**
   * Initial JSON config; `admin.listen` is set for you. Listen on port 0 where nothing connects (e.g. an
   * operator's HTTP server): a port picked beforehand could be taken by then.
   */
  config?: Record<string, unknown>;
  /** More environment for Caddy, e.g. a token its config reads as `{env.NAME}`. */
  env?: Record<string, string>;
}

export interface RunningCaddy {
  adminUrl: string;
  adminPort: number;
  workDir: string;
  /** The last 20,000 characters of Caddy's output. */
  output(): string;
  /** Everything Caddy wrote to stdout and stderr since it started (all runs), e.g. to look for a secret in its logs. */
  fullOutput(): string;
  /** Stops Caddy and removes its work dir. */
  stop(): Promise<void>;
  /** Stops and starts again from the initial config file, as a crashed/restarted Caddy would (no --resume). */
  restart(): Promise<void>;
  /** Stops without cleaning up, to simulate Caddy being down; `restart()` brings it back. */
  kill(): Promise<void>;
}

/**
 * Connections for the tests' own admin calls, never shared with fetch: Caddy 2.6 replaces its admin
 * server on every config load and closes the old one's idle keep-alive sockets, so a pooled socket can
 * be dead by the next call ("other side closed"). Every call closes its socket (`reset`), as
 * CaddyAdminClient's do.
 */
const adminAgent = new Agent();

/** One raw admin API call (no client code in between); JSON body when given. */
export async function caddyAdmin(
  adminUrl: string,
  path: string,
  opts: { method?: 'GET' | 'POST' | 'PATCH'; body?: unknown; timeoutMs?: number } = {},
): Promise<{ status: number; text: string }> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const method = opts.method ?? 'GET';
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await request(`${adminUrl}${path}`, {
        method,
        ...(opts.body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(opts.body) }),
        dispatcher: adminAgent,
        reset: true,
        signal: AbortSignal.timeout(timeoutMs),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      return { status: res.statusCode, text: await res.body.text() };
    } catch (err) {
      // A read that meets the moment a config load replaces the admin server is reset (ECONNRESET): a GET
      // changes nothing, so ask again. Writes are never repeated.
      const code = (err as { code?: string }).code;
      if (method !== 'GET' || attempt >= 5 || !['ECONNRESET', 'UND_ERR_SOCKET', 'ECONNREFUSED'].includes(code ?? '')) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * A Caddyfile turned into Caddy's JSON by `caddy adapt` (with Caddyfile `{$VAR}`s resolved from `env` alone), for
 * startCaddy's `config`. Throws with Caddy's message when the file does not adapt.
 */
export async function adaptCaddyfile(binary: string, caddyfile: string, env: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), 'dns01-caddyfile-'));
  try {
    const file = join(dir, 'Caddyfile');
    await writeFile(file, caddyfile);
    const { stdout } = await promisify(execFile)(binary, ['adapt', '--config', file, '--adapter', 'caddyfile'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir, ...env },
      timeout: 60_000,
    }).catch((e: { stderr?: string; message: string }) => {
      throw new Error(`caddy adapt failed: ${e.stderr ?? e.message}`);
    });
    return JSON.parse(stdout) as Record<string, unknown>;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function waitForAdmin(adminUrl: string, port: number, proc: ServerProcess): Promise<void> {
  const failed = (why: string) => new Error(`caddy admin API ${why}\n${proc.output()}`);
  try {
    await waitForTcp(port, '127.0.0.1', 15_000);
  } catch (err) {
    throw failed(`did not come up: ${(err as Error).message}`);
  }
  // Listening precedes the first config load by a moment; wait until /config/ answers.
  for (let i = 0; i < 100; i++) {
    if (proc.child.exitCode !== null) throw failed('exited');
    const res = await caddyAdmin(adminUrl, '/config/', { timeoutMs: 2000 }).catch(() => null);
    if (res?.status === 200) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw failed('never answered /config/');
}

export async function startCaddy(opts: StartCaddyOptions = {}): Promise<RunningCaddy> {
  const binary = requireBinary(opts.binary ?? DEBIAN_CADDY, 'caddy');
  const workDir = await mkdtemp(join(tmpdir(), 'dns01-caddy-'));
  const apps = (opts.config?.apps ?? {}) as Record<string, unknown>;
  const configFile = join(workDir, 'caddy.json');
  let adminPort = 0;
  const writeConfig = async () => {
    adminPort = await freePort();
    await writeFile(configFile, JSON.stringify({
      ...(opts.config ?? {}),
      admin: { ...((opts.config?.admin as object) ?? {}), listen: `127.0.0.1:${adminPort}` },
      // As root, Caddy would otherwise add its local CA to the machine's trust store on every start.
      apps: { ...apps, pki: { certificate_authorities: { local: { install_trust: false } } } },
    }));
  };
  for (const d of ['home', 'data', 'config', 'cache']) await mkdir(join(workDir, d), { recursive: true });
  // Caddy stores certificates, autosave.json and its local CA under HOME/XDG_*: keep all of it in the work dir.
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: join(workDir, 'home'),
    XDG_DATA_HOME: join(workDir, 'data'),
    XDG_CONFIG_HOME: join(workDir, 'config'),
    XDG_CACHE_HOME: join(workDir, 'cache'),
    ...opts.env,
  };
  let everything = '';

  let proc: ServerProcess | null = null;
  const adminUrl = () => `http://127.0.0.1:${adminPort}`;
  const launch = async () => {
    proc = startProcess(binary, ['run', '--config', configFile], { env, cwd: workDir });
    const keep = (b: Buffer) => { everything += b.toString(); };
    proc.child.stdout?.on('data', keep);
    proc.child.stderr?.on('data', keep);
    await waitForAdmin(adminUrl(), adminPort, proc);
  };
  const halt = async () => {
    const p = proc;
    proc = null;
    await p?.stop();
  };
  // The admin port is free when picked, but another process may take it before Caddy binds: pick again.
  for (let attempt = 1; ; attempt++) {
    try {
      await writeConfig();
      await launch();
      break;
    } catch (err) {
      await halt();
      if (attempt < 3 && /address already in use/.test((err as Error).message)) continue;
      await rm(workDir, { recursive: true, force: true });
      throw err;
    }
  }

  return {
    adminUrl: adminUrl(),
    adminPort,
    workDir,
    output: () => (proc as ServerProcess | null)?.output() ?? '',
    fullOutput: () => everything,
    kill: halt,
    restart: async () => {
      await halt();
      await launch();
    },
    stop: async () => {
      await halt();
      await rm(workDir, { recursive: true, force: true });
    },
  };
}
