// Looks plugin types up (built-in and loaded) and runs their calls inside the guards, with the shutdown signal.
import type { Logger } from 'pino';
import type { AuditSink } from '../audit/writer.js';
import type { ProviderSettings } from '../db/schema.js';
import { AppError, isAppError } from '../errors.js';
import type { CallGuards, Step } from './guards.js';
import { fieldsOf, type AnyProviderPlugin, type FieldSpec, type PluginSettings, type PresentResult, type RecordRequest, type TestResult } from '../plugin-api/index.js';

/** Settles with `work`, or rejects with the signal's reason as soon as it aborts. */
function abandonOnAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Wraps a loaded plugin's call so a plain Error keeps its message as log detail (PROVIDER_ERROR otherwise says only "failed"). */
function withLogDetail<C, T>(fn: (ctx: C) => Promise<T>, providerName: string): (ctx: C) => Promise<T> {
  return async (ctx) => {
    try {
      return await fn(ctx);
    } catch (err) {
      if (isAppError(err) || !(err instanceof Error) || err.name === 'AbortError' || (err as { code?: string }).code === 'EOPENBREAKER') throw err;
      throw new AppError('PROVIDER_ERROR', `provider ${providerName} failed`, { retryable: true, cause: err, logDetail: err.message.slice(0, 500) });
    }
  };
}

/** No credential needs more (a PEM key is about 3,300); a bigger value is a mistake, and would swell Caddy's config. */
const MAX_CREDENTIAL_VALUE = 8192;

/**
 * The credentials with aliases renamed to their canonical keys. A key the schema does not name, or one setting given
 * under two names, is a 400 naming the key: nothing a client sends is dropped without a word.
 */
function canonicalKeys(plugin: AnyProviderPlugin, fields: readonly FieldSpec[], raw: unknown): unknown {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const known = new Set(fields.map((f) => f.name));
  const aliases = plugin.aliases ?? {};
  const out: Record<string, unknown> = {};
  const from: Record<string, string> = {};
  const problems: { field: string; message: string }[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const name = Object.hasOwn(aliases, key) ? aliases[key]! : key;
    if (!known.has(name)) problems.push({ field: key.slice(0, 64), message: `unknown key; ${plugin.metadata.type} takes ${[...known].join(', ') || 'no keys'}` });
    else if (name in out) problems.push({ field: key.slice(0, 64), message: `names the same setting as ${from[name]}` });
    else if (JSON.stringify(value ?? null).length > MAX_CREDENTIAL_VALUE) problems.push({ field: key.slice(0, 64), message: `longer than ${MAX_CREDENTIAL_VALUE} characters` });
    else {
      out[name] = value;
      from[name] = key;
    }
  }
  if (problems.length > 0) {
    throw new AppError('VALIDATION_ERROR', `invalid credentials for provider type ${plugin.metadata.type}: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`, {
      details: { fields: problems },
    });
  }
  return out;
}

/**
 * A provider row made ready for calls: credentials decrypted and parsed, and the plugin that parsed them. Holding
 * the plugin here is what lets a reload swap a type while calls already resolved finish on the old code.
 */
export interface ProviderRuntime {
  id: string;
  name: string;
  type: string;
  credentials: unknown;
  settings: ProviderSettings;
  plugin: AnyProviderPlugin;
  /** Set when the credentials are a zone-specific row's (dns_provider_credentials.id), not the provider's own. */
  credentialId?: string;
}

/** What the credential test endpoint answers: a type with nothing to test says so instead of ok. */
export type TestOutcome = ({ tested: true } & TestResult) | { tested: false; reason: string };

/**
 * Seed 002 section 7.4: `built_in` types are the Caddy-native ones (Caddy's own module writes the records), `custom`
 * the built-in types the daemon does the DNS work for (webhook, script, rfc2136, manual), `plugin` loaded modules.
 */
export type PluginCategory = 'built_in' | 'custom' | 'plugin';

export interface RegisteredType {
  plugin: AnyProviderPlugin;
  category: PluginCategory;
  fields: readonly FieldSpec[];
}

export interface RegistryDeps {
  log: Logger;
  settings: PluginSettings;
  guards: CallGuards;
  /** Told of every finished plugin call (not of refusals by the guards): `error` is set for a failure, `credentialId` for a zone-specific credential's call. Must not block. */
  onCall?: (providerId: string, error?: string, credentialId?: string) => void;
  /** Script runs are audit events (a script is code the operator placed on this host). */
  audit?: AuditSink;
}

