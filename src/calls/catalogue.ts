// The catalogue of provider types: the ones that ship with the daemon and the loaded ones, their fields and their credential parsing.
import { AppError } from '../errors.js';
import type { AnyProviderPlugin, FieldSpec, PluginSettings } from '../plugin-api/index.js';
import { fieldsOf } from './field-specs.js';

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
 * The wire's `category` of a type (docs/api.md): `built_in` is a Caddy-native type (Caddy's own module writes the
 * records; the name is the API's), `custom` a type that ships with the daemon and whose records the daemon writes
 * (webhook, script, rfc2136, manual), `plugin` a loaded module. So "ships with the daemon" is `built_in` or `custom`.
 */
export type PluginCategory = 'built_in' | 'custom' | 'plugin';

export interface RegisteredType {
  plugin: AnyProviderPlugin;
  category: PluginCategory;
  fields: readonly FieldSpec[];
}

/** A shipped type's field specs are read on first use: converting every schema to JSON Schema is about 15 ms of a start. */
function shippedEntry(plugin: AnyProviderPlugin): RegisteredType {
  return { plugin, category: plugin.present ? 'custom' : 'built_in', get fields() { return fieldsOf(plugin); } };
}

export class PluginCatalogue {
  private readonly entries = new Map<string, RegisteredType>();
  private readonly shipped: ReadonlySet<AnyProviderPlugin>;

  /** `shipped`: the types that ship with the daemon (src/plugins/index.ts), which a loaded plugin never replaces. */
  constructor(shipped: readonly AnyProviderPlugin[], readonly settings: PluginSettings) {
    for (const p of shipped) this.entries.set(p.metadata.type, shippedEntry(p));
    this.shipped = new Set(shipped);
  }

  types(): RegisteredType[] {
    return [...this.entries.values()].sort((a, b) => a.plugin.metadata.type.localeCompare(b.plugin.metadata.type));
  }

  /** The type's entry, or undefined when no plugin serves it. */
  entry(type: string): RegisteredType | undefined {
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

  /** True for the types that ship with the daemon (category `built_in` or `custom`). */
  shipsWithDaemon(type: string): boolean {
    const category = this.entries.get(type)?.category;
    return category !== undefined && category !== 'plugin';
  }

  /** True when this plugin object ships with the daemon (its errors are the daemon's own AppErrors). */
  isShipped(plugin: AnyProviderPlugin): boolean {
    return this.shipped.has(plugin);
  }

  fields(type: string): readonly FieldSpec[] {
    return this.entries.get(type)?.fields ?? [];
  }

  /** Adds or replaces a loaded type; shipped types are never replaced. New calls take the new code at once. */
  register(plugin: AnyProviderPlugin): void {
    const type = plugin.metadata.type;
    if (this.shipsWithDaemon(type)) throw new AppError('CONFLICT', `type "${type}" is built in`);
    this.entries.set(type, { plugin, category: 'plugin', fields: fieldsOf(plugin) });
  }

  /** Removes a loaded type (disable, or its file is gone); calls already holding it finish on it. */
  unregister(type: string): void {
    if (this.entries.get(type)?.category === 'plugin') this.entries.delete(type);
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
    await plugin.check?.(parsed.data, this.settings);
    return parsed.data;
  }
}
