// What the listener answers while start-up waits for PostgreSQL: alive, not ready, metrics, and 503 for everything else.
import { Hono } from 'hono';
import { AppError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { healthy } from './identity.js';

export interface StartupState {
  /** Failed attempts to reach the database so far. */
  attempts: number;
  /** Why the last one failed (no secret in it); null before the first failure. */
  error: string | null;
  /** The database answered; the rest of start-up (plugins, key counts) is under way. */
  up: boolean;
}

export function startingApp(deps: { metrics: Metrics; kind: 'postgres' | 'pglite'; state: () => StartupState }): Hono {
  const app = new Hono();
  // Alive: a liveness probe must not restart a process that is waiting as it was told to (DNS01_DATABASE_WAIT).
  app.get('/health', (c) => c.json(healthy()));
  app.get('/ready', (c) => {
    const { attempts, error, up } = deps.state();
    const database = up ? { ok: true, kind: deps.kind } : { ok: false, kind: deps.kind, attempts, error: error ?? 'connecting' };
    return c.json({ status: 'starting', checks: { database, startup: { ok: false, error: up ? 'starting' : 'waiting for the database' } } }, 503);
  });
  app.get('/metrics', async (c) => c.text(await deps.metrics.registry.metrics(), 200, { 'Content-Type': deps.metrics.registry.contentType }));
  app.all('*', (c) => {
    const e = new AppError('SERVICE_UNAVAILABLE', 'the daemon is starting and waiting for its database; try again shortly');
    c.header('Retry-After', '5');
    // acme-dns clients read `{"error": "..."}` (as http/routes/acme-dns.ts answers every error there).
    if (c.req.path.startsWith('/acme-dns/')) return c.json({ error: e.code.toLowerCase() }, 503);
    return c.json(e.toBody(), 503);
  });
  return app;
}
