// Starts a real daemon in-process for a test (Postgres or PGlite), with its logs captured for secret checks.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config.js';
import { createDaemon, type Daemon, type DaemonOptions } from '../../src/daemon.js';
import { createLogger } from '../../src/log.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';

export interface TestDaemon {
  daemon: Daemon;
  url: string;
  port: number;
  internalToken: string;
  adminToken: string;
  /** Every log line so far, raw JSON text. */
  logs(): string;
  /** fetch against the internal API with the internal token as basic password (as acmeproxy clients send it). */
  internal(path: string, init?: { method?: string; body?: unknown; raw?: string; headers?: Record<string, string> }): Promise<Response>;
  /** fetch against /api/v1 with the admin bearer token. */
  admin(path: string, init?: { method?: string; body?: unknown }): Promise<Response>;
  /** Creates a provider through the admin API; returns its id. */
  addProvider(body: Record<string, unknown>): Promise<string>;
  stop(): Promise<void>;
}

export interface TestDaemonOptions extends DaemonOptions {
  /** 'postgres' (default): a fresh database on the shared server; 'pglite': embedded in a temp dir. */
  db?: 'postgres' | 'pglite';
  /** Use this database URL instead of a fresh one (several daemons sharing one database). */
  databaseUrl?: string;
  /** Extra environment, as an operator would set it. */
  env?: Record<string, string>;
  /** Reuse a data dir (PGlite restarts). */
  dataDir?: string;
}

export async function startTestDaemon(opts: TestDaemonOptions = {}): Promise<TestDaemon> {
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'dns01-daemon-')));
  let testDb: TestDatabase | undefined;
  let databaseUrl = opts.databaseUrl;
  if (!databaseUrl && (opts.db ?? 'postgres') === 'postgres') {
    testDb = await createTestDatabase();
    databaseUrl = testDb.url;
  }
  const internalToken = opts.env?.DNS01_INTERNAL_TOKEN ?? randomBytes(24).toString('base64url');
  const adminToken = opts.env?.DNS01_ADMIN_TOKEN ?? randomBytes(24).toString('base64url');
  const config = loadConfig({
    DNS01_HOST: '127.0.0.1',
    DNS01_PORT: '0',
    DNS01_DATA_DIR: dataDir,
    DNS01_INTERNAL_TOKEN: internalToken,
    DNS01_ADMIN_TOKEN: adminToken,
    DNS01_ENCRYPTION_KEY: opts.env?.DNS01_ENCRYPTION_KEY ?? randomBytes(32).toString('base64'),
    DNS01_ALLOW_PRIVATE_WEBHOOKS: 'true',
    DNS01_SHUTDOWN_TIMEOUT: '5s',
    LOG_LEVEL: 'debug',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...opts.env,
  });
  let logText = '';
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logText += chunk.toString();
      cb();
    },
  });
  const log = createLogger(config.logLevel, sink);
  const daemon = await createDaemon(config, log, { jobs: false, ...opts });
  const port = await daemon.listen();
  const url = `http://127.0.0.1:${port}`;
  const basic = `Basic ${Buffer.from(`caddy:${internalToken}`).toString('base64')}`;

  const t: TestDaemon = {
    daemon, url, port, internalToken, adminToken,
    logs: () => logText,
    internal: (path, init = {}) =>
      fetch(`${url}/internal/dns-challenge${path}`, {
        method: init.method ?? 'POST',
        headers: { authorization: basic, 'content-type': 'application/json', ...init.headers },
        ...(init.raw !== undefined ? { body: init.raw } : init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      }),
    admin: (path, init = {}) =>
      fetch(`${url}/api/v1${path}`, {
        method: init.method ?? 'GET',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      }),
    addProvider: async (body) => {
      const res = await t.admin('/dns-providers', { method: 'POST', body });
      const json = (await res.json()) as { provider?: { id: string }; error?: unknown };
      if (res.status !== 201 || !json.provider) throw new Error(`addProvider failed: ${res.status} ${JSON.stringify(json)}`);
      return json.provider.id;
    },
    stop: async () => {
      await daemon.stop();
      await testDb?.drop();
      if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
  return t;
}

/** A syntactically valid TXT value (43 chars of base64url), distinct per seed. */
export function txtValue(seed: string | number = Math.random()): string {
  return createHash('sha256').update(String(seed)).digest('base64url');
}
