// Start-up for main.ts: with PostgreSQL the listener opens first, so /health answers and /ready says what start-up waits for.
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { createDaemon, type Daemon, type DaemonOptions } from './daemon.js';
import { openListener } from './http/listener.js';
import { startingApp, type StartupState } from './http/starting.js';
import { createMetrics } from './metrics.js';

/** The daemon, listening with its jobs running; rejects when start-up fails or `opts.signal` aborts the wait for the database. */
export async function startDaemon(config: Config, log: Logger, opts: DaemonOptions = {}): Promise<Daemon> {
  // PGlite runs in this process: there is nothing to wait for, so it listens once it is open, as it always has.
  if (!config.databaseUrl) {
    const daemon = await createDaemon(config, log, opts);
    await daemon.listen();
    return daemon;
  }
  const metrics = createMetrics();
  const state: StartupState = { attempts: 0, error: null, up: false };
  const listener = await openListener(config.host, config.port, startingApp({ metrics, kind: 'postgres', state: () => state }).fetch, log);
  try {
    const daemon = await createDaemon(config, log, {
      ...opts, metrics, listener,
      onDatabaseRetry: (attempts, error) => Object.assign(state, { attempts, error }),
      onDatabaseUp: () => (state.up = true),
    });
    await daemon.listen();
    return daemon;
  } catch (err) {
    await listener.close(Promise.resolve());
    throw err;
  }
}
