// The package as a user installs it: `npm pack` (prepack builds dist/), `npm install -g` of the tarball into a
// temporary prefix, then the installed `dns01-proxy` on a PATH with no checkout on it, from a directory outside one:
// the daemon on its embedded default up to /health, one CLI command against it, and a clean stop.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from '../support/ports.js';
import { repoRoot } from './support.js';

const MINUTES = 60_000;
// Node 24's bin directory (the test runs under it) and the system's: nothing of the checkout.
const NODE_BIN = dirname(process.execPath);
const SYSTEM_PATH = '/usr/bin:/bin';
// What a checkout holds that the copy leaves out: installed or built things, and git's.
const NOT_COPIED = new Set(['node_modules', '.node', 'dist', 'data', '.tmp', '.git', 'test-results']);

interface Run { code: number; stdout: string; stderr: string }

function exec(file: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; timeout: number }): Promise<Run> {
  return new Promise((done) => {
    execFile(file, args, { ...opts, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr: stderr + (err && typeof err.code !== 'number' ? String(err) : '') });
    });
  });
}

/**
 * The runner's environment for npm (its CA and proxy settings reach the registry), without npm run's lifecycle
 * variables (npm_config_global, npm_lifecycle_event, ...) beyond npm's own registry and cache settings.
 */
function npmEnv(path: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^npm_/i.test(k) || /^npm_config_(registry|cache|userconfig)$/i.test(k)) env[k] = v;
  }
  return { ...env, PATH: path };
}

