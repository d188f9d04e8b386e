// The shape every provider plugin exports; the registry wraps these calls with limiter, breaker and metrics.
import type { Logger } from 'pino';
import type { z } from 'zod';

/** Describes one credential field so the admin API and UI can render and mask it. */
export interface FieldSpec {
  name: string;
  label: string;
  type: 'string' | 'secret' | 'url' | 'number' | 'boolean' | 'enum' | 'map';
  required: boolean;
  description?: string;
  default?: unknown;
  options?: readonly string[];
}

export interface PluginMetadata {
  displayName: string;
  description: string;
  /** true: the daemon does the DNS work itself; false: Caddy has a native module and only needs config. */
  proxied: boolean;
  docsUrl?: string;
}

/** Daemon-wide settings a plugin may need; never contains secrets of other providers. */
export interface PluginSettings {
  allowPrivateWebhooks: boolean;
  scriptsDir: string;
}

export interface PluginContext {
  log: Logger;
  settings: PluginSettings;
  /** Aborted on shutdown; plugins pass it to their network calls. */
  signal?: AbortSignal;
}

/** One record edit. Names are lower-case, without the trailing dot. */
export interface RecordRequest {
  challengeId: string;
  /** e.g. `_acme-challenge.www.example.com` */
  fqdn: string;
  /** The domain being validated, e.g. `www.example.com` (fqdn without `_acme-challenge.`). */
  domain: string;
  /** The zone when known (provider setting or SOA walk), else undefined. */
  zone?: string;
  /** The TXT value: 43 characters of base64url. */
  value: string;
  ttl: number;
  /** What `present` returned, handed back to `cleanup` so the far side can find its record. */
  recordId?: string | null;
}

export interface PresentResult {
  recordId?: string | null;
}

export interface TestResult {
  ok: boolean;
  message: string;
}

export interface ProviderPlugin<C = Record<string, unknown>> {
  /** Registry key and folder name. */
  type: string;
  metadata: PluginMetadata;
  fields: readonly FieldSpec[];
  /** Parses and validates stored/submitted credentials; errors become 400 VALIDATION_ERROR. */
  credentials: z.ZodType<C>;
  /** Seconds; used when the provider row leaves them unset. */
  defaults: { propagationTimeout: number; pollingInterval: number; ttl: number };
  /**
   * Seconds the credentials themselves set (the manual type's `timeout_minutes`), winning over the row's
   * columns and `defaults`: `lifetime` is the challenge's whole life (no expiry grace added).
   */
  timing?(creds: C): { lifetime: number; pollingInterval: number };
  /** Calls a minute when the provider row sets none (registry default otherwise), and the code a refusal carries. */
  rateLimit?: { perMinute: number; code: 'WEBHOOK_RATE_LIMITED' | 'PROVIDER_RATE_LIMITED' };
  /** Save-time checks that need daemon settings (e.g. a webhook URL's scheme); throws AppError. */
  check?(creds: C, settings: PluginSettings): void | Promise<void>;
  /** Checks the credentials against the far side without changing a record. */
  test?(creds: C, ctx: PluginContext): Promise<TestResult>;
  /** Adds exactly `req.value` at `req.fqdn`; must not remove or replace other values. */
  present?(creds: C, req: RecordRequest, ctx: PluginContext): Promise<PresentResult>;
  /** Removes exactly `req.value` at `req.fqdn`; removing an absent value is a success. */
  cleanup?(creds: C, req: RecordRequest, ctx: PluginContext): Promise<void>;
  /** The `dns.providers.*` module config Caddy needs for a native type, or null when proxied. */
  caddyConfig?(creds: C): Record<string, unknown> | null;
}

/** Lets each plugin file end in `satisfies ProviderPlugin<...>` while keeping its own credential type. */
export type AnyProviderPlugin = ProviderPlugin<any>;
