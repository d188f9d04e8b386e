// Real PostgreSQL 15 servers for tests: one shared per run (global setup) plus throwaway databases, or standalone servers a test may stop.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { inject } from 'vitest';
import { freePort } from './ports.js';
import { requireBinary } from './proc.js';

const run = promisify(execFile);

/** Name under which global setup hands the admin URL to test files (see test/setup/global-setup.ts). */
export const PG_ADMIN_URL_ENV = 'DNS01_TEST_PG_ADMIN_URL';

export interface PgServer {
  /** Superuser URL (database `postgres`), password auth over TCP on 127.0.0.1. */
  url: string;
  port: number;
  /** Stops the server but keeps its data, so `start()` can bring it back on the same port. */
  shutdown(): Promise<void>;
  start(): Promise<void>;
  restart(): Promise<void>;
  /** Stops the server and removes its data directory; call once, in teardown. */
  stop(): Promise<void>;
}

/** Finds initdb/pg_ctl: DNS01_TEST_PG_BIN, else Debian's PostgreSQL 15, else the newest installed major. */
function pgBinDir(): string {
  const fromEnv = process.env.DNS01_TEST_PG_BIN;
  if (fromEnv) return fromEnv;
  const preferred = '/usr/lib/postgresql/15/bin';
  if (existsSync(preferred)) return preferred;
  const majors = existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql').filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a))
    : [];
  return majors[0] ? `/usr/lib/postgresql/${majors[0]}/bin` : preferred;
}

interface PgUser { uid: number; gid: number }

/** initdb refuses to run as root, so as root the cluster belongs to the `postgres` system user. */
async function postgresUser(): Promise<PgUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = await readFile('/etc/passwd', 'utf8');
  const line = passwd.split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error("running as root but there is no 'postgres' user: install the Debian package 'postgresql-15'");
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

async function asPgUser(user: PgUser | undefined, bin: string, args: string[]): Promise<void> {
  const [cmd, argv] = user ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  try {
    await run(cmd, argv, { timeout: 60_000 });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${bin} ${args[0] ?? ''} failed: ${err.message}\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
}

/**
 * Starts a standalone PostgreSQL server in a fresh temp dir on a free loopback port. `durable: true` keeps
 * fsync, synchronous_commit and full_page_writes on, as a production server has them (test/bench compares both).
 */
export async function startPostgres(opts: { durable?: boolean } = {}): Promise<PgServer> {
  const binDir = pgBinDir();
  const initdb = requireBinary(join(binDir, 'initdb'), 'postgresql-15');
  const pgCtl = requireBinary(join(binDir, 'pg_ctl'), 'postgresql-15');
  const user = await postgresUser();
  const dir = await mkdtemp(join(tmpdir(), 'dns01-pg-'));
  const data = join(dir, 'data');
  const password = randomBytes(18).toString('hex');
  const pwfile = join(dir, 'pwfile');
  await writeFile(pwfile, password, { mode: 0o600 });
  if (user) {
    chownSync(dir, user.uid, user.gid);
    chownSync(pwfile, user.uid, user.gid);
  }
  try {
    await asPgUser(user, initdb, ['-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256',
      `--pwfile=${pwfile}`, '--no-sync', '-E', 'UTF8', '--locale=C']);
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }

  let port = 0;
  // Durability settings off unless asked for: test data is thrown away and fsync is most of PG's cost on a shared disk.
  const durability = opts.durable ? 'on' : 'off';
  const ctl = (action: 'start' | 'stop') => action === 'start'
    ? asPgUser(user, pgCtl, ['start', '-D', data, '-l', join(dir, 'log'), '-w', '-t', '60', '-o',
      `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=${durability} -c synchronous_commit=${durability} -c full_page_writes=${durability} -c max_connections=300`])
    : asPgUser(user, pgCtl, ['stop', '-D', data, '-m', 'fast', '-w', '-t', '60']);
  const logTail = async () => (await readFile(join(dir, 'log'), 'utf8').catch(() => '')).slice(-4000);

  // freePort can race with another engineer's server, so a taken port means: pick another and retry.
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    port = await freePort();
    try {
      await ctl('start');
      lastError = undefined;
      break;
    } catch (e) {
      lastError = e;
    }
  }
  if (lastError) {
    const log = await logTail();
    await rm(dir, { recursive: true, force: true });
    throw new Error(`PostgreSQL did not start: ${(lastError as Error).message}\n${log}`);
  }

  let running = true;
  const shutdown = async () => { if (running) { await ctl('stop'); running = false; } };
  const start = async () => { if (!running) { await ctl('start'); running = true; } };
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    port,
    shutdown,
    start,
    restart: async () => { await shutdown(); await start(); },
    stop: async () => {
      try { await shutdown(); } catch { /* already gone: removing the dir is what matters */ }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Admin URL of the run's shared server, from global setup. */
export function sharedAdminUrl(): string {
  const url = process.env[PG_ADMIN_URL_ENV] || inject('pgAdminUrl');
  if (!url) throw new Error(`no shared PostgreSQL: run tests through vitest.config.ts (its globalSetup sets ${PG_ADMIN_URL_ENV})`);
  return url;
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

async function withAdmin<T>(adminUrl: string, fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    return await fn(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** A fresh, uniquely named, empty database on the shared server (or on `adminUrl`'s server). */
export async function createTestDatabase(adminUrl = sharedAdminUrl()): Promise<TestDatabase> {
  const name = `t_${process.pid}_${randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, (sql) => sql.unsafe(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      if (dropped) return;
      dropped = true;
      // FORCE terminates the test's own pools that were not closed, instead of failing "is being accessed".
      await withAdmin(adminUrl, (sql) => sql.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}