/** What a reply may show of a failed call: the daemon's code and message (a loaded plugin's own words are log detail only). */
function describeFailure(err: unknown): string {
  return (isAppError(err) ? `${err.code}: ${err.message}` : 'INTERNAL_ERROR: the provider call failed').slice(0, 500);
}

/** A built-in type's field specs are read on first use: converting every schema to JSON Schema is about 15 ms of a start. */
function builtinEntry(plugin: AnyProviderPlugin): RegisteredType {
  return { plugin, category: plugin.present ? 'custom' : 'built_in', get fields() { return fieldsOf(plugin); } };
}

export class ProviderRegistry {
  private readonly entries = new Map<string, RegisteredType>();
  private readonly shutdown = new AbortController();
  /** Calls running per plugin object, so a replaced plugin is closed only after its last call. */
  private readonly running = new Map<AnyProviderPlugin, { calls: number; idle: (() => void)[] }>();

  private readonly builtins: ReadonlySet<AnyProviderPlugin>;

  constructor(builtins: readonly AnyProviderPlugin[], private readonly deps: RegistryDeps) {
    for (const p of builtins) this.entries.set(p.metadata.type, builtinEntry(p));
    this.builtins = new Set(builtins);
  }

  get settings(): PluginSettings {
    return this.deps.settings;
  }

  types(): RegisteredType[] {
    return [...this.entries.values()].sort((a, b) => a.plugin.metadata.type.localeCompare(b.plugin.metadata.type));
  }

  has(type: string): RegisteredType | undefined {
    return this.entries.get(type);
  }

  plugin(type: string): AnyProviderPlugin {
    const e = this.entries.get(type);
    if (!e) {
      throw new AppError('INVALID_PROVIDER_TYPE', `unknown provider type "${type.slice(0, 64)}"`, {
        details: { known_types: [...this.entries.keys()].sort() },
      });
    }
    return e.plugin;
  }

  /** True for the types that ship with the daemon (`built_in` and `custom`), which a loaded plugin never replaces. */
  isBuiltin(type: string): boolean {
    const category = this.entries.get(type)?.category;
    return category !== undefined && category !== 'plugin';
  }

  fields(type: string): readonly FieldSpec[] {
    return this.entries.get(type)?.fields ?? [];
  }

  /** Adds or replaces a loaded type; built-in types are never replaced. New calls take the new code at once. */
  register(plugin: AnyProviderPlugin): void {
    const type = plugin.metadata.type;
    if (this.isBuiltin(type)) throw new AppError('CONFLICT', `type "${type}" is built in`);
    this.entries.set(type, { plugin, category: 'plugin', fields: fieldsOf(plugin) });
  }

  /** Removes a loaded type (disable, or its file is gone); calls already holding it finish on it. */
  unregister(type: string): void {
    if (this.entries.get(type)?.category === 'plugin') this.entries.delete(type);
  }

  /** Resolves once no call runs on this plugin object (at once when none does). */
  idle(plugin: AnyProviderPlugin): Promise<void> {
    const r = this.running.get(plugin);
    if (!r) return Promise.resolve();
    return new Promise((resolve) => r.idle.push(resolve));
  }

