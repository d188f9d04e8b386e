// Plugin interface v1: the one contract built-in and loaded provider plugins share, and all a plugin author needs.
// Authors import it as `dns01-proxy/plugin-api` (package.json `exports`); the host's helpers live in src/calls/ and
// src/plugin-loader/, not here.
import type { Logger } from 'pino';
import type { z } from 'zod';

/** A loaded module declaring another version is refused; bump only with a change that breaks plugins. */
export const PLUGIN_INTERFACE_VERSION = 1;

export interface PluginMetadata {
  /** Registry key: what `provider_type` names. Lower-case letters, digits, `_` and `-`. */
  type: string;
  /** Shown to operators, e.g. "PowerDNS". */
  name: string;
  description: string;
  version: string;
  author: string;
  documentationUrl?: string;
  interfaceVersion: number;
}

/** How a form renders a field (docs/api.md, the provider types' fields). */
export type FieldType = 'text' | 'password' | 'textarea' | 'select' | 'number' | 'boolean';

/** Describes one credential field so the admin API, forms and docs can render and mask it; derived from the schema. */
export interface FieldSpec {
  name: string;
  label: string;
  type: FieldType;
  required: boolean;
  /** Masked in every response, the Caddy preview and logs: `password` fields and maps (which may hold tokens). */
  secret: boolean;
  default: unknown;
  placeholder: string | null;
  /** Help text shown below the field: the schema's `description`. */
  hint: string | null;
  /** Only for `select`. */
  options?: readonly { value: string; label: string }[];
}

/**
 * What a credential field's `.meta()` may say, beyond zod's own checks: `title` is the label, `description` the
 * hint, `secret` renders it as `password` and masks it everywhere (API, Caddy preview, logs), `placeholder` is the
 * form's example, `textarea` asks for a multi-line box, `options` labels a select's values. Maps (records) render
 * as `textarea` and are always treated as secret.
 */
export interface FieldMeta {
  title?: string;
  description?: string;
  secret?: boolean;
  placeholder?: string;
  textarea?: boolean;
  options?: Record<string, string>;
}

/** Daemon-wide settings a plugin may need; never contains secrets of other providers. */
export interface PluginSettings {
  allowPrivateWebhooks: boolean;
  /** DNS01_WEBHOOK_ALLOWED_PORTS: webhook ports allowed besides 80, 443 and 1024-65535. */
  webhookAllowedPorts?: readonly number[];
  scriptsDir: string;
}

/** What every call gets (`init`, `test`, `present`, `cleanup`). */
export interface PluginContext {
  /** For calls: already names the provider, step and fqdn. For `init`: names the plugin. */
  log: Logger;
  settings: PluginSettings;
  /**
   * Aborted on shutdown, when the caller gives up, or (for `init`) when its bound passes; pass it to every network
   * call and reject with its reason. A call that ignores it is abandoned, not awaited.
   */
  signal: AbortSignal;
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
  /**
   * For `cleanup`: what this challenge's `present` returned, kept on the challenge row. Null when that `present`
   * never returned (a crash or a failure that may have written): find the record by `value` then.
   */
  recordId?: string | null;
}

export interface PresentResult {
  recordId?: string | null;
}

export interface TestResult {
  ok: boolean;
  message: string;
}

/** Provider settings a plugin's Caddy mapping may depend on. */
export interface CaddyOptions {
  /** rfc2136: let Caddy's own module do the work ('native') instead of sending challenges to the daemon. */
  mode?: 'native' | 'proxied';
}

/** What every plugin declares, whoever writes its records. */
interface PluginBase<C> {
  metadata: PluginMetadata;
  /**
   * The one credential schema: validation, field specs and docs all come from it. Errors become 400
   * VALIDATION_ERROR, and so does a key it does not name (even when the object is not strict).
   */
  credentials: z.ZodType<C>;
  /** Other names clients use for a credential key (the webhook's `retry_count` for `max_retries`); stored under the canonical one. */
  aliases?: Readonly<Record<string, string>>;
  /** Seconds; used when the provider row leaves them unset. */
  defaults: { propagationTimeout: number; pollingInterval: number; ttl: number };
  /** Calls a minute when the provider row sets none (daemon default otherwise), and the code a refusal carries. */
  rateLimit?: { perMinute: number; code: 'WEBHOOK_RATE_LIMITED' | 'PROVIDER_RATE_LIMITED' };
  /** Save-time checks that need daemon settings (e.g. a webhook URL's scheme); throws AppError. */
  check?(creds: C, settings: PluginSettings): void | Promise<void>;
}

