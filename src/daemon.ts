// Composition root: config -> database -> providers -> challenges -> jobs -> HTTP, and an orderly stop.
import { sql } from 'drizzle-orm';
import { Hono } from 'hono';
import type { Logger } from 'pino';
import { AuditLog } from './audit/listing.js';
import { AuditWriter, NO_AUDIT, type AuditSink, type AuditWriterOptions } from './audit/writer.js';
import { caddyReadiness, createCaddySync } from './caddy/wiring.js';
import type { CaddySync } from './caddy/sync.js';
import { caddyRoutes } from './http/routes/caddy.js';
import { Janitor, type JanitorOptions } from './challenges/janitor.js';
import { PropagationChecker, resolversFrom } from './challenges/propagation.js';
import { ChallengeService, type ChallengeServiceOptions } from './challenges/service.js';
import type { Config } from './config.js';
import { KeyCoverage } from './crypto/coverage.js';
import { Keyring } from './crypto/keyring.js';
import { KeyRotation } from './crypto/rotation.js';
import { openDatabase, type Database } from './db/client.js';
import { runMigrations } from './db/migrate.js';
import { untilDatabaseUp, urlSecrets } from './db/wait.js';
import { dnsProviderCredentials } from './db/schema.js';
import { ZoneFinder } from './dns/zone-finder.js';
import { createApp } from './http/app.js';
import { LoginGuard } from './http/login-guard.js';
import { TrustedProxies } from './http/peer.js';
import { LoginThrottle } from './security/login-throttle.js';
import { openListener, type Listener } from './http/listener.js';
import { internalRoutes } from './http/routes/internal.js';
import { manualRoutes } from './http/routes/manual.js';
import { ManualChallenges } from './challenges/manual.js';
import { ChallengeListing } from './challenges/listing.js';
import { uiRoutes } from './ui/routes.js';
import { providerRoutes } from './http/routes/providers.js';
import { credentialRoutes } from './http/routes/credentials.js';
import { createMetrics, type Metrics } from './metrics.js';
import { shippedPlugins } from './plugins/index.js';
import type { AnyProviderPlugin } from './plugin-api/index.js';
import { ProviderCallGuards } from './calls/guards.js';
import { PluginCatalogue } from './calls/catalogue.js';
import { PluginCalls } from './calls/plugin-calls.js';
import { scriptIdentity } from './plugins/script/path.js';
import { sandboxReadiness } from './plugins/script/sandbox.js';
import { ProviderStats } from './providers/stats.js';
import { ProviderCache } from './providers/cache.js';
import { ZoneCredentialStore } from './providers/zone-credentials.js';
import { ProviderStore } from './providers/store.js';
import { SiteProviderChooser } from './sites/chooser.js';
import { SiteStore } from './sites/store.js';
import { siteRoutes } from './http/routes/sites.js';
import { challengeRoutes } from './http/routes/challenges.js';
import { pluginRoutes } from './http/routes/plugins.js';
import { PluginLoader } from './plugin-loader/loader.js';
import { acmeDnsRoutes } from './http/routes/acme-dns.js';
import { encryptionRoutes } from './http/routes/encryption.js';
import { isAppError } from './errors.js';
import { AcmeDnsService } from './acme-dns/service.js';
import { ClientAccess } from './clients/access.js';
import { ClientTokenStore } from './clients/tokens.js';
import { clientTokenRoutes } from './http/routes/client-tokens.js';
import { Detector } from './detect/detector.js';
import { detectRoutes } from './http/routes/detect.js';
import { auditRoutes } from './http/routes/audit-logs.js';

export const CONFIG_CHANNEL = 'dns01_config';
/** A key rotation re-encrypted a batch: every replica counts its key coverage again. */
export const KEYS_CHANNEL = 'dns01_keys';

