// Shapes shared by the Caddy config builder, the admin API client and the sync loop.
import type { AnyProviderPlugin } from '../plugin-api/index.js';

/** Every automation policy we write carries an `@id` with this prefix; the rest of Caddy's config is not ours. */
export const POLICY_ID_PREFIX = 'dns01-proxy-';

export interface BuilderProvider {
  id: string;
  name: string;
  type: string;
  enabled: boolean;
  /** Decrypted credentials, or null when they could not be decrypted (wrong/rotated key). */
  credentials: Record<string, unknown> | null;
  /** Set by the caller when decryption failed; such a provider is skipped, never thrown on. */
  credentialsUnreadable?: boolean;
  /** Seconds; negative turns Caddy's own propagation check off (Caddy then trusts the provider). */
  propagationTimeout: number;
  /** Seconds; Caddy 2.6 has no knob for it, kept for the daemon's own checker. */
  pollingInterval: number;
  /** rfc2136 only: Caddy's caddy-dns/rfc2136 module ('native') or acmeproxy back to the daemon (default). */
  caddyMode?: 'native' | 'proxied';
  /** DNS resolvers Caddy uses for its propagation check, e.g. ["127.0.0.1:53"]. */
  resolvers?: string[];
  /** With use_multi_credentials: the zone-specific rows. A Caddy-native type gets one policy per row. */
  credentialSets?: BuilderCredential[];
}

/** One zone-specific credential row, decrypted. */
export interface BuilderCredential {
  id: string;
  label: string;
  /** Normalised zone filter ('' is the catch-all). */
  zoneFilter: string;
  enabled: boolean;
  /** ISO time: with the id, the order ties between rows are broken in, as for challenges. */
  createdAt: string;
  /** Null when they could not be decrypted. */
  credentials: Record<string, unknown> | null;
  /** Seconds, the row's own. */
  propagationTimeout: number;
}

export interface BuilderSite {
  id: string;
  domainNames: string[];
  providerId: string;
  enabled: boolean;
}

export interface BuilderSettings {
  acmeIssuer: 'letsencrypt' | 'zerossl' | 'both';
  acmeEmail?: string;
  acmeStaging: boolean;
  /** Custom ACME directory URL (e.g. Pebble); replaces Let's Encrypt in the acme issuer. */
  acmeCa?: string;
  acmeTrustedRootsPemFiles?: string[];
  /** Where Caddy reaches the daemon, e.g. http://127.0.0.1:8053 */
  daemonUrl: string;
  /** What the acmeproxy module sends as its basic-auth password: the sync's client token (src/caddy/token.ts). */
  acmeproxyPassword: string;
}

export interface BuilderInput {
  providers: BuilderProvider[];
  sites: BuilderSite[];
  settings: BuilderSettings;
  plugins: Record<string, AnyProviderPlugin>;
}

/** One `apps.tls.automation.policies` element as Caddy 2.6 decodes it (unknown fields are errors). */
export interface CaddyPolicy {
  '@id': string;
  subjects: string[];
  issuers: Record<string, unknown>[];
}

export type SkipReason =
  | 'credentials_unreadable'
  | 'credentials_invalid'
  | 'unknown_type'
  | 'no_caddy_config'
  | 'no_matching_credential';

/** A provider left out of Caddy's config; the caller logs and counts these. Never carries credential values. */
export interface SkippedProvider {
  providerId: string;
  name: string;
  type: string;
  reason: SkipReason;
  message: string;
}

/** A name claimed by sites of more than one provider: the first provider (by id) gets it. */
export interface SubjectConflict {
  subject: string;
  providerIds: string[];
  chosen: string;
}

/** The provider a policy was written for, so a policy Caddy refuses can be reported by provider. */
export interface PolicyOwner {
  providerId: string;
  name: string;
}

export interface BuildResult {
  policies: CaddyPolicy[];
  skipped: SkippedProvider[];
  conflicts: SubjectConflict[];
  /** Keyed by policy `@id`. */
  owners: Record<string, PolicyOwner>;
  /** What the acmeproxy policies reach: the scope of Caddy's client token. */
  acmeproxy: AcmeproxyScope;
}

/** The names the acmeproxy policies serve (their subjects) and the providers whose endpoints they call, sorted. */
export interface AcmeproxyScope {
  domains: string[];
  providerIds: string[];
}
