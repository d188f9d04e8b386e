// Plugin interface v1: the one contract built-in and loaded provider plugins share.
import type { Logger } from 'pino';
import { z } from 'zod';

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

/** How a form renders a field (seed 001 section 3.1, seed 002 section 7.4). */
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

export interface PluginContext {
  /** Already names the provider, step and fqdn. */
  log: Logger;
  settings: PluginSettings;
  /** Aborted on shutdown or when the caller gives up; plugins pass it to their network calls. */
  signal: AbortSignal;
}

/** What `init` gets: once, before the first call, with the daemon's logger and a bound. */
export interface InitContext {
  log: Logger;
  settings: PluginSettings;
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

/** Provider settings a plugin's Caddy mapping may depend on. */
export interface CaddyOptions {
  /** rfc2136: let Caddy's own module do the work ('native') instead of sending challenges to the daemon. */
  mode?: 'native' | 'proxied';
}

export interface ProviderPlugin<C = Record<string, unknown>> {
  metadata: PluginMetadata;
  /**
   * The one credential schema: validation, field specs (`fieldsOf`) and docs all come from it. Errors become 400
   * VALIDATION_ERROR, and so does a key it does not name (even when the object is not strict).
   */
  credentials: z.ZodType<C>;
  /** Other names clients use for a credential key (seed 002's webhook `retry_count` for `max_retries`); stored under the canonical one. */
  aliases?: Readonly<Record<string, string>>;
  /** Seconds; used when the provider row leaves them unset. */
  defaults: { propagationTimeout: number; pollingInterval: number; ttl: number };
  /**
   * Seconds the credentials themselves set (the manual type's `timeout_minutes`), winning over the row's
   * columns and `defaults`: `lifetime` is the challenge's whole life (no expiry grace added).
   */
  timing?(creds: C): { lifetime: number; pollingInterval: number };
  /** Calls a minute when the provider row sets none (daemon default otherwise), and the code a refusal carries. */
  rateLimit?: { perMinute: number; code: 'WEBHOOK_RATE_LIMITED' | 'PROVIDER_RATE_LIMITED' };
  /** Save-time checks that need daemon settings (e.g. a webhook URL's scheme); throws AppError. */
  check?(creds: C, settings: PluginSettings): void | Promise<void>;
  /** Checks the credentials against the far side without changing a record. */
  test?(creds: C, ctx: PluginContext): Promise<TestResult>;
  /** Adds exactly `req.value` at `req.fqdn`; must not remove or replace other values. Absent: Caddy solves the type itself. */
  present?(creds: C, req: RecordRequest, ctx: PluginContext): Promise<PresentResult>;
  /** Removes exactly `req.value` at `req.fqdn`; removing an absent value is a success. */
  cleanup?(creds: C, req: RecordRequest, ctx: PluginContext): Promise<void>;
  /**
   * The `dns.providers.*` module Caddy solves this provider with, or null to send Caddy's challenges to the daemon
   * (acmeproxy). A type without `present` must return a module.
   */
  caddyConfig?(creds: C, opts: CaddyOptions): Record<string, unknown> | null;
  /** Runs once before the first call (connections, caches); a throw or a hang past its signal refuses the plugin. */
  init?(ctx: InitContext): Promise<void>;
  /** Runs once when the plugin is unloaded or the daemon stops, after its last call. */
  close?(): Promise<void>;
}

/** Lets each plugin file end in `satisfies ProviderPlugin<...>` while keeping its own credential type. */
export type AnyProviderPlugin = ProviderPlugin<any>;

/** What a loadable module's default export is: a factory handed the daemon's libraries, so the file imports nothing. */
export interface PluginHost {
  interfaceVersion: number;
  z: typeof z;
}
export type PluginFactory = (host: PluginHost) => AnyProviderPlugin | Promise<AnyProviderPlugin>;

interface JsonSchemaProperty extends FieldMeta {
  type?: string;
  enum?: unknown[];
  default?: unknown;
  anyOf?: JsonSchemaProperty[];
}

const fieldCache = new WeakMap<z.ZodType, readonly FieldSpec[]>();

/** The field specs of a credential schema: its JSON Schema (input side) read with the `.meta()` keys above. */
export function fieldsOf(plugin: AnyProviderPlugin): readonly FieldSpec[] {
  const cached = fieldCache.get(plugin.credentials);
  if (cached) return cached;
  const json = z.toJSONSchema(plugin.credentials, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, JsonSchemaProperty>;
    required?: string[];
  };
  const required = new Set(json.required ?? []);
  const fields = Object.entries(json.properties ?? {}).map(([name, raw]): FieldSpec => {
    // A union (optional-or-null, or a number also accepted as digits) reads its shape from its first non-null side.
    const side = raw.anyOf?.find((a) => a.type !== 'null');
    const p: JsonSchemaProperty = side ? { ...side, ...raw } : raw;
    const map = p.type === 'object';
    const type: FieldType = p.secret
      ? 'password'
      : p.enum
        ? 'select'
        : map || p.textarea
          ? 'textarea'
          : p.type === 'number' || p.type === 'integer'
            ? 'number'
            : p.type === 'boolean'
              ? 'boolean'
              : 'text';
    return {
      name,
      label: p.title ?? name,
      type,
      required: required.has(name) && p.default === undefined,
      secret: Boolean(p.secret) || map,
      default: p.default ?? null,
      placeholder: p.placeholder ?? null,
      hint: p.description ?? null,
      ...(type === 'select' ? { options: (p.enum ?? []).map(String).map((value) => ({ value, label: p.options?.[value] ?? value })) } : {}),
    };
  });
  fieldCache.set(plugin.credentials, fields);
  return fields;
}

/** The shape rules every plugin (built-in or loaded) must meet; returns the problems, empty when valid. */
export function metadataProblems(plugin: unknown): string[] {
  const p = plugin as Partial<AnyProviderPlugin> | null;
  if (!p || typeof p !== 'object') return ['the module did not give a plugin object'];
  const m = p.metadata as Partial<PluginMetadata> | undefined;
  const problems: string[] = [];
  if (!m || typeof m !== 'object') return ['metadata is missing'];
  if (typeof m.type !== 'string' || !/^[a-z][a-z0-9_-]{0,63}$/.test(m.type)) problems.push('metadata.type must be 1-64 of a-z, 0-9, _ and -, starting with a letter');
  for (const key of ['name', 'description', 'version', 'author'] as const) {
    if (typeof m[key] !== 'string' || m[key].trim() === '' || m[key].length > 200) problems.push(`metadata.${key} must be a non-empty string`);
  }
  if (m.documentationUrl !== undefined && (typeof m.documentationUrl !== 'string' || !/^https?:\/\//.test(m.documentationUrl))) {
    problems.push('metadata.documentationUrl must be an http(s) URL');
  }
  if (m.interfaceVersion !== PLUGIN_INTERFACE_VERSION) problems.push(`metadata.interfaceVersion is ${String(m.interfaceVersion)}; this daemon speaks ${PLUGIN_INTERFACE_VERSION}`);
  if (!p.credentials || typeof (p.credentials as z.ZodType).safeParse !== 'function') problems.push('credentials must be a zod schema (use host.z)');
  const d = p.defaults as Partial<ProviderPlugin['defaults']> | undefined;
  if (!d || ![d.propagationTimeout, d.pollingInterval, d.ttl].every((n) => typeof n === 'number' && n > 0)) problems.push('defaults needs positive propagationTimeout, pollingInterval and ttl');
  for (const fn of ['check', 'test', 'present', 'cleanup', 'caddyConfig', 'timing', 'init', 'close'] as const) {
    if (p[fn] !== undefined && typeof p[fn] !== 'function') problems.push(`${fn} must be a function`);
  }
  if (p.aliases !== undefined && (typeof p.aliases !== 'object' || p.aliases === null || !Object.values(p.aliases).every((v) => typeof v === 'string'))) {
    problems.push('aliases must map names to credential keys');
  }
  if (typeof p.present === 'function' && typeof p.cleanup !== 'function') problems.push('a plugin with present needs cleanup');
  if (typeof p.present !== 'function' && typeof p.caddyConfig !== 'function') problems.push('a plugin needs present/cleanup or caddyConfig');
  return problems;
}
