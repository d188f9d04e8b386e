// Smoke test of the PostgreSQL starters: the run's shared server, per-test databases, and a standalone server that restarts.
import { afterAll, describe, expect, inject, it } from 'vitest';
import postgres from 'postgres';
import { createTestDatabase, PG_ADMIN_URL_ENV, startPostgres } from '../support/postgres.js';

describe('shared PostgreSQL from global setup', () => {
  it('is handed to tests by inject() and by env, and answers select 1', async () => {
    const url = inject('pgAdminUrl');
    expect(url).toMatch(/^postgres:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/postgres$/);
    expect(process.env[PG_ADMIN_URL_ENV]).toBe(url);
    const sql = postgres(url, { max: 1 });
    try {
      const [row] = await sql<{ one: number; version: string }[]>`select 1 as one, current_setting('server_version_num') as version`;
      expect(row?.one).toBe(1);
      expect(Number(row?.version)).toBeGreaterThanOrEqual(150000);
    } finally {
      await sql.end();
    }
  });

  it('rejects a wrong password (scram auth over TCP, not trust)', async () => {
    const url = new URL(inject('pgAdminUrl'));
    url.password = 'wrong';
    const sql = postgres(url.toString(), { max: 1, connect_timeout: 10 });
    try {
      await expect(sql`select 1`).rejects.toThrow(/password authentication failed/);
    } finally {
      await sql.end();
    }
  });

  it('createTestDatabase gives isolated databases and drop removes them, even with open connections', async () => {
    const a = await createTestDatabase();
    const b = await createTestDatabase();
    expect(a.name).not.toBe(b.name);
    const sa = postgres(a.url, { max: 1, onnotice: () => {} });
    const sb = postgres(b.url, { max: 1, onnotice: () => {} });
    const admin = postgres(inject('pgAdminUrl'), { max: 1 });
    try {
      await sa`create table t (v text)`;
      await sa`insert into t values ('only in a')`;
      expect(await sa`select v from t`).toEqual([{ v: 'only in a' }]);
      await expect(sb`select v from t`).rejects.toThrow(/relation "t" does not exist/);
      await a.drop();
      await b.drop();
      const left = await admin`select datname from pg_database where datname in (${a.name}, ${b.name})`;
      expect(left).toEqual([]);
    } finally {
      await Promise.all([sa.end({ timeout: 1 }), sb.end({ timeout: 1 }), admin.end()]);
    }
  });
});

describe('standalone PostgreSQL', () => {
  let pg: Awaited<ReturnType<typeof startPostgres>> | undefined;
  afterAll(async () => { await pg?.stop(); });

  it('can be shut down and started again on the same URL', async () => {
    pg = await startPostgres();
    const sql = postgres(pg.url, { max: 1, connect_timeout: 5, onnotice: () => {} });
    try {
      await sql`create table kept (v int)`;
      await sql`insert into kept values (42)`;
      await pg.shutdown();
      await expect(sql`select v from kept`).rejects.toThrow();
      await pg.start();
      expect(await sql`select v from kept`).toEqual([{ v: 42 }]);
      await pg.restart();
      expect(await sql`select v from kept`).toEqual([{ v: 42 }]);
    } finally {
      await sql.end({ timeout: 1 });
    }
  });
});