export interface DaemonOptions {
  /** Extra or replacement plugins (tests, external plugins). */
  plugins?: AnyProviderPlugin[];
  challenge?: ChallengeServiceOptions;
  janitor?: Partial<JanitorOptions>;
  /** Don't start background jobs (tests drive them by hand). */
  jobs?: boolean;
  /** The rate limit's window (default 60 s); tests shorten it to see a slot free. */
  rateWindowMs?: number;
  /** Bound on a plugin module's load and `init` (default 10 s); tests shorten it to see a hang refused. */
  pluginInitTimeoutMs?: number;
  /** How often provider statistics are written (default 5 s); tests lengthen it to read them before the write. */
  statsIntervalMs?: number;
  /** false: record no audit events (as DNS01_AUDIT_ENABLED=false); otherwise the writer's options (tests shorten its interval). */
  audit?: false | AuditWriterOptions;
  /** The login limit's clock (default Date.now); tests move it past a lock-out instead of waiting. */
  loginClock?: () => number;
  /** PGlite's initdb'd template for a first start (main.ts names the build's; none under tsx or in tests). */
  pgliteTemplate?: URL;
  /** The registry to fill; startup.ts serves it before the daemon exists. */
  metrics?: Metrics;
  /** A listener already open (startup.ts): listen() hands it the daemon's app instead of opening one. */
  listener?: Listener;
  /** Aborted: stop waiting for the database (SIGTERM during start-up). */
  signal?: AbortSignal;
  /** Each failed attempt to reach PostgreSQL while start-up waits for it. */
  onDatabaseRetry?: (attempts: number, error: string) => void;
  /** The database answered and its migrations are applied; the rest of start-up follows. */
  onDatabaseUp?: () => void;
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
  /** Starts listening; resolves with the bound port. */
  listen(): Promise<number>;
  /** Stops taking requests, lets in-flight ones finish (bounded), stops jobs, closes the database. */
  stop(): Promise<void>;
}