describe('npm pack, npm install -g, then the installed dns01-proxy', () => {
  let tmp: string;
  let tarball: string;
  let prefix: string;
  let daemon: ChildProcess | undefined;
  let daemonLog = '';

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'dns01-npm-install-'));
    // Packed from a copy of the checkout, so that prepack's build does not rewrite the dist/ other tests may be using.
    const src = join(tmp, 'checkout');
    await mkdir(src);
    for (const name of await readdir(repoRoot)) {
      if (!NOT_COPIED.has(name)) await cp(join(repoRoot, name), join(src, name), { recursive: true });
    }
    await symlink(join(repoRoot, 'node_modules'), join(src, 'node_modules'));
    const out = join(tmp, 'out');
    await mkdir(out);
    const pack = await exec('npm', ['pack', '--pack-destination', out], { cwd: src, env: npmEnv(`${NODE_BIN}:${SYSTEM_PATH}`), timeout: 10 * MINUTES });
    expect(pack.code, pack.stderr).toBe(0);
    tarball = join(out, pack.stdout.trim().split('\n').at(-1)!);
    prefix = join(tmp, 'prefix');
    // --ignore-scripts: the package runs nothing at install (its postinstall patches a checkout's node_modules;
    // the patched code is already inside dist/). npm 11 would otherwise skip it with a warning.
    const install = await exec('npm', ['install', '-g', '--prefix', prefix, '--ignore-scripts', '--no-audit', '--no-fund', tarball],
      { cwd: tmp, env: npmEnv(`${NODE_BIN}:${SYSTEM_PATH}`), timeout: 10 * MINUTES });
    expect(install.code, install.stderr).toBe(0);
    expect(install.stderr).not.toMatch(/install-scripts|ERR/);
  }, 20 * MINUTES);

  afterAll(async () => {
    if (daemon && daemon.exitCode === null) daemon.kill('SIGKILL');
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('ships the compiled daemon and CLI, the migrations and the PGlite template, and no sources or build tools', async () => {
    const list = await exec('tar', ['tzf', tarball], { cwd: tmp, env: { PATH: SYSTEM_PATH }, timeout: MINUTES });
    const files = new Set(list.stdout.split('\n').filter(Boolean));
    for (const f of ['bin/dns01-proxy.mjs', 'dist/main.js', 'dist/cli/main.js', 'dist/pglite-template.tar.gz',
      'drizzle/meta/_journal.json', 'drizzle/0000_init.sql', 'deploy/systemd/dns01-proxy.service', 'package.json',
      'dist/plugin-api/index.js', 'dist/plugin-api/index.d.ts']) {
      expect(files, f).toContain(`package/${f}`);
    }
    expect([...files].filter((f) => /^package\/(src|test)\//.test(f))).toEqual([]);
    const installed = join(prefix, 'lib/node_modules/dns01-proxy');
    // Production dependencies only: nothing to compile with, so nothing was compiled.
    for (const dev of ['typescript', 'esbuild', 'tsx', 'vitest']) expect(existsSync(join(installed, 'node_modules', dev)), dev).toBe(false);
    expect(existsSync(join(installed, 'node_modules/@electric-sql/pglite'))).toBe(true);
  });

  it('resolves dns01-proxy/plugin-api for a plugin author: the compiled module at run time, its declarations for tsc', async () => {
    const installed = join(prefix, 'lib/node_modules/dns01-proxy');
    expect(existsSync(join(installed, 'dist/plugin-api/index.d.ts'))).toBe(true);
    // A plugin's own project outside any checkout, with the installed package as its dependency.
    const plugin = join(tmp, 'plugin');
    await mkdir(join(plugin, 'node_modules'), { recursive: true });
    await symlink(installed, join(plugin, 'node_modules/dns01-proxy'));
    // The author's own dev dependency (pino's declarations reference Node's).
    await mkdir(join(plugin, 'node_modules/@types'));
    await symlink(join(repoRoot, 'node_modules/@types/node'), join(plugin, 'node_modules/@types/node'));
    await writeFile(join(plugin, 'package.json'), JSON.stringify({ name: 'my-plugin', type: 'module', private: true }));
    await writeFile(join(plugin, 'run.mjs'), "import { PLUGIN_INTERFACE_VERSION } from 'dns01-proxy/plugin-api';\nconsole.log(PLUGIN_INTERFACE_VERSION);\n");
    const run = await exec(process.execPath, ['run.mjs'], { cwd: plugin, env: { PATH: SYSTEM_PATH }, timeout: MINUTES });
    expect(run, run.stderr).toMatchObject({ code: 0, stdout: '1\n' });
    // The types are real, not `any`: a wrong plugin is an error (else @ts-expect-error is itself one).
    await writeFile(join(plugin, 'plugin.mts'), [
      "import type { PluginFactory, ProviderPlugin } from 'dns01-proxy/plugin-api';",
      'export const factory: PluginFactory = (host) => ({',
      "  metadata: { type: 'x', name: 'X', description: 'an example', version: '1.0.0', author: 'me', interfaceVersion: host.interfaceVersion },",
      "  credentials: host.z.object({ api_key: host.z.string() }),",
      '  defaults: { propagationTimeout: 60, pollingInterval: 2, ttl: 60 },',
      "  caddyConfig: (c) => ({ name: 'x', api_key: c.api_key }),",
      '});',
      '// @ts-expect-error a plugin needs metadata',
      'export const wrong: ProviderPlugin = { credentials: null };',
      '',
    ].join('\n'));
    await writeFile(join(plugin, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, types: ['node'] }, files: ['plugin.mts'] }));
    const tsc = await exec(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: plugin, env: { PATH: SYSTEM_PATH }, timeout: 2 * MINUTES });
    expect(tsc, tsc.stdout).toMatchObject({ code: 0 });
  }, 3 * MINUTES);

  it('on an old Node (Debian 12: /usr/bin/node), says in one line to install Node 24, with no checkout to point at', async () => {
    const oldNode = await exec('/usr/bin/node', ['-p', 'process.versions.node'], { cwd: tmp, env: { PATH: SYSTEM_PATH }, timeout: MINUTES });
    expect(Number(oldNode.stdout.split('.')[0]), 'an old Node at /usr/bin/node to test with').toBeLessThan(24);
    const r = await exec('dns01-proxy', ['types'], { cwd: tmp, env: { PATH: `${join(prefix, 'bin')}:${SYSTEM_PATH}` }, timeout: MINUTES });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`dns01-proxy needs Node.js 24 (this is ${oldNode.stdout.trim()}): install Node 24\n`);
  });

  it('starts the daemon on its embedded default, answers /health, serves a CLI command, and stops on SIGTERM', async () => {
    const home = join(tmp, 'home');
    const data = join(home, 'data');
    await mkdir(home);
    const port = await freePort();
    // The installed command found on PATH by name; cwd and PATH outside any checkout; no DNS01_* from the runner.
    const path = `${join(prefix, 'bin')}:${NODE_BIN}:${SYSTEM_PATH}`;
    expect(path).not.toContain(join(repoRoot, 'bin'));
    const env = { PATH: path, HOME: home, DNS01_DATA_DIR: data, DNS01_PORT: String(port) };
    daemon = spawn('dns01-proxy', [], { cwd: home, env, stdio: ['ignore', 'pipe', 'pipe'] });
    daemon.stdout!.setEncoding('utf8').on('data', (d: string) => { daemonLog += d; });
    daemon.stderr!.setEncoding('utf8').on('data', (d: string) => { daemonLog += d; });
    const exited = new Promise<number | null>((done) => daemon!.once('exit', (code) => done(code)));

    const deadline = Date.now() + 3 * MINUTES;
    let status = 0;
    while (Date.now() < deadline && daemon.exitCode === null) {
      status = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.status, () => 0);
      if (status === 200) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(status, daemonLog).toBe(200);
    expect(readFileSync(join(data, 'admin-token'), 'utf8').trim()).not.toBe('');

    // The CLI finds the admin token in the data directory, as on the daemon's host.
    const types = await exec('dns01-proxy', ['types'], { cwd: home, env: { PATH: path, HOME: home, DNS01_DATA_DIR: data, DNS01_URL: `http://127.0.0.1:${port}` }, timeout: 2 * MINUTES });
    expect(types.code, types.stderr).toBe(0);
    expect(types.stdout).toMatch(/^TYPE\s+NAME\s+CATEGORY\n/);
    expect(types.stdout).toMatch(/^rfc2136\s+/m);
    expect(types.stdout).toMatch(/^webhook\s+/m);

    daemon.kill('SIGTERM');
    expect(await exited, daemonLog).toBe(0);
    expect(daemonLog).toContain('"msg":"stopped"');
  }, 6 * MINUTES);
});
