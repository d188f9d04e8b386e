// Chooses the `dns.providers.*` module config for one provider: the plugin's own caddy-dns module, or acmeproxy back to us.
import type { AnyProviderPlugin } from '../plugin-api/index.js';
import type { BuilderProvider, BuilderSettings, SkipReason } from './types.js';

export type DnsModuleResult =
  /** `proxied`: Caddy sends the challenges to the daemon (acmeproxy), which chooses the credentials itself. */
  | { ok: true; module: Record<string, unknown>; proxied: boolean }
  | { ok: false; reason: SkipReason; message: string };

/**
 * The stock acmeproxy module (lego httpreq protocol) pointed at the daemon's per-provider endpoint,
 * so the daemon knows which provider a challenge belongs to without a zone lookup.
 */
export function acmeproxyModule(providerId: string, settings: BuilderSettings): Record<string, unknown> {
  const base = settings.daemonUrl.replace(/\/+$/, '');
  return {
    name: 'acmeproxy',
    endpoint: `${base}/internal/dns-challenge/providers/${encodeURIComponent(providerId)}`,
    username: 'caddy',
    password: settings.acmeproxyPassword,
  };
}

/** Zod issue paths only: a message must never echo a credential value back. */
function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join('.') || '(credentials)'}: ${i.message}`)
    .join('; ');
}

export function dnsModuleFor(
  provider: BuilderProvider,
  plugin: AnyProviderPlugin | undefined,
  settings: BuilderSettings,
): DnsModuleResult {
  if (provider.credentialsUnreadable || provider.credentials === null) {
    return { ok: false, reason: 'credentials_unreadable', message: 'credentials could not be decrypted' };
  }
  if (!plugin) return { ok: false, reason: 'unknown_type', message: `no plugin for provider type '${provider.type}'` };

  const parsed = plugin.credentials.safeParse(provider.credentials);
  if (!parsed.success) {
    return { ok: false, reason: 'credentials_invalid', message: describeIssues(parsed.error.issues) };
  }
  // The plugin owns its Caddy mapping; null means Caddy sends the challenges to the daemon.
  const module = plugin.caddyConfig?.(parsed.data, provider.caddyMode ? { mode: provider.caddyMode } : {}) ?? null;
  if (module) return { ok: true, module, proxied: false };
  if (plugin.present) return { ok: true, module: acmeproxyModule(provider.id, settings), proxied: true };
  return { ok: false, reason: 'no_caddy_config', message: `type '${provider.type}' gave no Caddy config` };
}
