// Vitest global setup: one real PostgreSQL server for the whole run, handed to test files by provide/inject and env.
import type { TestProject } from 'vitest/node';
import { PG_ADMIN_URL_ENV, startPostgres } from '../support/postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the run's shared PostgreSQL; use createTestDatabase() rather than this directly. */
    pgAdminUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const pg = await startPostgres();
  project.provide('pgAdminUrl', pg.url);
  // Workers are forked after this runs, so they inherit it; it also serves code that cannot call inject().
  process.env[PG_ADMIN_URL_ENV] = pg.url;
  // Lets per-run artefacts (the Caddy test binary in CI) be built once per run and shared by its files.
  process.env.DNS01_TEST_RUN_ID ??= `${process.pid}-${Date.now()}`;
  return async () => {
    delete process.env[PG_ADMIN_URL_ENV];
    await pg.stop();
  };
}
