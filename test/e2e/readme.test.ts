// The README's first command, verbatim, in a fresh clone of HEAD on a machine whose own Node is too old (20):
// it must install, build and start the daemon on PGlite. Needs the npm registry; slow by nature (npm ci, tsc).
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe } from '../support/daemon-process.js';

const REPO_ROOT = resolve(import.meta.dirname, '../..');
const OLD_NODE = '/usr/bin/node';
const MINUTES = 60_000;

/** The ```sh blocks of the README, in order. */
function shellBlocks(readme: string): string[] {
  return [...readme.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!.trim());
}

/** Only what a user's shell would have, with the old Node first on PATH; proxies pass through for the registry. */
function userEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: '/usr/bin:/bin:/usr/sbin:/sbin', HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8', ...extra };
  for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy']) {
    if (process.env[name] !== undefined) env[name] = process.env[name];
  }
  return env;
}

/** Processes of a group still running (zombies aside: this machine's PID 1 does not reap orphans). */
function liveInGroup(pgid: number): number[] {
  const live: number[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z') live.push(Number(pid));
  }
  return live;
}

async function stopGroup(pgid: number): Promise<void> {
  process.kill(-pgid, 'SIGTERM');
  while (liveInGroup(pgid).length > 0) await new Promise((r) => setTimeout(r, 200));
}

describe('README first command on a fresh clone with Node 20 first on PATH', () => {
  let dir = '';
  let command = '';
  let port = 0;
  let child: ChildProcess;
  let out = '';
  let health: { status: number } | { error: string } = { error: 'not probed' };

  beforeAll(async () => {
    const major = Number(spawnSync(OLD_NODE, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).stdout);
    expect(major > 0 && major < 24, `${OLD_NODE} must be an old Node (Debian 12 with Node 20)`).toBe(true);
    dir = await mkdtemp(join(tmpdir(), 'dns01-readme-'));
    // The committed HEAD, as a new user gets it: nothing ignored by git (node_modules, dist, .node, data) comes along.
    const head = execFileSync('git', ['-C', REPO_ROOT, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    execFileSync('git', ['clone', '--quiet', '--no-checkout', REPO_ROOT, dir], { timeout: 2 * MINUTES });
    execFileSync('git', ['-C', dir, 'checkout', '--quiet', head], { timeout: 2 * MINUTES });
    command = shellBlocks(await readFile(join(dir, 'README.md'), 'utf8'))[0] ?? '';

    // Its own process group, so stopping it reaches npm, node24.sh's shell and the daemon alike. Port 0: a port
    // picked now could be taken by another test during the minutes of install; the daemon logs the one it got.
    child = spawn('bash', ['-c', command], { cwd: dir, env: userEnv({ DNS01_PORT: '0' }), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (b: Buffer) => { out = (out + b.toString()).slice(-100_000); };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    let gone = false;
    child.once('exit', () => (gone = true));
    // First run: Node 24 download, npm ci and tsc on a loaded machine take minutes; the hook timeout bounds it.
    while (!gone && port === 0) {
      const listening = out.split('\n').slice(0, -1).find((l) => l.includes('"msg":"listening"'));
      if (listening) port = (JSON.parse(listening) as { port: number }).port;
      else await new Promise((r) => setTimeout(r, 1000));
    }
    while (!gone && port !== 0) {
      health = await probe(`http://127.0.0.1:${port}/health`);
      if ('status' in health && health.status === 200) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 25 * MINUTES);

  afterAll(async () => {
    if (child?.pid && liveInGroup(child.pid).length > 0) {
      const t = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone meanwhile */ } }, 30_000);
      await stopGroup(child.pid);
      clearTimeout(t);
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 2 * MINUTES);

  it('is the node24.sh wrapper, so it does not depend on the Node on PATH', () => {
    expect(command).toMatch(/^bash scripts\/node24\.sh /);
  });

  it('installs, builds and starts the daemon: /health answers 200', () => {
    expect(health, out).toEqual({ status: 200 });
    // Node 24 did the install: none of Node 20's engine warnings (the original report showed 40).
    expect(out).not.toContain('EBADENGINE');
    expect(out).toContain('"database":"pglite"');
  });

  it('stops with its process group on SIGTERM', async () => {
    await stopGroup(child.pid!);
    expect(await probe(`http://127.0.0.1:${port}/health`)).toEqual({ error: 'ECONNREFUSED' });
    expect(out).toContain('stopping: draining in-flight requests');
  }, 2 * MINUTES);

  it('`npm start` on Node 20 in the installed clone says in one line what to do', () => {
    const r = spawnSync('npm', ['start'], { cwd: dir, env: userEnv({}), encoding: 'utf8', timeout: 2 * MINUTES });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^dns01-proxy needs Node\.js 24 \(this is \d+\.\d+\.\d+\): run it through 'bash scripts\/node24\.sh npm start' or install Node 24\n$/);
  }, 2 * MINUTES);

  it('the compiled daemon started through the launcher refuses DNS01_PLUGINS_DIR without its allow-list in one line', () => {
    const r = spawnSync(process.execPath, ['bin/dns01-proxy.mjs'], { cwd: dir, env: userEnv({ DNS01_PLUGINS_DIR: '/plugins' }), encoding: 'utf8', timeout: 2 * MINUTES });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('dns01-proxy: invalid configuration: DNS01_PLUGINS_DIR and DNS01_PLUGINS_CONFIG go together: set both to load plugins, or neither\n');
  }, 2 * MINUTES);

  it('.ci/run runs the README test command verbatim', async () => {
    const readme = shellBlocks(await readFile(join(dir, 'README.md'), 'utf8'));
    const ci = (await readFile(join(dir, '.ci/run'), 'utf8')).trim().split('\n');
    expect(readme[1]).toMatch(/^bash scripts\/node24\.sh .*install-servers\.sh.*npm test/);
    expect(ci.at(-1)).toBe(readme[1]);
  });
});
