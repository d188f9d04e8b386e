// What a user sees when starting wrong: an old Node, no build, a placeholder secret, plugin settings. One line each.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const REPO_ROOT = resolve(import.meta.dirname, '../..');
const OLD_NODE = '/usr/bin/node';
const tmp = mkdtempSync(join(tmpdir(), 'dns01-startup-'));

/** Runs a command as a user would, with the old Node first on PATH unless told otherwise. */
function run(cmd: string, args: string[], opts: { cwd?: string; env?: Record<string, string>; path?: string } = {}) {
  const env = { PATH: opts.path ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...opts.env };
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? REPO_ROOT, env, encoding: 'utf8', timeout: 120_000 });
  const stderr = r.stderr ?? String(r.error);
  return { status: r.status, stdout: r.stdout ?? '', stderr, lines: stderr.split('\n').filter(Boolean) };
}

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('on an old Node', () => {
  const oldVersion = run(OLD_NODE, ['-p', 'process.versions.node']).stdout.trim();

  it('has an old Node to test with', () => {
    expect(Number(oldVersion.split('.')[0])).toBeLessThan(24);
  });

  it('the launcher prints one line naming Node 24 and exits 1', () => {
    const r = run(OLD_NODE, ['bin/dns01-proxy.mjs']);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`dns01-proxy needs Node.js 24 (this is ${oldVersion}): run it through 'bash scripts/node24.sh node bin/dns01-proxy.mjs' or install Node 24\n`);
  });

  it.each([
    ['start', 'npm start'],
    ['test', 'npm test'],
    ['run build', 'npm run build'],
    ['run typecheck', 'npm run typecheck'],
    ['run bench', 'npm run bench'],
    ['run db:generate', 'npm run db:generate'],
  ])('npm %s prints one line naming Node 24 and exits 1', (script, command) => {
    const r = run('npm', script.split(' '));
    expect(r.status).toBe(1);
    expect(r.lines).toEqual([`dns01-proxy needs Node.js 24 (this is ${oldVersion}): run it through 'bash scripts/node24.sh ${command}' or install Node 24`]);
  });

  it('npm ci stops at once on the engine requirement (engine-strict) and installs nothing', () => {
    const dir = join(tmp, 'ci');
    mkdirSync(dir);
    for (const f of ['package.json', 'package-lock.json', '.npmrc']) copyFileSync(join(REPO_ROOT, f), join(dir, f));
    const r = run('npm', ['ci', '--prefer-offline'], { cwd: dir });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('EBADENGINE');
    expect(r.stderr).toContain('Required: {"node":">=24"}');
    expect(existsSync(join(dir, 'node_modules'))).toBe(false);
  });
});

describe('on Node 24', () => {
  const node24 = `${resolve(process.execPath, '..')}:/usr/bin:/bin`;

  it('the launcher without a build says in one line to run npm run build', () => {
    const dir = join(tmp, 'unbuilt');
    mkdirSync(join(dir, 'bin'), { recursive: true });
    for (const f of ['dns01-proxy.mjs', 'require-node24.mjs']) copyFileSync(join(REPO_ROOT, 'bin', f), join(dir, 'bin', f));
    const r = run(process.execPath, ['bin/dns01-proxy.mjs'], { cwd: dir, path: node24 });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("dns01-proxy: dist/main.js is missing: run 'npm run build' first\n");
  });

  /** The real daemon as a child process, in a clean environment. */
  const daemon = (env: Record<string, string>) =>
    run(process.execPath, ['--import', 'tsx', 'src/main.ts'], { path: node24, env: { DNS01_DATA_DIR: join(tmp, 'data'), DNS01_PORT: '0', ...env } });

  it.each([
    ['DNS01_ADMIN_TOKEN', { DNS01_ADMIN_TOKEN: 'REPLACE_ME-admin-token-generate-with-openssl-rand-hex-32' }],
    ['DNS01_ENCRYPTION_KEY_FILE', { DNS01_ENCRYPTION_KEY_FILE: join(REPO_ROOT, 'deploy/base/secrets/encryption-key') }],
  ])('a placeholder in %s stops start-up with one line naming it', (name, env) => {
    const r = daemon(env);
    expect(r.status).toBe(2);
    expect(r.lines).toEqual([`dns01-proxy: invalid configuration: ${name}: still holds a placeholder (such as REPLACE_ME); set a real value`]);
    expect(existsSync(join(tmp, 'data'))).toBe(false);
  });

  it('DNS01_PLUGINS_DIR without its allow-list stops start-up with one line saying both are needed', () => {
    const r = daemon({ DNS01_PLUGINS_DIR: '/plugins' });
    expect(r.status).toBe(2);
    expect(r.lines).toEqual(['dns01-proxy: invalid configuration: DNS01_PLUGINS_DIR and DNS01_PLUGINS_CONFIG go together: set both to load plugins, or neither']);
  });
});