/** `config` must already carry its secrets (see secrets.ts). */
export async function createDaemon(config: Config, log: Logger, opts: DaemonOptions = {}): Promise<Daemon> {
  if (!config.internalToken || !config.adminToken || !config.encryptionKey) throw new Error('createDaemon: secrets missing from config');
  const keyring = new Keyring(config.encryptionKey, { ...(config.encryptionKeyNext ? { next: config.encryptionKeyNext } : {}), old: config.encryptionKeysOld });
  const metrics = opts.metrics ?? createMetrics();
  const plugins = new Map<string, AnyProviderPlugin>();
  for (const p of [...shippedPlugins, ...(opts.plugins ?? [])]) plugins.set(p.metadata.type, p);
  // Probed (two short runs of unshare) while the database opens, not before it: /ready and the first script run wait for it.
  const scripts = plugins.has('script') ? sandboxReadiness(scriptIdentity()) : undefined;
  void scripts?.then((s) => {
    if (s.sandbox === 'none') log.warn({ reason: s.reason }, 'scripts run without PID and network namespaces: a script can leave processes behind and reach the network');
  });
  const database = await openDatabase({ ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}), dataDir: config.dataDir, ...(opts.pgliteTemplate ? { pgliteTemplate: opts.pgliteTemplate } : {}) });
  if (database.kind === 'pglite') await runMigrations(database);
  else {
    // postgres.js connects on the first query: a server that is not up yet is waited for here, not a reason to exit.
    await untilDatabaseUp(async () => {
      await database.db.execute(sql`select 1`);
      await runMigrations(database);
    }, { waitMs: config.databaseWaitMs, log, signal: opts.signal, onRetry: opts.onDatabaseRetry, secrets: urlSecrets(config.databaseUrl!) }).catch(async (err: unknown) => {
      await database.close().catch(() => undefined);
      throw err;
    });
  }
  log.info({ database: database.kind }, 'database ready');
  opts.onDatabaseUp?.();
  // /ready fails while an enabled provider needs a key this replica lacks; counted now, then on every change that can move one.
  const keys = new KeyCoverage(database, keyring, log.child({ module: 'keys' }));
  await keys.refresh();

  // Built before the plugin calls, which report script runs to it (secret field names: readSecretFields below).
  let secretFields: ReadonlySet<string> | undefined;
  const writer = opts.audit === false || !config.auditEnabled ? null : new AuditWriter(database, metrics, log.child({ module: 'audit' }), { secretFields: () => (secretFields ??= readSecretFields()), ...opts.audit });
  const audit: AuditSink = writer ?? NO_AUDIT;

  const guards = new ProviderCallGuards({
    log: log.child({ module: 'providers' }),
    metrics,
    ...(config.redisUrl ? { redisUrl: config.redisUrl } : {}),
    ...(opts.rateWindowMs ? { rateWindowMs: opts.rateWindowMs } : {}),
  });
  const stats = new ProviderStats(database, log.child({ module: 'providers' }), opts.statsIntervalMs);
  const credentialStats = new ProviderStats(database, log.child({ module: 'providers' }), opts.statsIntervalMs, dnsProviderCredentials);
  const catalogue = new PluginCatalogue([...plugins.values()], {
    allowPrivateWebhooks: config.allowPrivateWebhooks, webhookAllowedPorts: config.webhookAllowedPorts, scriptsDir: config.scriptsDir,
  });
  const calls = new PluginCalls(catalogue, {
    log: log.child({ module: 'providers' }),
    guards,
    audit,
    onCall: (providerId, error, credentialId) => {
      stats.record(providerId, error);
      if (credentialId) credentialStats.record(credentialId, error);
    },
  });
  // Read when an audit event first needs it, and again after the loaded plugins change.
  const readSecretFields = () => new Set(catalogue.types().flatMap((t) => t.fields.filter((f) => f.secret).map((f) => f.name)));
  const notifyChange = () => void database.notify(CONFIG_CHANNEL, 'providers').catch(() => undefined);
  // Cleared before a change's request is answered here; other replicas clear theirs on the NOTIFY.
  const providerCache = new ProviderCache();
  const changed = () => {
    providerCache.clear();
    void keys.refresh();
    notifyChange();
  };
  // Not waited for: the cache keeps nothing until the LISTEN is up (onListen, again after each reconnect).
  const cacheListen = database.listen(CONFIG_CHANNEL, () => {
    providerCache.clear();
    void keys.refresh();
  }, () => {
    providerCache.keep();
    void keys.refresh();
  }).catch((err: unknown) => {
    log.warn({ err: (err as Error).message }, 'cannot LISTEN for provider changes; cached provider rows are kept at most 30 s');
    providerCache.keep();
    return undefined;
  });
  const loader = config.plugins
    ? new PluginLoader({ ...config.plugins, ...(opts.pluginInitTimeoutMs ? { initTimeoutMs: opts.pluginInitTimeoutMs } : {}) }, {
      database, catalogue, calls, log: log.child({ module: 'plugins' }), onChange: () => { secretFields = undefined; changed(); },
    })
    : null;
  if (loader) {
    // Refusals are recorded and logged, not fatal: the daemon serves its other types. An unreadable allow-list is fatal here.
    const rows = await loader.reload();
    secretFields = undefined;
    log.info({ loaded: rows.filter((r) => r.status === 'loaded').map((r) => r.name), refused: rows.filter((r) => r.status === 'error').map((r) => r.name) }, 'plugins read');
  }
  const providers = new ProviderStore(database, keyring, calls, stats, changed, new ZoneCredentialStore(database, keyring, catalogue, credentialStats, changed, audit, providerCache), audit, providerCache);
  const rotation = new KeyRotation(database, keyring, metrics, log.child({ module: 'rotation' }), {
    ...config.rotation, audit, onRewrite: () => void database.notify(KEYS_CHANNEL, 'rotated').catch(() => undefined),
  });
  const encrypted = await rotation.counts();
  if (encrypted.unreadable > 0) {
    const missing = encrypted.versions.filter((v) => v.slot === null && v.rows > 0).map((v) => v.version);
    log.warn({ unreadable: encrypted.unreadable, keyVersions: missing }, 'some provider credentials use a key that is not configured; set it as DNS01_ENCRYPTION_KEY_V1..V10');
  }
  const keysListen = database.listen(KEYS_CHANNEL, () => void keys.refresh(), () => void keys.refresh()).catch((err: unknown) => {
    log.warn({ err: (err as Error).message }, 'cannot LISTEN for key rotations; /ready counts key versions at most 30 s old');
    return undefined;
  });
  if (encrypted.pending > 0 && config.rotation.onStart) {
    // The same job as POST /admin/encryption/rotate, in the background: the daemon serves while it runs.
    rotation.start('startup').catch((err: unknown) => {
      if (isAppError(err) && err.code === 'ROTATION_IN_PROGRESS') log.info('another replica is rotating keys');
      else log.warn({ err: (err as Error).message }, 'key rotation did not start');
    });
  }
  const resolvers = resolversFrom(config.dnsResolvers);
  const propagation = new PropagationChecker(database, providers, metrics, log.child({ module: 'propagation' }), {
    resolvers, authPort: config.dnsAuthPort,
  });
  const zones = new ZoneFinder({ resolvers });
  const challenges = new ChallengeService(database, providers, calls, metrics, log.child({ module: 'challenges' }), {
    waitForPropagation: (row, provider) => propagation.waitForPropagation(row, provider),
    zones,
    ...(config.acmeDnsDomain ? { acmeDnsDomain: config.acmeDnsDomain } : {}),
    audit,
    ...opts.challenge,
  });
  const auditLog = new AuditLog(database);
  const janitor = new Janitor(database, challenges, metrics, log.child({ module: 'janitor' }), {
    intervalMs: config.janitorIntervalMs, auditRetention: { log: auditLog, days: config.auditRetentionDays }, ...opts.janitor,
  });
  const chooser = new SiteProviderChooser(database, providers);

  const siteStore = new SiteStore(database, providers, notifyChange);
  const acmeDns = config.acmeDnsDomain
    ? new AcmeDnsService(database, providers, catalogue, challenges, config.acmeDnsDomain, log.child({ module: 'acme-dns' }))
    : null;

  const caddyDeps = { config, database, providers, sites: siteStore, catalogue, metrics, log: log.child({ module: 'caddy' }), audit };
  const caddySync = createCaddySync(caddyDeps);
  let unlisten: (() => Promise<void>) | undefined;

  const startCaddySync = () => {
    if (!caddySync) return;
    caddySync.start();
    // A change made through any replica reaches every replica's sync within a second.
    database.listen(CONFIG_CHANNEL, () => caddySync.trigger()).then(
      (stop) => (unlisten = stop),
      (err) => log.warn({ err: (err as Error).message }, 'cannot LISTEN for config changes; relying on the periodic sync'),
    );
  };

  let draining = false;
  const admin = providerRoutes(providers, calls, log.child({ module: 'admin' }));
  admin.route('/', credentialRoutes(providers, calls));
  admin.route('/', detectRoutes(new Detector({ zones, resolvers, providers: () => providers.list() })));
  admin.route('/sites', siteRoutes(siteStore));
  admin.route('/caddy', caddyRoutes(caddyDeps, caddySync));
  admin.route('/admin/plugins', pluginRoutes(loader));
  admin.route('/admin/encryption', encryptionRoutes(rotation, keyring));
  admin.route('/challenges', challengeRoutes(new ChallengeListing(database, challenges, catalogue)));
  const manual = new ManualChallenges(database, providers, challenges, propagation);
  admin.route('/', manualRoutes(manual));
  const clientTokens = new ClientTokenStore(database, providers);
  admin.route('/client-tokens', clientTokenRoutes(clientTokens));
  admin.route('/', auditRoutes(auditLog, log.child({ module: 'audit' })));
  const access = new ClientAccess(clientTokens, { sharedToken: config.internalToken, sharedTokenEnabled: config.internalTokenEnabled, audit });
  // Two secrets, two guards: the admin token's (page, /api/v1, acme-dns registration) and the acme-dns accounts'.
  const loginGuard = () => new LoginGuard(new LoginThrottle({ ...config.loginLimits, ...(opts.loginClock ? { now: opts.loginClock } : {}) }), metrics, log.child({ module: 'logins' }));
  const adminLogins = loginGuard();
  const app = createApp({
    log, metrics, database, serverTiming: config.serverTiming,
    access, adminToken: config.adminToken, adminLogins, audit,
    proxies: new TrustedProxies(config.trustedProxies.cidrs, config.trustedProxies.header),
    internal: internalRoutes(challenges, chooser, access, log.child({ module: 'internal' })), admin,
    ui: uiRoutes(manual, config.adminToken, log.child({ module: 'ui' }), adminLogins),
    acmeDns: acmeDnsRoutes(acmeDns, config.adminToken, log.child({ module: 'acme-dns' }), { admin: adminLogins, accounts: loginGuard() }),
    loopsHealthy: () => opts.jobs === false || (janitor.healthy() && propagation.healthy()),
    draining: () => draining,
    readinessChecks: async () => ({ caddy: caddyReadiness(caddySync), keys: await keys.readiness(), ...(scripts ? { scripts: await scripts } : {}) }),
  });

  let listener: Listener | undefined;
  return {
    app, config, database, metrics, calls, providers, plugins: loader, challenges, janitor, sites: siteStore, caddySync, propagation, audit: writer,
    listen: async () => {
      listener = opts.listener ?? (await openListener(config.host, config.port, app.fetch, log));
      listener.use(app.fetch);
      if (opts.jobs !== false) {
        janitor.start();
        propagation.start();
        startCaddySync();
      }
      return listener.port;
    },
    stop: async () => {
      draining = true;
      // First, so a wait=propagated request answers DNS_NOT_PROPAGATED now instead of holding up the drain.
      const checkerStopped = propagation.stop();
      // One deadline for requests and job runs alike; whatever still runs then is cut off.
      const deadline = new Promise<void>((r) => setTimeout(r, config.shutdownTimeoutMs).unref());
      await listener?.close(deadline);
      const unlistened = [cacheListen, keysListen].map((l) => l.then((stopListen) => stopListen?.()).catch(() => undefined));
      const jobsStopped = Promise.all([janitor.stop(), checkerStopped, rotation.stop(), unlisten?.().catch(() => undefined), ...unlistened, caddySync?.stop()]);
      await Promise.race([jobsStopped, deadline]);
      // Plugin calls still running (requests or jobs) are aborted; their rows stay as they are for the janitor.
      calls.abortCalls();
      await jobsStopped;
      await loader?.close();
      await calls.close();
      await stats.stop();
      await credentialStats.stop();
      await challenges.pending.stop();
      // Last, so the events of the drain and the jobs' final runs are written.
      await writer?.stop();
      await database.close();
      log.info('stopped');
    },
  };
}
