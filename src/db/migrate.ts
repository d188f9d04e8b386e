// Applies drizzle-kit's SQL migrations at start-up (once across replicas) and reports whether all are applied.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import { rowsOf, type Database } from './client.js';

export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'drizzle');

function expectedCount(): number {
  const journal = JSON.parse(readFileSync(join(MIGRATIONS_DIR, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] };
  return journal.entries.length;
}

export async function runMigrations(database: Database): Promise<void> {
  // Replicas starting together must not race on the same DDL.
  await database.withLock('migrations', async () => {
    const config = { migrationsFolder: MIGRATIONS_DIR };
    if (database.kind === 'pglite') await migratePglite(database.db as never, config);
    else await migratePostgres(database.db as never, config);
  });
}

/** True when every migration in drizzle/ is recorded as applied. */
export async function migrationsApplied(database: Database): Promise<boolean> {
  const rows = await database.db.execute<{ n: number }>(sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
  return (rowsOf<{ n: number }>(rows)[0]?.n ?? 0) >= expectedCount();
}
