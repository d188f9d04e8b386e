// The daemon's parts in start-up order; stop() runs them backwards (compose/part.ts). Start-up: with PostgreSQL (and
// `listenWhileStarting`) the listener answers "starting" while the database is waited for; then the services' start-up
// reads; listen() then serves the app and starts the jobs. Stop: the propagation checker, the drain, the jobs, the
// plugin calls, then the rest until the database.
import { sql } from 'drizzle-orm';
import type { Hono } from 'hono';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { openDatabase, type Database } from '../db/client.js';
import { runMigrations } from '../db/migrate.js';
import { untilDatabaseUp, urlSecrets } from '../db/wait.js';
import { describeResolvers } from '../challenges/resolvers.js';
import { formatServer } from '../dns/transport.js';
import { isAppError } from '../errors.js';
import { DOORS } from '../http/identity.js';
import { openListener, type Listener } from '../http/listener.js';
import { startingApp, type StartupState } from '../http/starting.js';
import type { Metrics } from '../metrics.js';
import { scriptIdentity } from '../plugins/script/path.js';
import { sandboxReadiness } from '../plugins/script/sandbox.js';
import type { Part } from './part.js';
import { CONFIG_CHANNEL, KEYS_CHANNEL, type Services } from './services.js';

/** What the first parts open, for the services and the parts after them. */
export interface Opened {
  listener?: Listener;
  database?: Database;
  /** The script sandbox probe, for /ready; undefined when no script type is served. */
  scripts?: ReturnType<typeof sandboxReadiness>;
  /** Set by the drain: /ready answers 503 from then on. */
  draining: boolean;
}

export interface StartOptions {
  /** Open the listener before the database (main.ts): /health answers and /ready says what start-up waits for. */
  listenWhileStarting?: boolean;
  /** PGlite's initdb'd template for a first start (main.ts names the build's; none under tsx or in tests). */
  pgliteTemplate?: URL;
  /** Aborted: stop waiting for the database (SIGTERM during start-up). */
  signal?: AbortSignal;
  /** The data dir's admin-token file when the token is kept there (main.ts): the next-steps lines name it. */
  adminTokenFile?: string;
}

/** Until the database answers: the starting listener, the script sandbox probe, the database. */
export function openingParts(config: Config, log: Logger, metrics: Metrics, scripts: boolean, opts: StartOptions, o: Opened): Part[] {
  const state: StartupState = { attempts: 0, error: null, up: false };
  const listen = async () => {
    // PGlite runs in this process: there is nothing to wait for, so it listens once it is open.
    if (opts.listenWhileStarting && config.databaseUrl) o.listener = await openListener(config.host, config.port, startingApp({ metrics, kind: 'postgres', state: () => state }).fetch, log);
  };
  const probe = () => {
    // Probed (two short runs of unshare) while the database opens: /ready and the first script run wait for it.
    o.scripts = scripts ? sandboxReadiness(scriptIdentity()) : undefined;
    void o.scripts?.then((s) => {
      if (s.sandbox === 'none') log.warn({ reason: s.reason }, 'scripts run without PID and network namespaces: a script can leave processes behind and reach the network');
    });
  };
  const open = async () => {
    const database = await openDatabase({ ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}), dataDir: config.dataDir, ...(opts.pgliteTemplate ? { pgliteTemplate: opts.pgliteTemplate } : {}) });
    if (database.kind === 'pglite') await runMigrations(database);
    else {
      // postgres.js connects on the first query: a server that is not up yet is waited for here, not a reason to exit.
      await untilDatabaseUp(async () => {
        await database.db.execute(sql`select 1`);
        await runMigrations(database);
      }, { waitMs: config.databaseWaitMs, log, signal: opts.signal, onRetry: (attempts, error) => Object.assign(state, { attempts, error }), secrets: urlSecrets(config.databaseUrl!) }).catch(async (err: unknown) => {
        await database.close().catch(() => undefined);
        throw err;
      });
    }
    log.info({ database: database.kind }, 'database ready');
    state.up = true;
    o.database = database;
  };
  return [
    // Closed by the drain; here only when start-up fails before it serves.
    { name: 'starting listener', start: listen, stop: () => o.listener?.close(Promise.resolve()) },
    { name: 'script sandbox probe', start: probe },
    { name: 'database', start: open, stop: () => o.database?.close() },
  ];
}

