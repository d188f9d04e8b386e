// Chooses the `dns.providers.*` module config for one provider: a native caddy-dns module, rfc2136, or acmeproxy back to us.
import type { AnyProviderPlugin } from '../providers/plugin.js';
import type { BuilderProvider, BuilderSettings, SkipReason } from './types.js';

export type DnsModuleResult =
  | { ok: true; module: Record<string, unknown> }
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
    password: settings.internalToken,
  };
}

function pick(creds: Record<string, unknown>, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = creds[n];
    if (typeof v === 'string' && v.trim() !== '') return v.trim();
    if (typeof v === 'number') return String(v);
  }
  return undefined;
}

/**
 * caddy-dns/rfc2136 (libdns/rfc2136): `key_name`, `key_alg`, `key` (base64 secret), `server` ("host:port").
 * The rfc2136 plugin's credential names are read leniently (snake_case, camelCase, tsig_*) so this
 * module does not break when that schema settles.
 */
export function rfc2136Module(creds: Record<string, unknown>): DnsModuleResult {
  const keyName = pick(creds, 'key_name', 'keyName', 'tsig_key_name', 'tsig_key');
  const keyAlg = pick(creds, 'key_alg', 'key_algorithm', 'algorithm', 'tsig_algorithm', 'keyAlgorithm');
  const key = pick(creds, 'key', 'secret', 'key_secret', 'tsig_secret', 'keySecret');
  const host = pick(creds, 'server', 'nameserver', 'host');
  const port = pick(creds, 'port', 'server_port');
  const missing = [
    ['key_name', keyName],
    ['key_alg', keyAlg],
    ['key', key],
    ['server', host],
  ].filter(([, v]) => v === undefined).map(([n]) => n);
  if (missing.length > 0 || !host) {
    return { ok: false, reason: 'credentials_invalid', message: `rfc2136 native mode needs ${missing.join(', ')}` };
  }
  // "host:port" as miekg/dns dials it; a bare IPv6 literal needs brackets.
  const hasPort = /^\[.*\]:\d+$/.test(host) || /^[^:]+:\d+$/.test(host);
  const hostPart = host.includes(':') && !host.startsWith('[') && !hasPort ? `[${host}]` : host;
  const server = hasPort ? host : `${hostPart}:${port ?? '53'}`;
  return {
    ok: true,
    // libdns/rfc2136 appends the trailing dot to the algorithm itself; send the plain name.
    module: { name: 'rfc2136', key_name: keyName, key_alg: keyAlg!.toLowerCase().replace(/\.$/, ''), key, server },
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

  if (provider.type === 'rfc2136') {
    return provider.caddyMode === 'native'
      ? rfc2136Module(provider.credentials)
      : { ok: true, module: acmeproxyModule(provider.id, settings) };
  }
  if (plugin.metadata.proxied || !plugin.caddyConfig) {
    return { ok: true, module: acmeproxyModule(provider.id, settings) };
  }

  const parsed = plugin.credentials.safeParse(provider.credentials);
  if (!parsed.success) {
    return { ok: false, reason: 'credentials_invalid', message: describeIssues(parsed.error.issues) };
  }
  const module = plugin.caddyConfig(parsed.data);
  if (!module) return { ok: false, reason: 'no_caddy_config', message: `type '${provider.type}' gave no Caddy config` };
  return { ok: true, module };
}
