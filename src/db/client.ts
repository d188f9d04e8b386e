// Opens the database: postgres.js when DATABASE_URL is set, embedded PGlite in the data dir otherwise.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema.js';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Database {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** Runs `fn` holding a lock on `key` that every replica sharing the database respects. */
  withLock<T>(key: string, fn: () => Promise<T>): Promise<T>;
  /** Like withLock but gives up at once (returns null) when another holder has it; for singleton jobs. */
  tryLock<T>(key: string, fn: () => Promise<T>): Promise<T | null>;
  /** Calls `onMessage` for each NOTIFY on `channel`; returns an unsubscribe function. */
  listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>>;
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
const PGLITE_MEMORY_PARAMS = ['-c', 'shared_buffers=8MB', '-c', 'wal_buffers=1MB', '-c', 'work_mem=1MB'];

export interface DatabaseOptions {
  databaseUrl?: string;
  dataDir: string;
  /** Connections in the main pool (postgres only). */
  poolSize?: number;
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  const local = new KeyedMutex();
  if (!opts.databaseUrl) {
    const dir = join(opts.dataDir, 'pglite');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // PostgreSQL's buffers sized for one small daemon (PGlite keeps its defaults when these are appended):
    // measured here, idle RSS drops by a few hundred MiB (docs/deployment.md, "Memory").
    const client = await PGlite.create(dir, { startParams: [...PGlite.defaultStartParams, ...PGLITE_MEMORY_PARAMS] });
    const db = drizzlePglite(client, { schema }) as unknown as Db;
    // One process owns a PGlite data dir, so an in-process lock is the whole story; a database
    // transaction would stall every other query, since PGlite runs one at a time.
    return {
      db,
      kind: 'pglite',
      withLock: (key, fn) => local.run(key, fn),
      tryLock: async (key, fn) => (local.held(key) ? null : local.run(key, fn)),
      listen: async (channel, onMessage) => {
        const unsub = await client.listen(channel, onMessage);
        return async () => unsub();
      },
      notify: async (channel, payload) => {
        await db.execute(sql`select pg_notify(${channel}, ${payload})`);
      },
      close: () => client.close(),
    };
  }

  const onnotice = () => {};
  const client = postgres(opts.databaseUrl, { max: opts.poolSize ?? 10, onnotice, connect_timeout: 10, idle_timeout: 60 });
  // Session advisory locks need their own connections: taken from the main pool they could use up
  // every connection while the locked work waits for one to run its queries.
  const lockClient = postgres(opts.databaseUrl, { max: 16, onnotice, connect_timeout: 10, idle_timeout: 60 });
  const db = drizzlePostgres(client, { schema }) as unknown as Db;
  const withSessionLock = async <T>(key: string, fn: () => Promise<T>, tryOnly: boolean): Promise<T | null> => {
    const conn = await lockClient.reserve();
    try {
      if (tryOnly) {
        const [row] = await conn`select pg_try_advisory_lock(${LOCK_NAMESPACE}, hashtext(${key})) as ok`;
        if (!row?.ok) return null;
      } else {
        await conn`select pg_advisory_lock(${LOCK_NAMESPACE}, hashtext(${key}))`;
      }
      try {
        return await fn();
      } finally {
        await conn`select pg_advisory_unlock(${LOCK_NAMESPACE}, hashtext(${key}))`.catch(() => undefined);
      }
    } finally {
      conn.release();
    }
  };
  return {
    db,
    kind: 'postgres',
    withLock: (key, fn) => local.run(key, () => withSessionLock(key, fn, false) as Promise<Awaited<ReturnType<typeof fn>>>),
    tryLock: async (key, fn) => (local.held(key) ? null : local.run(key, () => withSessionLock(key, fn, true))),
    listen: async (channel, onMessage) => {
      const sub = await client.listen(channel, (payload) => onMessage(payload));
      return () => sub.unlisten();
    },
    notify: async (channel, payload) => {
      await client.notify(channel, payload);
    },
    close: async () => {
      await Promise.all([client.end({ timeout: 5 }), lockClient.end({ timeout: 5 })]);
    },
  };
}
