// Applies drizzle-kit's SQL migrations at start-up (once across replicas) and reports whether all are applied.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { PACKAGE_ROOT } from '../package-root.js';
import { rowsOf, type Database } from './client.js';

export const MIGRATIONS_DIR = join(PACKAGE_ROOT, 'drizzle');

function journal(): { when: number }[] {
  return (JSON.parse(readFileSync(join(MIGRATIONS_DIR, 'meta', '_journal.json'), 'utf8')) as { entries: { when: number }[] }).entries;
}

/**
 * Whether drizzle's migrator would apply nothing: it applies each migration newer than the newest applied one.
 * One query, so a start with everything applied needs no lock and none of the migrator's DDL; any failure
 * (no table yet, database down) leaves the answer to the migrator.
 */
async function upToDate(database: Database): Promise<boolean> {
  try {
    const rows = await database.db.execute<{ newest: string | null }>(sql`select max(created_at)::text as newest from drizzle.__drizzle_migrations`);
    const newest = Number(rowsOf<{ newest: string | null }>(rows)[0]?.newest ?? Number.NaN);
    return journal().every((m) => m.when <= newest);
  } catch {
    return false;
  }
}

export async function runMigrations(database: Database): Promise<void> {
  if (await upToDate(database)) return;
  // Replicas starting together must not race on the same DDL.
  await database.withLock('migrations', async () => {
    const config = { migrationsFolder: MIGRATIONS_DIR };
    if (database.kind === 'pglite') await (await import('drizzle-orm/pglite/migrator')).migrate(database.db as never, config);
    else await (await import('drizzle-orm/postgres-js/migrator')).migrate(database.db as never, config);
  });
}

/** True when every migration in drizzle/ is recorded as applied. */
export async function migrationsApplied(database: Database): Promise<boolean> {
  const rows = await database.db.execute<{ n: number }>(sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
  return (rowsOf<{ n: number }>(rows)[0]?.n ?? 0) >= journal().length;
}
