// Starts a real daemon in-process for a test (Postgres or PGlite), with its logs captured for secret checks.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config.js';
import { createDaemon, type Daemon, type DaemonOptions } from '../../src/daemon.js';
import { createLogger } from '../../src/log.js';
import { apiClient, type ApiClient } from './api-client.js';
import { typedApi, type TypedApi } from './api.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';

export interface TestDaemon extends ApiClient {
  daemon: Daemon;
  /** The APIs with every reply parsed by its wire schema (test/support/api.ts). */
  api: TypedApi;
  url: string;
  port: number;
  internalToken: string;
  adminToken: string;
  /** Every log line so far, raw JSON text. */
  logs(): string;
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
  const client = apiClient(url, internalToken, adminToken);
  const t: TestDaemon = {
    daemon, url, port, internalToken, adminToken,
    logs: () => logText,
    ...client,
    api: typedApi(client),
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
