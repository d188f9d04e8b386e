// Opens the database: postgres.js when DATABASE_URL is set, embedded PGlite in the data dir otherwise.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type postgres from 'postgres';
import * as schema from './schema.js';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Database {
  db: Db;
  /**
   * For writes whose loss in a database crash the janitor repairs (a row's state after a provider call: without it the
   * row stays `unknown` and the janitor removes the record): their commits do not wait for the disk
   * (synchronous_commit off), which with a durable server saves a WAL flush per write. Everything else uses `db`.
   */
  relaxed: Db;
  kind: 'postgres' | 'pglite';
  /** Runs `fn` holding a lock on `key` that every replica sharing the database respects. */
  withLock<T>(key: string, fn: () => Promise<T>): Promise<T>;
  /** Like withLock but gives up at once (returns null) when another holder has it; for singleton jobs. */
  tryLock<T>(key: string, fn: () => Promise<T>): Promise<T | null>;
  /** Whether any replica holds the lock on `key` now (a look, not a take: it never makes a taker fail). */
  lockHeld(key: string): Promise<boolean>;
  /**
   * Calls `onMessage` for each NOTIFY on `channel`, and `onListen` each time the subscription starts (again after a
   * lost connection, when notices may have been missed); returns an unsubscribe function.
   */
  listen(channel: string, onMessage: (payload: string) => void, onListen?: () => void): Promise<() => Promise<void>>;
  notify(channel: string, payload: string): Promise<void>;
  close(): Promise<void>;
}

/** Rows of a raw `db.execute()` result: postgres.js returns an array, PGlite an object with `rows`. */
export function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/** Serialises async work per key inside this process. */
class KeyedMutex {
  private tails = new Map<string, Promise<unknown>>();
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = prev.then(() => mine);
    this.tails.set(key, tail);
    await prev;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
  held(key: string): boolean {
    return this.tails.has(key);
  }
}

const LOCK_NAMESPACE = 0x0d01;
// maintenance_work_mem bounds a migration's index build; max_wal_size bounds the WAL kept on disk between
// checkpoints (PGlite's default is 1 GB), and so the replay after a crash.
const PGLITE_PARAMS = [
  '-c', 'shared_buffers=8MB', '-c', 'wal_buffers=1MB', '-c', 'work_mem=1MB', '-c', 'temp_buffers=1MB',
  '-c', 'maintenance_work_mem=8MB', '-c', 'max_wal_size=64MB', '-c', 'min_wal_size=32MB',
];

const CONNECTION_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'CONNECT_TIMEOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED',
  '57P01', '57P02', '57P03', '08006', '08001', '08004',
]);

