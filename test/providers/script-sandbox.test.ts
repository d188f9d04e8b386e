// Script containment with real processes: a `setsid` grandchild dies with its script, and no network unless allowed.
import { chmod, copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import type { PluginContext, RecordRequest } from '../../src/plugin-api/index.js';
import { scriptCredentials, scriptPlugin } from '../../src/plugins/script/index.js';
import { scriptIdentity } from '../../src/plugins/script/path.js';
import { runScript } from '../../src/plugins/script/runner.js';
import { sandboxStatus } from '../../src/plugins/script/sandbox.js';
import { cmdlineOf, hostPidsWithEnv } from '../support/host-procs.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/scripts/', import.meta.url));
const isRoot = process.getuid?.() === 0;
let root: string;
let scriptsDir: string;

const req: RecordRequest = { challengeId: 'ch-sb', fqdn: '_acme-challenge.sb.example.com', domain: 'sb.example.com', value: 'A'.repeat(43), ttl: 60 };
const ctx = (): PluginContext => ({ log: pino({ level: 'silent' }), settings: { scriptsDir, allowPrivateWebhooks: false }, signal: new AbortController().signal });

async function outDir(): Promise<string> {
  const dir = await mkdtemp(join(root, 'out-'));
  await chmod(dir, 0o777);
  return dir;
}

async function failure(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(() => new Error('expected a failure'), (e: unknown) => e);
  if (err instanceof AppError) return err;
  throw err;
}

/**
 * Host pids of the run whose env holds OUT_DIR=out, collected while `run` is in flight, each with the last command line
 * seen: a pid first met between fork and exec still shows its parent's (`/bin/sh escaper.sh`, then `setsid sleep 304`).
 */
async function watchWhile(out: string, run: Promise<unknown>): Promise<Map<number, string>> {
  const seen = new Map<number, string>();
  let settled = false;
  void run.then(() => (settled = true), () => (settled = true));
  while (!settled) {
    for (const pid of hostPidsWithEnv(`OUT_DIR=${out}`)) {
      const cmd = cmdlineOf(pid);
      if (cmd || !seen.has(pid)) seen.set(pid, cmd);
    }
    await sleep(20);
  }
  return seen;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dns01-sandbox-'));
  await chmod(root, 0o755);
  scriptsDir = join(root, 'scripts');
  await mkdir(scriptsDir, { mode: 0o755 });
  for (const f of ['escaper.sh', 'connect.sh']) {
    await copyFile(join(FIXTURES, f), join(scriptsDir, f));
    await chmod(join(scriptsDir, f), 0o755);
  }
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('script sandbox on this kernel', () => {
  it('runs scripts in PID and network namespaces here (root, or unprivileged user namespaces)', async () => {
    // The test machine allows both; a kernel that does not gets a start-up warning and /ready details instead.
    const status = await sandboxStatus(scriptIdentity());
    expect(status.mode).not.toBe('none');
    if (isRoot) expect(status.mode).toBe('userns');
  });
});

describe('a setsid grandchild', () => {
  it('is gone from /proc when the call returns SCRIPT_TIMEOUT', async () => {
    const out = await outDir();
    const c = scriptCredentials.parse({ script_path: 'escaper.sh', timeout_seconds: 4, env_vars: { OUT_DIR: out } });
    const call = scriptPlugin.present(c, req, ctx());
    const seen = await watchWhile(out, call);
    const err = await failure(call);
    expect(err).toMatchObject({ code: 'SCRIPT_TIMEOUT', status: 504 });
    expect(existsSync(join(out, 'started'))).toBe(true);
    const escaped = [...seen].filter(([, cmd]) => cmd === 'sleep 304').map(([pid]) => pid);
    expect(escaped).toHaveLength(1);
    expect(existsSync(`/proc/${escaped[0]}`)).toBe(false);
    expect(hostPidsWithEnv(`OUT_DIR=${out}`)).toEqual([]);
  }, 60_000);

  for (const mode of isRoot ? (['userns', 'root'] as const) : (['userns'] as const)) {
    it(`is gone in sandbox mode '${mode}' too`, async () => {
      const out = await outDir();
      const script = join(scriptsDir, 'escaper.sh');
      const run = runScript({
        script, args: [], env: { OUT_DIR: out, PATH: '/usr/bin:/bin' }, cwd: scriptsDir,
        // Long enough for the grandchild to start on a loaded machine: the run ends only by this timeout.
        timeoutMs: 6000, runAs: scriptIdentity(), secrets: [], allowNetwork: false, sandbox: mode,
      });
      const seen = await watchWhile(out, run);
      expect((await run).timedOut).toBe(true);
      expect([...seen.values()]).toContain('sleep 304');
      expect(hostPidsWithEnv(`OUT_DIR=${out}`)).toEqual([]);
    }, 60_000);
  }

  it('survives without namespaces (mode none): why the sandbox exists', async () => {
    const out = await outDir();
    const res = await runScript({
      script: join(scriptsDir, 'escaper.sh'), args: [], env: { OUT_DIR: out, PATH: '/usr/bin:/bin' }, cwd: scriptsDir, timeoutMs: 6000,
      runAs: scriptIdentity(), secrets: [], allowNetwork: false, sandbox: 'none', graceMs: 200,
    });
    expect(res.timedOut).toBe(true);
    const left = hostPidsWithEnv(`OUT_DIR=${out}`);
    try {
      expect(left.map(cmdlineOf)).toEqual(['sleep 304']);
    } finally {
      for (const pid of left) process.kill(pid, 'SIGKILL');
    }
  }, 60_000);
});

describe('network access', () => {
  let server: Server;
  let port: number;
  let accepted = 0;

  beforeAll(async () => {
    server = createServer((sock) => {
      accepted += 1;
      sock.resume();
      sock.on('error', () => {});
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('a script cannot reach a local TCP listener by default', async () => {
    const before = accepted;
    const c = scriptCredentials.parse({ script_path: 'connect.sh', timeout_seconds: 30, env_vars: { PORT: String(port) } });
    expect(c.allow_network).toBe(false);
    const err = await failure(scriptPlugin.present(c, req, ctx()));
    expect(err).toMatchObject({ code: 'SCRIPT_FAILED', details: { exitCode: expect.any(Number) } });
    expect(accepted).toBe(before);
  }, 60_000);

  it('can with allow_network: true', async () => {
    const before = accepted;
    const c = scriptCredentials.parse({ script_path: 'connect.sh', timeout_seconds: 30, env_vars: { PORT: String(port) }, allow_network: true });
    await scriptPlugin.present(c, req, ctx());
    while (accepted === before) await sleep(10); // the accept event may trail the script's exit
    expect(accepted).toBe(before + 1);
  }, 60_000);
});