  /** Validates credentials with the plugin's schema and save-time checks; error details name fields, never values. */
  async parseCredentials(type: string, raw: unknown): Promise<unknown> {
    const plugin = this.plugin(type);
    const parsed = plugin.credentials.safeParse(canonicalKeys(plugin, this.fields(type), raw ?? {}));
    if (!parsed.success) {
      throw new AppError('VALIDATION_ERROR', `invalid credentials for provider type ${type}`, {
        details: { fields: parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })) },
      });
    }
    await plugin.check?.(parsed.data, this.deps.settings);
    return parsed.data;
  }

  async present(p: ProviderRuntime, req: RecordRequest, signal?: AbortSignal): Promise<PresentResult> {
    const { present } = p.plugin;
    if (!present) throw new AppError('PROVIDER_NOT_AUTOMATED', `provider type ${p.type} does not create records through the daemon`);
    return this.guarded(p, 'present', true, (ctx) => present.call(p.plugin, p.credentials, req, ctx), signal, req.fqdn);
  }

  async cleanup(p: ProviderRuntime, req: RecordRequest, signal?: AbortSignal): Promise<void> {
    const { cleanup } = p.plugin;
    if (!cleanup) return;
    await this.guarded(p, 'cleanup', false, (ctx) => cleanup.call(p.plugin, p.credentials, req, ctx), signal, req.fqdn);
  }

  /** A type without a test says so (`tested: false`) rather than answering ok for credentials nobody checked. */
  async test(p: ProviderRuntime, signal?: AbortSignal): Promise<TestOutcome> {
    const { test } = p.plugin;
    if (!test) {
      const why = p.plugin.present ? 'the plugin has no way to check them without changing a record' : "Caddy's own module uses them and the daemon never calls the provider";
      return { tested: false, reason: `provider type ${p.type} has no credential test: ${why}` };
    }
    const result = await this.guarded(p, 'test', true, (ctx) => test.call(p.plugin, p.credentials, ctx), signal, undefined, (r) =>
      r.ok ? undefined : `test: ${r.message}`.slice(0, 500),
    );
    return { tested: true, ...result };
  }

  /** Aborted by abortCalls(): the shutdown signal every plugin call gets. */
  get stopping(): AbortSignal {
    return this.shutdown.signal;
  }

  /** For the end of the drain: calls still running are aborted and refused from now on. */
  abortCalls(): void {
    this.shutdown.abort(new AppError('SERVICE_UNAVAILABLE', 'the daemon is shutting down'));
  }

  breakerState(providerId: string): 'closed' | 'open' | 'half-open' {
    return this.deps.guards.state(providerId);
  }

  /** After a provider's update or delete, so new settings take effect; `oldName` drops its metric series too. */
  forget(providerId: string, oldName?: string): void {
    this.deps.guards.forget(providerId, oldName);
  }

  async close(): Promise<void> {
    await this.deps.guards.close();
  }

  /** Reports the call's outcome to `onCall`; a call cut off by shutdown is not the provider's failure. */
  private counted<T>(p: ProviderRuntime, step: Step, fqdn: string | undefined, work: Promise<T>, failureOf: (result: T) => string | undefined): Promise<T> {
    const onCall = (error: string | undefined) => {
      this.deps.onCall?.(p.id, error, p.credentialId);
      if (p.type === 'script' && this.deps.audit) {
        this.deps.audit.record({
          action: 'script.run', category: 'script', resourceType: 'dns_provider', resourceId: p.id, outcome: error === undefined ? 'success' : 'failure',
          details: { provider_id: p.id, provider: p.name, step, ...(fqdn ? { fqdn } : {}), ...(error !== undefined ? { error: error.slice(0, 200) } : {}) },
        });
      }
    };
    return work.then(
      (result) => {
        onCall(failureOf(result));
        return result;
      },
      (err: unknown) => {
        if (!this.shutdown.signal.aborted) onCall(describeFailure(err));
        throw err;
      },
    );
  }

  private async guarded<T>(
    p: ProviderRuntime,
    step: Step,
    limited: boolean,
    fn: (ctx: { log: Logger; settings: PluginSettings; signal: AbortSignal }) => Promise<T>,
    signal?: AbortSignal,
    fqdn?: string,
    /** For a call that returns its failure instead of throwing it (test): the failure text, or undefined. */
    failureOf: (result: T) => string | undefined = () => undefined,
  ): Promise<T> {
    // Every line a plugin logs names the provider and the name it works on.
    const log = this.deps.log.child({ provider: p.name, provider_id: p.id, provider_type: p.type, step, ...(p.credentialId ? { credential_id: p.credentialId } : {}), ...(fqdn ? { fqdn } : {}) });
    const stop = this.shutdown.signal;
    const ctx = { log, settings: this.deps.settings, signal: signal ? AbortSignal.any([signal, stop]) : stop };
    const call = { providerId: p.id, providerName: p.name, settings: p.settings, plugin: p.plugin, step, limited, log, signal: ctx.signal, ...(fqdn ? { fqdn } : {}) };
    // A loaded plugin cannot throw the daemon's AppError: its own words go to the log and the challenge row, never to a reply.
    const run = this.builtins.has(p.plugin) ? fn : withLogDetail(fn, p.name);
    const r = this.running.get(p.plugin) ?? { calls: 0, idle: [] };
    this.running.set(p.plugin, r);
    r.calls += 1;
    try {
      // A plugin that ignores its signal is abandoned, not awaited: shutdown must not wait on the far side.
      return await this.deps.guards.run(call, () => (stop.aborted ? Promise.reject(stop.reason) : this.counted(p, step, fqdn, abandonOnAbort(run(ctx), stop), failureOf)));
    } finally {
      r.calls -= 1;
      if (r.calls === 0) {
        this.running.delete(p.plugin);
        for (const done of r.idle) done();
      }
    }
  }
}
