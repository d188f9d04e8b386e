// Builds every service the daemon runs, once, each given what it needs by name. Building starts nothing: the start-up
// work and the stop are the parts' (compose/parts.ts), the URL paths the route table's (compose/routes.ts).
import type { Logger } from 'pino';
import { AuditLog } from '../audit/listing.js';
import { SecretFieldNames } from '../audit/secret-fields.js';
import { AuditWriter, NO_AUDIT, type AuditWriterOptions } from '../audit/writer.js';
import { AcmeDnsService } from '../acme-dns/service.js';
import { createCaddySync } from '../caddy/wiring.js';
import { PluginCatalogue } from '../calls/catalogue.js';
import { ProviderCallGuards } from '../calls/guards.js';
import { PluginCalls } from '../calls/plugin-calls.js';
import { Janitor, type JanitorOptions } from '../challenges/janitor.js';
import { CnameDelegation } from '../challenges/delegation.js';
import { ChallengeListing } from '../challenges/listing.js';
import { ManualChallenges } from '../challenges/manual.js';
import { PropagationChecker } from '../challenges/propagation.js';
import { resolverAdvice, resolverSource, resolversFrom } from '../challenges/resolvers.js';
import { ChallengeService, type ChallengeServiceOptions } from '../challenges/service.js';
import { ClientAccess } from '../clients/access.js';
import { ClientTokenStore } from '../clients/tokens.js';
import type { Config } from '../config.js';
import { KeyCoverage } from '../crypto/coverage.js';
import type { Keyring } from '../crypto/keyring.js';
import { KeyRotation } from '../crypto/rotation.js';
import type { Database } from '../db/client.js';
import { DeclaredConfig } from '../declared/apply.js';
import { dnsProviderCredentials } from '../db/schema.js';
import { Detector } from '../detect/detector.js';
import { ZoneFinder } from '../dns/zone-finder.js';
import { QueryDoor } from '../dns-door/query.js';
import { DnsDoor } from '../dns-door/server.js';
import { UpdateDoor } from '../dns-door/update.js';
import { LoginGuard } from '../http/login-guard.js';
import { TrustedProxies } from '../http/peer.js';
import type { Metrics } from '../metrics.js';
import type { AnyProviderPlugin } from '../plugin-api/index.js';
import { PluginLoader } from '../plugin-loader/loader.js';
import { ProviderCache } from '../providers/cache.js';
import { ZoneCredentialStore } from '../providers/zone-credentials.js';
import { ProviderStats } from '../providers/stats.js';
import { ProviderStore } from '../providers/store.js';
import { LoginThrottle } from '../security/login-throttle.js';
import { SiteProviderChooser } from '../sites/chooser.js';
import { SiteIndex } from '../sites/name-index.js';
import { SiteStore } from '../sites/store.js';
import { UiSessions } from '../ui/session.js';

/** Provider and site writes: every replica clears its cached rows, counts its key coverage again, re-syncs Caddy. */
export const CONFIG_CHANNEL = 'dns01_config';
/** A key rotation re-encrypted a batch: every replica counts its key coverage again. */
export const KEYS_CHANNEL = 'dns01_keys';

/** What the daemon's options (mostly tests) change in the services. */
export interface ServiceOptions {
  challenge?: ChallengeServiceOptions;
  janitor?: Partial<JanitorOptions>;
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
  /** Bound on acme-dns registration's test write and removal (default 30 s); tests shorten it to see a hang answered. */
  acmeDnsProbeTimeoutMs?: number;
}

export type Services = ReturnType<typeof buildServices>;