/** The code of a connection-level failure (server down, restarting, unreachable) as postgres.js, node and drizzle report it. */
export function connectionErrorCode(err: unknown): string | undefined {
  for (let e = err as { code?: string; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (CONNECTION_ERROR_CODES.has(e.code ?? '')) return e.code;
  }
  return undefined;
}

export function isConnectionError(err: unknown): boolean {
  return connectionErrorCode(err) !== undefined;
}

const NEVER = new Promise<never>(() => {});

/**
 * postgres.js 3.4.9 (the newest) kills the process with an uncatchable TypeError when a query goes to a pinned
 * connection whose socket has closed (porsager/postgres#1154, #1208), and sql.begin() sends ROLLBACK or COMMIT
 * on its connection once the callback settles. So once a transaction's connection is gone its callback never
 * settles: begin() still rejects (postgres.js races the callback against the connection closing), the
 * connection goes back to the pool to reconnect, and nothing is written to the dead one.
 */
function guardBegin(client: postgres.Sql): void {
  const begin = client.begin.bind(client) as (...args: unknown[]) => Promise<unknown>;
  client.begin = ((...args: unknown[]) => {
    const fn = args.pop() as (tx: unknown) => unknown;
    let lost = false;
    const run = begin(...args, async (tx: unknown) => {
      try {
        const result = await fn(tx);
        return lost ? NEVER : result;
      } catch (err) {
        if (lost || isConnectionError(err)) return NEVER;
        throw err;
      }
    });
    run.catch((err: unknown) => {
      if (isConnectionError(err)) lost = true;
    });
    return run;
  }) as typeof client.begin;
}

export interface DatabaseOptions {
  databaseUrl?: string;
  dataDir: string;
  /** Connections in the main pool (postgres only). */
  poolSize?: number;
  /** PGlite only: the initdb'd data directory a first start unpacks, if the file exists (bin/build-pglite-template.mjs). */
  pgliteTemplate?: string | URL;
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  const local = new KeyedMutex();
  if (!opts.databaseUrl) {
    const dir = join(opts.dataDir, 'pglite');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // PostgreSQL's buffers sized for one small daemon (PGlite keeps its defaults when these are appended):
    // measured here, idle RSS drops by a few hundred MiB (docs/deployment.md, "Memory").
    // Each driver is loaded only in its own mode: nothing of PGlite (nor its driver) is in a PostgreSQL daemon.
    const [{ PGlite }, { drizzle }] = await Promise.all([import('@electric-sql/pglite'), import('drizzle-orm/pglite')]);
    // A first start unpacks the build's initdb'd template (npm run build) if there is one: initdb
    // itself peaks at about 1 GiB, the unpacking where a restart does.
    const template = opts.pgliteTemplate;
    const loadDataDir = template && !existsSync(join(dir, 'PG_VERSION')) && existsSync(template) ? new Blob([readFileSync(template)]) : undefined;
    const client = await PGlite.create(dir, { startParams: [...PGlite.defaultStartParams, ...PGLITE_PARAMS], ...(loadDataDir ? { loadDataDir } : {}) });
    const db = drizzle(client, { schema }) as unknown as Db;
    // One process owns a PGlite data dir, so an in-process lock is the whole story; a database
    // transaction would stall every other query, since PGlite runs one at a time.
    return {
      db,
      relaxed: db,
      kind: 'pglite',
      withLock: (key, fn) => local.run(key, fn),
      tryLock: async (key, fn) => (local.held(key) ? null : local.run(key, fn)),
      lockHeld: async (key) => local.held(key),
      listen: async (channel, onMessage, onListen) => {
        const unsub = await client.listen(channel, onMessage);
        onListen?.();
        return async () => unsub();
      },
      notify: async (channel, payload) => {
        await db.execute(sql`select pg_notify(${channel}, ${payload})`);
      },
      close: () => client.close(),
    };
  }

  // patches/postgres+3.4.9.patch: when its socket closed, a postgres.js 3.4.9 connection kept a buffered write
  // (so it never sent its next startup message and hung until connect_timeout) and the error the server sent
  // before closing (so the first query after reconnecting failed with the old 57P01).
  // postgres.js's default backoff grows with every failed connect of the pool (3^n / 100 s, up to 20 s) and
  // a query handed to a connection waits out that connection's backoff: after an outage of a few seconds
  // requests would stall for up to 20 s with the server long back. Capped at 1 s: a refused connect is cheap.
  // fetch_types off: every new connection's array-type query is run by postgres.js with nobody awaiting it, so a
  // server that goes away during it is an unhandled rejection that ends the process. No column here is an array.
  const [{ default: postgres }, { drizzle }] = await Promise.all([import('postgres'), import('drizzle-orm/postgres-js')]);
  const common = { onnotice: () => {}, connect_timeout: 10, idle_timeout: 60, fetch_types: false, backoff: (n: number) => Math.min(0.05 * 2 ** n, 1) };
  const client = postgres(opts.databaseUrl, { max: opts.poolSize ?? 10, ...common });
  // Name locks are session-level advisory locks, all on this one connection: a lock costs one round trip (no BEGIN,
  // no COMMIT), its unlock is not waited for, and queries on one connection run in the order they were sent, so an
  // unlock always lands before the same replica's next take. A replica or connection that dies releases its locks
  // with its session, as a transaction's would go. Waiting is a retried try, never a blocking call, since a blocked
  // query would hold up every other lock behind it on this connection. Never closed for idleness or age: a lock may be
  // held through a long job without a query on this connection, and closing it would drop the lock.
  // Its commits (the relaxed writes) skip the wait for the WAL flush; an advisory lock writes no WAL either way.
  const lockConn = postgres(opts.databaseUrl, { max: 1, ...common, idle_timeout: 0, max_lifetime: 0, connection: { synchronous_commit: 'off' } });
  guardBegin(client);
  const db = drizzle(client, { schema }) as unknown as Db;
  const take = async (key: string, tryOnly: boolean): Promise<boolean> => {
    for (let waitMs = 2; ; waitMs = Math.min(waitMs * 2, 100)) {
      const [row] = await lockConn`select pg_try_advisory_lock(${LOCK_NAMESPACE}, hashtext(${key})) as ok`;
      if (row?.ok) return true;
      if (tryOnly) return false;
      await sleep(waitMs);
    }
  };
  const withSessionLock = async <T>(key: string, fn: () => Promise<T>, tryOnly: boolean): Promise<T | null> => {
    if (!(await take(key, tryOnly))) return null;
    try {
      return await fn();
    } finally {
      // Fails only with the connection, which took the lock with it.
      lockConn`select pg_advisory_unlock(${LOCK_NAMESPACE}, hashtext(${key}))`.catch(() => undefined);
    }
  };
  return {
    db,
    // On the lock connection, behind the lock it was taken under: the write and the unlock go out together.
    relaxed: drizzle(lockConn, { schema }) as unknown as Db,
    kind: 'postgres',
    withLock: (key, fn) => local.run(key, () => withSessionLock(key, fn, false) as Promise<Awaited<ReturnType<typeof fn>>>),
    tryLock: async (key, fn) => (local.held(key) ? null : local.run(key, () => withSessionLock(key, fn, true))),
    lockHeld: async (key) => {
      if (local.held(key)) return true;
      // A two-int4 advisory lock shows in pg_locks as classid/objid (as oids) with objsubid 2.
      const [row] = await client`select exists(select 1 from pg_locks where locktype = 'advisory' and granted and objsubid = 2
        and classid = ${LOCK_NAMESPACE}::oid and objid = (hashtext(${key})::bigint & 4294967295)::oid) as held`;
      return Boolean(row?.held);
    },
    listen: async (channel, onMessage, onListen) => {
      const sub = await client.listen(channel, (payload) => onMessage(payload), onListen);
      return () => sub.unlisten();
    },
    notify: async (channel, payload) => {
      await client.notify(channel, payload);
    },
    close: async () => {
      await Promise.all([client.end({ timeout: 5 }), lockConn.end({ timeout: 5 })]);
    },
  };
}
