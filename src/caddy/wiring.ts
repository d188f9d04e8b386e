// Connects the Caddy builder and sync loop to the database, config, metrics and change notifications.
import type { Logger } from 'pino';
import { NO_AUDIT, type AuditSink } from '../audit/writer.js';
import type { ClientTokenStore } from '../clients/tokens.js';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import type { Metrics } from '../metrics.js';
import type { PluginCatalogue } from '../calls/catalogue.js';
import { MASK } from '../providers/mask.js';
import { maskQueryValues } from '../security/url-query.js';
import type { ProviderStore } from '../providers/store.js';
import type { SiteStore } from '../sites/store.js';
import { CaddyAdminClient } from './admin-client.js';
import { buildTlsPolicies } from './builder.js';
import { CaddySync, type CaddySyncState, type RunOutcome } from './sync.js';
import { CaddyToken } from './token.js';
import type { ClientTokenRow, DnsProviderRow } from '../db/schema.js';
import { timingOf, type OwnTimeouts } from '../providers/timing.js';
import type { AnyProviderPlugin } from '../plugin-api/index.js';
import type { BuilderCredential, BuilderInput, BuilderProvider, BuildResult } from './types.js';

export interface CaddyDeps {
  config: Config;
  database: Database;
  providers: ProviderStore;
  sites: SiteStore;
  clientTokens: ClientTokenStore;
  catalogue: PluginCatalogue;
  metrics: Metrics;
  log: Logger;
  audit?: AuditSink;
}

/**
 * The timing the challenges of these credentials run on (timingOf, as their runtime has it), so Caddy waits as long
 * as the daemon does: a manual provider's timeout_minutes wins over the row. Credentials that do not parse, or a
 * type not loaded, get zeros: the builder leaves such a provider or credential out.
 */
function timingFor(plugin: AnyProviderPlugin | undefined, row: DnsProviderRow, own: OwnTimeouts, credentials: Record<string, unknown> | null): { propagationTimeoutS: number; pollingIntervalS: number } {
  const parsed = plugin && credentials !== null ? plugin.credentials.safeParse(credentials) : undefined;
  return parsed?.success ? timingOf(plugin!, row.settings, own, parsed.data) : { propagationTimeoutS: 0, pollingIntervalS: 0 };
}

/** A multi-credential provider's rows, decrypted (an unreadable one becomes null, skipped by the builder). */
async function credentialSets(deps: CaddyDeps, row: DnsProviderRow, plugin: AnyProviderPlugin | undefined): Promise<BuilderCredential[]> {
  const store = deps.providers.zoneCredentials;
  return (await store.list(row)).map((c) => {
    let credentials: Record<string, unknown> | null;
    try {
      credentials = store.decrypt(c);
    } catch {
      credentials = null;
    }
    return {
      id: c.id, label: c.label, zoneFilter: c.zoneFilter, enabled: c.enabled, createdAt: c.createdAt.toISOString(), credentials,
      propagationTimeout: timingFor(plugin, row, c, credentials).propagationTimeoutS,
    };
  });
}

/**
 * Reads providers (decrypting each; an unreadable one is skipped, never fatal) and sites into the builder's input. The
 * acmeproxy password is the mask until the sync puts its client token in (syncBuild).
 */