/** `config` carries its secrets (createDaemon checks); `plugins` are the types served besides loaded plugins. */
export function buildServices(config: Config, log: Logger, metrics: Metrics, database: Database, keyring: Keyring, plugins: readonly AnyProviderPlugin[], opts: ServiceOptions) {
  const child = (module: string) => log.child({ module });
  // /ready fails while an enabled provider needs a key this replica lacks; counted at start, then on every change that can move one.
  const keys = new KeyCoverage(database, keyring, child('keys'));
  const secretFields = new SecretFieldNames(() => new Set(catalogue.types().flatMap((t) => t.fields.filter((f) => f.secret).map((f) => f.name))));
  // Built before the plugin calls, which report script runs to it.
  const writer = opts.audit === false || !config.auditEnabled ? null : new AuditWriter(database, metrics, child('audit'), { secretFields, ...opts.audit });
  const audit = writer ?? NO_AUDIT;
  const guards = new ProviderCallGuards({
    log: child('providers'), metrics, ...(config.redisUrl ? { redisUrl: config.redisUrl } : {}), ...(opts.rateWindowMs ? { rateWindowMs: opts.rateWindowMs } : {}),
  });
  const stats = new ProviderStats(database, child('providers'), opts.statsIntervalMs);
  const credentialStats = new ProviderStats(database, child('providers'), opts.statsIntervalMs, dnsProviderCredentials);
  const catalogue = new PluginCatalogue([...plugins], {
    allowPrivateWebhooks: config.allowPrivateWebhooks, webhookAllowedPorts: config.webhookAllowedPorts, scriptsDir: config.scriptsDir,
  });
  const calls = new PluginCalls(catalogue, {
    log: child('providers'),
    guards, audit, counters: { providers: stats, credentials: credentialStats },
  });
  const notifyChange = () => void database.notify(CONFIG_CHANNEL, 'providers').catch(() => undefined);
  // Cleared before a change's request is answered here; other replicas clear theirs on the NOTIFY (compose/parts.ts).
  const providerCache = new ProviderCache();
  const changed = () => {
    providerCache.clear();
    void keys.refresh();
    notifyChange();
  };
  const loader = config.plugins
    ? new PluginLoader({ ...config.plugins, ...(opts.pluginInitTimeoutMs ? { initTimeoutMs: opts.pluginInitTimeoutMs } : {}) }, { database, catalogue, calls, log: child('plugins'), onChange: changed, secretFields })
    : null;
  const zoneCredentials = new ZoneCredentialStore({ database, keyring, catalogue, stats: credentialStats, onChange: changed, audit, cache: providerCache });
  const providers = new ProviderStore({ database, keyring, calls, stats, onChange: changed, zoneCredentials, audit, cache: providerCache });
  const rotation = new KeyRotation(database, keyring, metrics, child('rotation'), {
    ...config.rotation, audit, onRewrite: () => void database.notify(KEYS_CHANNEL, 'rotated').catch(() => undefined),
  });
  // Chosen once and logged at start (compose/parts.ts); every "no zone found" names them and the setting.
  const resolvers = resolversFrom(config.dnsResolvers);
  const propagation = new PropagationChecker(database, providers, metrics, child('propagation'), { resolvers, authPort: config.dnsAuthPort });
  const zones = new ZoneFinder({ resolvers: resolvers.servers, advice: `resolvers from ${resolverSource(resolvers)}; ${resolverAdvice(resolvers)}` });
  // Cleared before a site change's request is answered here; other replicas clear theirs on the NOTIFY (compose/parts.ts).
  const siteIndex = new SiteIndex(database);
  const chooser = new SiteProviderChooser(siteIndex, providers);
  const challenges = new ChallengeService(database, providers, calls, metrics, child('challenges'), {
    waitForPropagation: (row, provider) => propagation.waitForPropagation(row, provider),
    zones, chooser, ...(config.followCname ? { delegation: new CnameDelegation(resolvers, child('challenges')) } : {}),
    ...(config.acmeDnsDomain ? { acmeDnsDomain: config.acmeDnsDomain } : {}), audit, ...opts.challenge,
  });
  const auditLog = new AuditLog(database);
  const janitor = new Janitor(database, challenges, metrics, child('janitor'), {
    intervalMs: config.janitorIntervalMs, auditRetention: { log: auditLog, days: config.auditRetentionDays }, ...opts.janitor,
  });
  const sites = new SiteStore(database, providers, () => {
    siteIndex.clear();
    notifyChange();
  });
  const acmeDns = config.acmeDnsDomain ? new AcmeDnsService(database, providers, catalogue, challenges, config.acmeDnsDomain, child('acme-dns'), opts.acmeDnsProbeTimeoutMs) : null;
  const clientTokens = new ClientTokenStore(database, providers, keyring);
  const caddy = { config, database, providers, sites, clientTokens, catalogue, metrics, log: child('caddy'), audit };
  const declared = config.configFile ? new DeclaredConfig({ file: config.configFile, database, providers, sites, clientTokens, catalogue, log: child('config'), audit }) : null;
  // Two secrets, two guards: the admin token's (page, /api/v1, acme-dns registration) and the acme-dns accounts'.
  const loginGuard = () => new LoginGuard(new LoginThrottle({ ...config.loginLimits, ...(opts.loginClock ? { now: opts.loginClock } : {}) }), metrics, child('logins'));
  const access = new ClientAccess(clientTokens, { sharedToken: config.internalToken!, sharedTokenEnabled: config.internalTokenEnabled, audit });
  const dnsDoor = config.dnsUpdateListen && new DnsDoor({
    ...config.dnsUpdateListen, ...config.dnsUpdateBudget, tokens: clientTokens, log: child('dns-door'), metrics,
    updates: new UpdateDoor({ database, challenges, access, chooser, zones, log: child('dns-door') }),
    queries: new QueryDoor({ database, zones, resolvers: resolvers.servers }),
  });
  return {
    config, log, metrics, database, keyring, keys, secretFields, writer, audit, stats, credentialStats, catalogue, calls, providerCache, loader,
    providers, rotation, resolvers, propagation, challenges, auditLog, janitor, sites, acmeDns, declared, caddy, caddySync: createCaddySync(caddy), clientTokens,
    chooser, siteIndex, dnsDoor,
    detector: new Detector({ zones, resolvers: resolvers.servers, providers: () => providers.list() }),
    listing: new ChallengeListing(database, challenges, catalogue),
    manual: new ManualChallenges(database, providers, challenges, propagation),
    uiSessions: new UiSessions(config.adminToken!),
    access,
    adminToken: config.adminToken!, adminLogins: loginGuard(), acmeDnsLogins: loginGuard(),
    proxies: new TrustedProxies(config.trustedProxies.cidrs, config.trustedProxies.header),
    serverTiming: config.serverTiming,
  };
}
