// Composition root: builds the services (compose/services.ts), the app and its route table (compose/routes.ts), and
// starts and stops the parts in order (compose/parts.ts). It holds no start-up or shutdown step of its own.
import type { Hono } from 'hono';
import type { Logger } from 'pino';
import type { AuditWriter } from './audit/writer.js';
import { caddyReadiness } from './caddy/wiring.js';
import type { CaddySync } from './caddy/sync.js';
import type { PluginCalls } from './calls/plugin-calls.js';
import type { Janitor } from './challenges/janitor.js';
import type { PropagationChecker } from './challenges/propagation.js';
import type { ChallengeService } from './challenges/service.js';
import { Parts } from './compose/part.js';
import { openingParts, serviceParts, servingParts, type Opened, type StartOptions } from './compose/parts.js';
import { buildServices, type ServiceOptions } from './compose/services.js';
import type { Config } from './config.js';
import { Keyring } from './crypto/keyring.js';
import type { DeclaredConfig } from './declared/apply.js';
import type { Database } from './db/client.js';
import { createApp } from './http/app.js';
import { mountRoutes } from './compose/routes.js';
import { createMetrics, type Metrics } from './metrics.js';
import type { AnyProviderPlugin } from './plugin-api/index.js';
import type { PluginLoader } from './plugin-loader/loader.js';
import { shippedPlugins } from './plugins/index.js';
import type { ProviderStore } from './providers/store.js';
import type { SiteStore } from './sites/store.js';

export interface DaemonOptions extends ServiceOptions, StartOptions {
  /** Extra or replacement plugins (tests, external plugins). */
  plugins?: AnyProviderPlugin[];
  /** Don't start background jobs (tests drive them by hand). */
  jobs?: boolean;
}

export interface Daemon {
  app: Hono;
  config: Config;
  database: Database;
  metrics: Metrics;
  calls: PluginCalls;
  providers: ProviderStore;
  /** Null when loadable plugins are off (DNS01_PLUGINS_DIR unset). */
  plugins: PluginLoader | null;
  challenges: ChallengeService;
  sites: SiteStore;
  janitor: Janitor;
  propagation: PropagationChecker;
  caddySync: CaddySync | null;
  /** The audit writer; null when the audit log is off. */
  audit: AuditWriter | null;
  /** The DNS01_CONFIG file's apply (SIGHUP runs it); null when it is unset. */
  declared: DeclaredConfig | null;
  /** Starts listening; resolves with the bound port. */
  listen(): Promise<number>;
  /** Stops taking requests, lets in-flight ones finish (bounded), stops jobs, closes the database. */
  stop(): Promise<void>;
}

/** `config` must already carry its secrets (see secrets.ts). */
export async function createDaemon(config: Config, log: Logger, opts: DaemonOptions = {}): Promise<Daemon> {
  if (!config.internalToken || !config.adminToken || !config.encryptionKey) throw new Error('createDaemon: secrets missing from config');
  const metrics = createMetrics();
  const plugins = new Map<string, AnyProviderPlugin>();
  for (const p of [...shippedPlugins, ...(opts.plugins ?? [])]) plugins.set(p.metadata.type, p);
  // Before anything opens: a malformed key stops start-up at once.
  const keyring = new Keyring(config.encryptionKey, { ...(config.encryptionKeyNext ? { next: config.encryptionKeyNext } : {}), old: config.encryptionKeysOld });
  const parts = new Parts(config.shutdownTimeoutMs);
  const opened: Opened = { draining: false };
  await parts.start(openingParts(config, log, metrics, plugins.has('script'), opts, opened));
  const s = await parts.during(() => buildServices(config, log, metrics, opened.database!, keyring, [...plugins.values()], opts));
  await parts.start(serviceParts(s));
  const jobs = opts.jobs !== false;
  const app = await parts.during(() => createApp(s, (routes) => mountRoutes(routes, {
    ...s,
    ops: {
      database: s.database, metrics,
      loopsHealthy: () => !jobs || (s.janitor.healthy() && s.propagation.healthy()),
      draining: () => opened.draining,
      readinessChecks: async () => ({ caddy: caddyReadiness(s.caddySync), keys: await s.keys.readiness(), ...(opened.scripts ? { scripts: await opened.scripts } : {}) }),
    },
  })));

  return {
    app, config, database: s.database, metrics, calls: s.calls, providers: s.providers, plugins: s.loader, challenges: s.challenges,
    janitor: s.janitor, sites: s.sites, caddySync: s.caddySync, propagation: s.propagation, audit: s.writer, declared: s.declared,
    listen: async () => {
      await parts.start(servingParts(s, app, jobs, opened, opts));
      return opened.listener!.port;
    },
    stop: async () => {
      await parts.stop();
      log.info('stopped');
    },
  };
}