export async function loadBuilderInput(deps: CaddyDeps): Promise<BuilderInput> {
  const { config } = deps;
  const providers: BuilderProvider[] = [];
  for (const row of await deps.providers.list()) {
    let credentials: Record<string, unknown> | null = null;
    try {
      credentials = deps.providers.decrypt(row);
    } catch {
      credentials = null;
    }
    const plugin = deps.catalogue.entry(row.providerType)?.plugin;
    const timing = timingFor(plugin, row, row, credentials);
    providers.push({
      id: row.id, name: row.name, type: row.providerType, enabled: row.enabled, credentials,
      ...(credentials === null ? { credentialsUnreadable: true } : {}),
      // The daemon answers present only once the value is visible, so Caddy's own check can be off.
      propagationTimeout: row.settings.waitForPropagation ? -1 : timing.propagationTimeoutS,
      pollingInterval: timing.pollingIntervalS,
      ...(row.settings.caddyMode ? { caddyMode: row.settings.caddyMode } : {}),
      ...(config.dnsResolvers ? { resolvers: config.dnsResolvers } : {}),
      ...(row.useMultiCredentials ? { credentialSets: await credentialSets(deps, row, plugin) } : {}),
    });
  }
  const sites = (await deps.sites.list()).map((s) => ({ id: s.id, domainNames: s.domainNames, providerId: s.dnsProviderId, enabled: s.enabled }));
  return {
    providers,
    sites,
    settings: {
      acmeIssuer: config.acme.issuer,
      acmeStaging: config.acme.staging,
      ...(config.acme.email ? { acmeEmail: config.acme.email } : {}),
      ...(config.acme.ca ? { acmeCa: config.acme.ca } : {}),
      ...(config.acme.trustedRoots.length ? { acmeTrustedRootsPemFiles: config.acme.trustedRoots } : {}),
      daemonUrl: config.internalUrl,
      acmeproxyPassword: MASK,
    },
    plugins: Object.fromEntries(deps.catalogue.types().map((t) => [t.plugin.metadata.type, t.plugin])),
  };
}

export async function buildPolicies(deps: CaddyDeps, input?: BuilderInput): Promise<BuildResult> {
  const result = buildTlsPolicies(input ?? await loadBuilderInput(deps));
  deps.metrics.caddyProvidersSkipped.set(result.skipped.length);
  for (const s of result.skipped) deps.log.warn({ provider: s.providerId, reason: s.reason }, `provider left out of Caddy config: ${s.message}`);
  return result;
}

/** What the sync pushes: the policies with Caddy's client token, minted or re-scoped first for what they reach. */
async function syncBuild(deps: CaddyDeps, token: CaddyToken): Promise<BuildResult> {
  const input = await loadBuilderInput(deps);
  const password = await token.ensure(buildTlsPolicies(input).acmeproxy);
  return buildPolicies(deps, password === null ? input : { ...input, settings: { ...input.settings, acmeproxyPassword: password } });
}

/** The policies as an operator may see them: Caddy's client token never read (the mask stands in), every provider's secret field masked. */
export async function previewPolicies(deps: CaddyDeps): Promise<BuildResult> {
  const input = await loadBuilderInput(deps);
  const secrets = new Set<string>();
  // A URL field's query values are masked as in the API's view (an api_url's `?key=…`).
  const urls = new Map<string, string>();
  for (const p of input.providers) {
    const fields = deps.catalogue.fields(p.type);
    for (const creds of [p.credentials, ...(p.credentialSets ?? []).map((c) => c.credentials)]) {
      for (const f of fields) {
        const v = creds?.[f.name];
        if (!f.secret) {
          if (typeof v === 'string') urls.set(v, maskQueryValues(v, MASK));
          continue;
        }
        for (const s of typeof v === 'string' ? [v] : v && typeof v === 'object' ? Object.values(v) : []) {
          if (typeof s === 'string' && s !== '') secrets.add(s);
        }
      }
    }
  }
  const mask = (v: unknown): unknown => {
    if (typeof v === 'string') return secrets.has(v) ? MASK : urls.get(v) ?? v;
    if (Array.isArray(v)) return v.map(mask);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mask(x)]));
    return v;
  };
  const result = await buildPolicies(deps, input);
  return { ...result, policies: mask(result.policies) as BuildResult['policies'] };
}

/** Caddy's client token as every replica keeps it; a superseded one stays valid long enough for every replica's periodic run to give its Caddy the new one. */
function caddyToken(deps: CaddyDeps): CaddyToken {
  return new CaddyToken(deps.clientTokens, { key: deps.config.adminToken!, graceMs: Math.max(3_600_000, 10 * deps.config.caddySyncIntervalMs), ...(deps.audit ? { audit: deps.audit } : {}) });
}

