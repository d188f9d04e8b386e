// A first start on PGlite unpacks the initdb'd template (bin/build-pglite-template.mjs) instead of running initdb.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, rowsOf, type Database } from '../../src/db/client.js';
import { migrationsApplied, runMigrations } from '../../src/db/migrate.js';

const REPO = new URL('../../', import.meta.url);
let dir: string;
let template: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dns01-template-'));
  template = join(dir, 'template.tar.gz');
  await promisify(execFile)(process.execPath, ['bin/build-pglite-template.mjs', template], { cwd: REPO, timeout: 110_000 });
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The cluster's identifier, which initdb makes new each time and an unpacked template keeps. */
async function systemId(database: Database): Promise<string> {
  return rowsOf<{ id: string }>(await database.db.execute(sql`select system_identifier::text as id from pg_control_system()`))[0]!.id;
}

describe('PGlite template', () => {
  it('starts two data dirs as copies of the template, migrates them, and reopens one without it', async () => {
    const ids: string[] = [];
    for (const name of ['a', 'b']) {
      const database = await openDatabase({ dataDir: join(dir, name), pgliteTemplate: template });
      try {
        await runMigrations(database);
        expect(await migrationsApplied(database)).toBe(true);
        ids.push(await systemId(database));
      } finally {
        await database.close();
      }
    }
    expect(ids[0]).toBe(ids[1]);
    expect(existsSync(join(dir, 'a', 'pglite', 'PG_VERSION'))).toBe(true);

    // A restart finds its data and leaves the template alone (unpacking over a database would fail).
    const again = await openDatabase({ dataDir: join(dir, 'a'), pgliteTemplate: template });
    try {
      expect(await systemId(again)).toBe(ids[0]);
      expect(await migrationsApplied(again)).toBe(true);
    } finally {
      await again.close();
    }
  });

  it('runs initdb when there is no template: a new cluster each time', async () => {
    const ids: string[] = [];
    for (const name of ['c', 'd']) {
      const database = await openDatabase({ dataDir: join(dir, name), pgliteTemplate: join(dir, 'missing.tar.gz') });
      try {
        ids.push(await systemId(database));
      } finally {
        await database.close();
      }
    }
    expect(ids[0]).not.toBe(ids[1]);
  });
});
