// /health (process and job loop alive), /ready (database, migrations, keys, Caddy sync) and /metrics.
import { Hono } from 'hono';
import { eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { migrationsApplied } from '../db/migrate.js';
import { challenges, dnsProviders } from '../db/schema.js';
import type { Metrics } from '../metrics.js';
import { healthy } from './identity.js';
import { described } from './openapi.js';
import { healthReplySchema, readyReplySchema } from './wire/ops.js';

export interface OpsDeps {
  database: Database;
  metrics: Metrics;
  /** false when a background loop has stopped ticking: a wedged loop must fail liveness. */
  loopsHealthy: () => boolean;
  /** Extra readiness checks (e.g. Caddy sync); `ok: false` makes /ready answer 503. */
  readinessChecks?: () => Promise<Record<string, { ok: boolean; [k: string]: unknown }>>;
  draining: () => boolean;
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (t = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(t);
  }
}

/** /ready's checks, also shown on the operator page's overview: database, migrations, the extra checks, not draining. */
export async function readiness(deps: OpsDeps): Promise<{ ok: boolean; checks: Record<string, { ok: boolean; [k: string]: unknown }> }> {
  const checks: Record<string, { ok: boolean; [k: string]: unknown }> = {};
  try {
    await withTimeout(deps.database.db.execute(sql`select 1`), 2000, 'database ping');
    checks.database = { ok: true, kind: deps.database.kind };
    checks.migrations = { ok: await withTimeout(migrationsApplied(deps.database), 2000, 'migration check') };
  } catch (err) {
    checks.database = { ok: false, kind: deps.database.kind, error: (err as Error).message.slice(0, 200) };
  }
  Object.assign(checks, (await deps.readinessChecks?.()) ?? {});
  if (deps.draining()) checks.shutdown = { ok: false, error: 'draining' };
  return { ok: Object.values(checks).every((v) => v.ok), checks };
}

export function opsRoutes(deps: OpsDeps): Hono {
  const app = new Hono();

  app.get('/health', described({
    summary: 'Liveness: the process and its background loops',
    responses: { 200: { description: 'alive', schema: healthReplySchema }, 503: { description: 'a background loop stopped ticking', schema: healthReplySchema } },
  }), (c) => {
    const ok = deps.loopsHealthy();
    return c.json(ok ? healthy() : { ...healthy(), status: 'unhealthy' as const, reason: 'background jobs stopped ticking' }, ok ? 200 : 503);
  });

  app.get('/ready', described({
    summary: 'Readiness: database, migrations, encryption keys, Caddy sync, not draining',
    responses: { 200: { description: 'every check passed', schema: readyReplySchema }, 503: { description: 'a check failed; `checks` says which', schema: readyReplySchema } },
  }), async (c) => {
    const { ok, checks } = await readiness(deps);
    return c.json({ status: ok ? 'ready' : 'not_ready', checks }, ok ? 200 : 503);
  });

  app.get('/metrics', described({
    summary: 'Prometheus metrics',
    responses: { 200: { description: 'the metrics in the Prometheus text format', contentType: 'text/plain' } },
  }), async (c) => {
    // Challenge counts are read at scrape time so every replica reports the shared database's truth.
    try {
      const rows = await withTimeout(
        deps.database.db
          .select({ status: challenges.status, provider: dnsProviders.name, n: sql<number>`count(*)::int` })
          .from(challenges)
          .innerJoin(dnsProviders, eq(dnsProviders.id, challenges.providerId))
          .groupBy(challenges.status, dnsProviders.name),
        2000,
        'challenge count',
      );
      deps.metrics.challenges.reset();
      for (const r of rows) deps.metrics.challenges.labels(r.status, r.provider).set(r.n);
    } catch {
      // The database being down must not take /metrics down with it.
    }
    return c.text(await deps.metrics.registry.metrics(), 200, { 'Content-Type': deps.metrics.registry.contentType });
  });
  return app;
}