/**
 * "Rotate now" (POST /api/v1/caddy/token/rotate): Caddy's current token is given its grace expiry and a sync run mints
 * and pushes the new one. Returns the retired rows and the live one after the run (null when no acmeproxy policy needs one).
 */
export async function rotateCaddyToken(deps: CaddyDeps, sync: CaddySync): Promise<{ retired: ClientTokenRow[]; current: ClientTokenRow | null }> {
  const token = caddyToken(deps);
  const retired = await token.retire();
  await sync.syncNow({ verify: true });
  const current = (await token.live()).find((r) => r.expiresAt === null) ?? null;
  return { retired, current };
}

/** Starts nothing by itself; returns null when no Caddy admin URL is configured. */
export function createCaddySync(deps: CaddyDeps): CaddySync | null {
  if (!deps.config.caddyAdminUrl) return null;
  const token = caddyToken(deps);
  // The internal token too: a Caddy that ran an older daemon's config may still echo it.
  const client = new CaddyAdminClient(deps.config.caddyAdminUrl, { timeoutMs: 10_000, secrets: () => [deps.config.internalToken!, ...token.secrets()] });
  const m = deps.metrics;
  const audit = deps.audit ?? NO_AUDIT;
  let lastRun: RunOutcome = 'unchanged';
  return new CaddySync({
    client,
    build: () => syncBuild(deps, token),
    intervalMs: deps.config.caddySyncIntervalMs,
    log: deps.log,
    metrics: {
      onRun: (outcome) => {
        m.caddySyncPushes.labels(outcome).inc();
        lastRun = outcome;
        // A run that sent nothing is no event; a push, a refusal or a failure is.
        if (outcome !== 'unchanged') {
          audit.record({ action: 'caddy.push', category: 'caddy', resourceType: 'caddy', outcome: outcome === 'failed' ? 'failure' : 'success', details: { result: outcome } });
        }
      },
      onState: (s) => {
        if (lastRun === 'refused') {
          // The policies refused by this run carry its time; older ones were held back, already recorded.
          const latest = Math.max(...s.refused.map((r) => r.refusedAt.getTime()));
          for (const r of s.refused.filter((x) => x.refusedAt.getTime() === latest)) {
            audit.record({ action: 'caddy.refused', category: 'caddy', resourceType: 'dns_provider', resourceId: r.providerId, outcome: 'failure', details: { provider_id: r.providerId, name: r.name, reason: r.reason } });
          }
        }
        if (s.lastSuccessAt) m.caddySyncLastSuccess.set(s.lastSuccessAt.getTime() / 1000);
        m.caddySyncFailures.set(s.consecutiveFailures);
        // Reset first: a provider no longer refused (fixed, deleted) must drop out, not stay at its last value.
        m.caddyPoliciesRefused.reset();
        for (const r of s.refused) m.caddyPoliciesRefused.labels(r.name).inc();
      },
    },
  });
}

/** The /ready entry: informational, so Caddy trouble never takes the challenge API (or the pod) out of service. */
export function caddyReadiness(sync: CaddySync | null): { ok: boolean; [k: string]: unknown } {
  if (!sync) return { ok: true, enabled: false };
  const s: CaddySyncState = sync.state();
  return {
    ok: true,
    enabled: true,
    in_sync: s.inSync,
    consecutive_failures: s.consecutiveFailures,
    last_success_at: s.lastSuccessAt?.toISOString() ?? null,
    last_attempt_at: s.lastAttemptAt?.toISOString() ?? null,
    last_error: s.lastError,
    skipped_providers: s.skipped.map((p) => ({ id: p.providerId, reason: p.reason })),
    refused_providers: refusedView(s),
  };
}

/** Providers whose policy Caddy refused (the rest were pushed without them), with Caddy's reason. */
export function refusedView(s: CaddySyncState): { id: string; name: string; reason: string; refused_at: string }[] {
  return s.refused.map((r) => ({ id: r.providerId, name: r.name, reason: r.reason, refused_at: r.refusedAt.toISOString() }));
}