/**
 * A plugin through which the daemon writes the records itself (webhook, script, rfc2136, manual, loaded modules).
 *
 * What the daemon guarantees to it:
 * - **Calls for one name never overlap**, across every replica sharing the database: each `present` and `cleanup`
 *   runs under the challenge service's lock for its fqdn (a PostgreSQL advisory lock, `locked` in
 *   src/challenges/service.ts over `withLock` in src/db/client.ts). A plugin need not serialise its own
 *   read-modify-write of one name's RRset. Calls for different names, and `test`, may run at the same time.
 * - **`present` may be repeated** for the same challenge and value after a crash (a row whose `present` never
 *   finished is run again), so presenting a value already there must succeed and leave it once.
 * - **`cleanup` gets back what `present` returned** (`req.recordId`), and may come for a value that is not there
 *   (never written, or already removed): that is a success.
 * - Every call goes through the provider's rate limit (not cleanups) and circuit breaker; the signal ends it.
 */
export interface SolverPlugin<C = Record<string, unknown>> extends PluginBase<C> {
  /** Adds exactly `req.value` at `req.fqdn`; must not remove or replace other values (wildcard + apex share a name). */
  present(creds: C, req: RecordRequest, ctx: PluginContext): Promise<PresentResult>;
  /** Removes exactly `req.value` at `req.fqdn`; removing an absent value is a success. */
  cleanup(creds: C, req: RecordRequest, ctx: PluginContext): Promise<void>;
  /** Checks the credentials against the far side without changing a record. */
  test?(creds: C, ctx: PluginContext): Promise<TestResult>;
  /**
   * Seconds the credentials themselves set (the manual type's `timeout_minutes`), winning over the row's
   * columns and `defaults`: `lifetime` is the challenge's whole life (no expiry grace added).
   */
  timing?(creds: C): { lifetime: number; pollingInterval: number };
  /**
   * Optional: a `dns.providers.*` module Caddy may solve this provider with instead (rfc2136 with `mode: native`),
   * or null to send Caddy's challenges to the daemon (acmeproxy), as when it is left out.
   */
  caddyConfig?(creds: C, opts: CaddyOptions): Record<string, unknown> | null;
  /** Runs once before the first call (connections, caches), with a bounded signal; a throw or a hang refuses the plugin. */
  init?(ctx: PluginContext): Promise<void>;
  /** Runs once when the plugin is unloaded or the daemon stops, after its last call. */
  close?(): Promise<void>;
}

/**
 * A provider Caddy solves with its own `dns.providers.*` module (cloudflare, route53, ...): the daemon only holds
 * the credentials and writes Caddy's config; it never calls the provider.
 */
export interface CaddyNativePlugin<C = Record<string, unknown>> extends PluginBase<C> {
  /** The `dns.providers.*` module config, with the real module's field names. */
  caddyConfig(creds: C, opts: CaddyOptions): Record<string, unknown>;
  present?: never;
  cleanup?: never;
  test?: never;
  timing?: never;
  init?: never;
  close?: never;
}

/** Either kind: a plugin with neither `present` nor `caddyConfig` does not type-check. */
export type ProviderPlugin<C = Record<string, unknown>> = SolverPlugin<C> | CaddyNativePlugin<C>;

/** Lets each plugin file end in `satisfies ProviderPlugin<...>` while keeping its own credential type. */
export type AnyProviderPlugin = ProviderPlugin<any>;

/**
 * How a loaded plugin's failure is told to the daemon (`host.fail`):
 * - `{ sent: false }`: provably nothing reached the far side (no connection, rejected before any write): the
 *   challenge keeps no record to clean up.
 * - `{ sent: true }`: the request may have arrived (a timeout, a 5xx): the daemon will clean up after it.
 * - `{ refused: true }`: the far side answered and refused this one request (a name its policy does not grant):
 *   nothing was written, and the provider's circuit breaker does not count it.
 * `retryable` (default: true, false for a refusal) says whether trying again later may help.
 */
export type FailureOptions = { sent: boolean; retryable?: boolean; refused?: never } | { refused: true; retryable?: boolean; sent?: never };

/** What a loadable module's default export is handed: the daemon's libraries, so the file imports nothing. */
export interface PluginHost {
  interfaceVersion: number;
  z: typeof z;
  /**
   * Throws an error the daemon understands: 502 PROVIDER_ERROR to the client, `message` only in the log and the
   * challenge row (write it for the operator, never with a secret), and what was sent per `opts`. A plain `Error`
   * thrown instead counts as `{ sent: true }`.
   */
  fail(message: string, opts: FailureOptions): never;
}
export type PluginFactory = (host: PluginHost) => AnyProviderPlugin | Promise<AnyProviderPlugin>;