/** The services' start-up reads and notices, and the stops that follow the jobs'. */
export function serviceParts(s: Services): Part[] {
  const { database, log, keys, rotation } = s;
  let unlistenCache: Promise<(() => Promise<void>) | undefined> | undefined;
  let unlistenKeys: typeof unlistenCache;
  let unlistenSites: typeof unlistenCache;
  const unlisten = (l: typeof unlistenCache) => l?.then((stop) => stop?.()).catch(() => undefined);
  return [
    // Stopped next to last, so the events of the drain and the jobs' final runs are written.
    { name: 'audit writer', stop: () => s.writer?.stop() },
    { name: 'pending challenge writes', stop: () => s.challenges.pending.stop() },
    { name: 'zone credential stats', stop: () => s.credentialStats.stop() },
    { name: 'provider stats', stop: () => s.stats.stop() },
    { name: 'plugin calls', stop: () => s.calls.close() },
    {
      name: 'plugin loader',
      start: async () => {
        if (!s.loader) return;
        // Refusals are recorded and logged, not fatal: the daemon serves its other types. An unreadable allow-list is fatal here.
        const rows = await s.loader.reload();
        log.info({ loaded: rows.filter((r) => r.status === 'loaded').map((r) => r.name), refused: rows.filter((r) => r.status === 'error').map((r) => r.name) }, 'plugins read');
      },
      stop: () => s.loader?.close(),
    },
    // After the plugins (a provider may be of a loaded type), before anything serves: an invalid file stops start-up here, having changed nothing.
    { name: 'config file', start: async () => void (await s.declared?.apply()) },
    {
      name: 'plugin calls',
      // Plugin calls still running (requests or jobs) are aborted once the jobs stopped or the time is up; their rows stay as they are for the janitor.
      stop: async ({ settled, deadline }) => {
        await Promise.race([settled(), deadline]);
        s.calls.abortCalls();
        await settled();
      },
    },
    {
      name: 'provider cache notices',
      // Not waited for: the cache keeps nothing until the LISTEN is up (onListen, again after each reconnect).
      start: () => void (unlistenCache = database.listen(CONFIG_CHANNEL, () => {
        s.providerCache.clear();
        void keys.refresh();
      }, () => {
        s.providerCache.keep();
        void keys.refresh();
      }).catch((err: unknown) => {
        log.warn({ err: (err as Error).message }, 'cannot LISTEN for provider changes; cached provider rows are kept at most 30 s');
        s.providerCache.keep();
        return undefined;
      })),
      stop: ({ alongside }) => alongside(unlisten(unlistenCache)),
    },
    {
      name: 'site index notices',
      // As the provider cache's: the index is kept only once the LISTEN is up; any change on the channel rebuilds it.
      start: () => void (unlistenSites = database.listen(CONFIG_CHANNEL, () => s.siteIndex.clear(), () => s.siteIndex.keep()).catch((err: unknown) => {
        log.warn({ err: (err as Error).message }, 'cannot LISTEN for site changes; the site index is rebuilt at most 30 s after a change on another replica');
        s.siteIndex.keep();
        return undefined;
      })),
      stop: ({ alongside }) => alongside(unlisten(unlistenSites)),
    },
    {
      name: 'key counts',
      start: async () => {
        const encrypted = await rotation.counts();
        if (encrypted.unreadable > 0) {
          const missing = encrypted.versions.filter((v) => v.slot === null && v.rows > 0).map((v) => v.version);
          log.warn({ unreadable: encrypted.unreadable, keyVersions: missing }, 'some provider credentials use a key that is not configured; set it as DNS01_ENCRYPTION_KEY_V1..V10');
        }
        await keys.countedFrom(encrypted);
        unlistenKeys = database.listen(KEYS_CHANNEL, () => void keys.refresh(), () => void keys.refresh()).catch((err: unknown) => {
          log.warn({ err: (err as Error).message }, 'cannot LISTEN for key rotations; /ready counts key versions at most 30 s old');
          return undefined;
        });
        if (encrypted.pending > 0 && s.config.rotation.onStart) startRotation(s);
      },
      stop: ({ alongside }) => alongside(unlisten(unlistenKeys)),
    },
    { name: 'key rotation', stop: ({ alongside }) => alongside(rotation.stop()) },
    { name: 'resolvers', start: () => logResolvers(s) },
  ];
}

