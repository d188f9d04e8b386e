// Starts a real Caddy (Debian's, or one built by test/caddy/build-caddy.sh) with its admin API on a loopback port.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, waitForTcp } from './ports.js';
import { requireBinary, startProcess, type ServerProcess } from './proc.js';

export const DEBIAN_CADDY = '/usr/bin/caddy';

const BUILD_SCRIPT = join(import.meta.dirname, '..', 'caddy', 'build-caddy.sh');

/**
 * Caddy 2.6.2 from Debian's source package plus our dns.providers.acmeproxy module (test/caddy/build-caddy.sh).
 * Cached by module hash; a cold build needs apt (deb-src, build-dep) and takes a minute or two.
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
  /** Initial JSON config; `admin.listen` is set for you. */
  config?: Record<string, unknown>;
}

export interface RunningCaddy {
  adminUrl: string;
  adminPort: number;
  workDir: string;
  output(): string;
  /** Stops Caddy and removes its work dir. */
  stop(): Promise<void>;
  /** Stops and starts again from the initial config file, as a crashed/restarted Caddy would (no --resume). */
  restart(): Promise<void>;
  /** Stops without cleaning up, to simulate Caddy being down; `restart()` brings it back. */
  kill(): Promise<void>;
}

async function waitForAdmin(adminUrl: string, port: number, proc: ServerProcess): Promise<void> {
  try {
    await waitForTcp(port, '127.0.0.1', 15_000);
  } catch (err) {
    throw new Error(`caddy admin API did not come up: ${(err as Error).message}\n${proc.output()}`);
  }
  // Listening precedes the first config load by a moment; wait until /config/ answers.
  for (let i = 0; i < 100; i++) {
    try {
      const res = await fetch(`${adminUrl}/config/`, { signal: AbortSignal.timeout(2000) });
      await res.text();
      if (res.ok) return;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`caddy admin API never answered /config/\n${proc.output()}`);
}

export async function startCaddy(opts: StartCaddyOptions = {}): Promise<RunningCaddy> {
  const binary = requireBinary(opts.binary ?? DEBIAN_CADDY, 'caddy');
  const workDir = await mkdtemp(join(tmpdir(), 'dns01-caddy-'));
  const adminPort = await freePort();
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const apps = (opts.config?.apps ?? {}) as Record<string, unknown>;
  const config = {
    ...(opts.config ?? {}),
    admin: { ...((opts.config?.admin as object) ?? {}), listen: `127.0.0.1:${adminPort}` },
    // As root, Caddy would otherwise add its local CA to the machine's trust store on every start.
    apps: { ...apps, pki: { certificate_authorities: { local: { install_trust: false } } } },
  };
  const configFile = join(workDir, 'caddy.json');
  await writeFile(configFile, JSON.stringify(config));
  for (const d of ['home', 'data', 'config', 'cache']) await mkdir(join(workDir, d), { recursive: true });
  // Caddy stores certificates, autosave.json and its local CA under HOME/XDG_*: keep all of it in the work dir.
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: join(workDir, 'home'),
    XDG_DATA_HOME: join(workDir, 'data'),
    XDG_CONFIG_HOME: join(workDir, 'config'),
    XDG_CACHE_HOME: join(workDir, 'cache'),
  };

  let proc: ServerProcess | null = null;
  const launch = async () => {
    proc = startProcess(binary, ['run', '--config', configFile], { env, cwd: workDir });
    await waitForAdmin(adminUrl, adminPort, proc);
  };
  const halt = async () => {
    const p = proc;
    proc = null;
    await p?.stop();
  };
  try {
    await launch();
  } catch (err) {
    await halt();
    await rm(workDir, { recursive: true, force: true });
    throw err;
  }

  return {
    adminUrl,
    adminPort,
    workDir,
    output: () => (proc as ServerProcess | null)?.output() ?? '',
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