/** Which resolvers and authoritative port the zone discovery and propagation checks use, said once: never guessed silently. */
function logResolvers(s: Services): void {
  const { resolvers, config } = s;
  const system = resolvers.source !== 'DNS01_DNS_RESOLVERS';
  const hint = system ? '; a private zone the system resolver does not serve needs DNS01_DNS_RESOLVERS' : '';
  s.log.info({
    resolvers: resolvers.servers.map(formatServer), resolverSource: resolvers.source, ...(system ? { resolvConf: resolvers.file } : {}),
    authPort: config.dnsAuthPort,
  }, `DNS checks ask resolvers ${describeResolvers(resolvers)} and authoritative servers on port ${config.dnsAuthPort} (DNS01_DNS_AUTH_PORT)${hint}`);
}

/**
 * After 'listening', what a first run does next: the page and where its token is, the CLI, and a provider when there
 * is none. Names files and URLs, never a secret's value.
 */
async function logNextSteps(s: Services, port: number, tokenFile: string | undefined): Promise<void> {
  const { host } = s.config;
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const page = `http://${shown}:${port}${DOORS.page}`;
  const token = tokenFile ?? 'DNS01_ADMIN_TOKEN';
  s.log.info({ page, adminTokenFile: tokenFile ?? null }, `next: open ${page} and sign in with the admin token from ${token}`);
  s.log.info({ cli: DOORS.cli }, `next: the command line: ${DOORS.cli} (docs/cli.md; it reads the token from ${tokenFile ? 'the data directory' : 'DNS01_ADMIN_TOKEN'})`);
  const providers = await s.providers.list();
  if (providers.length === 0) {
    s.log.info('next: no provider yet: add one with dns01-proxy providers add --name NAME --type TYPE (dns01-proxy types lists the types)');
  }
}

/** The same job as POST /admin/encryption/rotate, in the background: the daemon serves while it runs. */
function startRotation(s: Services): void {
  s.rotation.start('startup').catch((err: unknown) => {
    if (isAppError(err) && err.code === 'ROTATION_IN_PROGRESS') s.log.info('another replica is rotating keys');
    else s.log.warn({ err: (err as Error).message }, 'key rotation did not start');
  });
}

/** listen(): the app takes the listener, the jobs start (unless `jobs` is false: tests drive them by hand). */
export function servingParts(s: Services, app: Hono, jobs: boolean, o: Opened, opts: StartOptions): Part[] {
  const { config, log, database, caddySync } = s;
  let unlistenCaddy: (() => Promise<void>) | undefined;
  const startCaddySync = () => {
    if (!caddySync) return;
    caddySync.start();
    // A change made through any replica reaches every replica's sync within a second.
    database.listen(CONFIG_CHANNEL, () => caddySync.trigger()).then(
      (stop) => (unlistenCaddy = stop),
      (err) => log.warn({ err: (err as Error).message }, 'cannot LISTEN for config changes; relying on the periodic sync'),
    );
  };
  return [
    {
      name: 'listener',
      start: async () => {
        o.listener ??= await openListener(config.host, config.port, app.fetch, log);
        o.listener.use(app.fetch);
      },
    },
    { name: 'next steps', start: () => logNextSteps(s, o.listener!.port, opts.adminTokenFile) },
    { name: 'janitor', start: () => jobs && s.janitor.start(), stop: ({ alongside }) => alongside(s.janitor.stop()) },
    {
      name: 'caddy sync',
      start: () => jobs && startCaddySync(),
      stop: ({ alongside }) => {
        alongside(unlistenCaddy?.().catch(() => undefined));
        alongside(caddySync?.stop());
      },
    },
    {
      name: 'drain',
      // One deadline for requests and job runs alike; whatever still runs then is cut off.
      stop: async ({ deadline }) => {
        o.draining = true;
        await o.listener?.close(deadline);
      },
    },
    // Stops before the drain: no new UPDATE starts while the requests in flight finish.
    { name: 'dns update door', start: () => s.dnsDoor?.start(), stop: () => s.dnsDoor?.stop() },
    // Started last so it stops first: a wait=propagated request answers DNS_NOT_PROPAGATED now instead of holding up the drain.
    { name: 'propagation checker', start: () => jobs && s.propagation.start(), stop: ({ alongside }) => alongside(s.propagation.stop()) },
  ];
}
