// Loads allow-listed plugin modules from DNS01_PLUGINS_DIR into the catalogue, records each outcome, swaps them on reload.
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, join, sep } from 'node:path';
import { and, eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Database } from '../db/client.js';
import { dnsProviders, plugins, type PluginRow, type PluginStatus } from '../db/schema.js';
import { AppError } from '../errors.js';
import type { AnyProviderPlugin } from '../plugin-api/index.js';
import type { PluginCatalogue } from '../calls/catalogue.js';
import type { PluginCalls } from '../calls/plugin-calls.js';
import type { SecretFieldNames } from '../audit/secret-fields.js';
import { readAllowList, type AllowList } from './allow-list.js';
import { pluginHost } from './host.js';
import { shapeProblems } from './shape.js';

export interface LoaderOptions {
  dir: string;
  configPath: string;
  /** false relaxes only the permission checks (group/other-writable files and directory), with a warning each load. */
  strict: boolean;
  /** Bound on a module's evaluation, its factory and its `init` (default 10 s). */
  initTimeoutMs?: number;
}

export interface LoaderDeps {
  database: Database;
  /** Where loaded types are registered. */
  catalogue: PluginCatalogue;
  /** Tells when a replaced plugin's last call has finished. */
  calls: PluginCalls;
  log: Logger;
  /** Called when the set of loaded types changed (Caddy's config may need them). */
  onChange: () => void;
  /** Told when the set of loaded types changed: their secret field names are read again. */
  secretFields?: SecretFieldNames;
}

interface Loaded {
  plugin: AnyProviderPlugin;
  signature: string;
  loadedAt: Date;
}

interface Outcome {
  name: string;
  path: string;
  status: PluginStatus;
  error: string | null;
  signature: string | null;
  plugin?: AnyProviderPlugin;
}

class Refused extends Error {}

/** Rejects after `ms` with `what`, unless `work` settles first; the signal tells the work to stop. */
async function within<T>(work: (signal: AbortSignal) => Promise<T> | T, ms: number, what: string): Promise<T> {
  const ctl = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      ctl.abort(new Refused(`${what} did not finish within ${ms / 1000} s`));
      reject(ctl.signal.reason);
    }, ms);
  });
  try {
    return await Promise.race([Promise.resolve().then(() => work(ctl.signal)), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const loose = (mode: number) => (mode & 0o022) !== 0;
const octal = (mode: number) => `0${(mode & 0o777).toString(8)}`;

export class PluginLoader {
  private readonly loaded = new Map<string, Loaded>();
  /** One load, reload, enable or disable at a time. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: LoaderOptions, private readonly deps: LoaderDeps) {}

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Start-up and `POST /plugins/reload`: re-reads the allow-list and the directory and swaps changed modules. */
  reload(): Promise<PluginRow[]> {
    return this.serial(() => this.reloadNow());
  }

  async list(): Promise<PluginRow[]> {
    return this.deps.database.db.select().from(plugins).orderBy(plugins.name);
  }

  async get(id: string): Promise<PluginRow> {
    if (!z.uuid().safeParse(id).success) throw new AppError('NOT_FOUND', 'no plugin with that id');
    const [row] = await this.deps.database.db.select().from(plugins).where(eq(plugins.id, id));
    if (!row) throw new AppError('NOT_FOUND', 'no plugin with that id');
    return row;
  }

  enable(id: string): Promise<PluginRow> {
    return this.serial(async () => {
      const row = await this.get(id);
      await this.deps.database.db.update(plugins).set({ enabled: true, updatedAt: new Date() }).where(eq(plugins.id, id));
      await this.reloadNow();
      return this.get(row.id);
    });
  }

  /** Refused while an enabled provider uses the type: its challenges would fail. */
  disable(id: string): Promise<PluginRow> {
    return this.serial(async () => {
      const row = await this.get(id);
      if (row.type && this.loaded.has(row.name)) {
        const users = await this.deps.database.db
          .select({ id: dnsProviders.id, name: dnsProviders.name })
          .from(dnsProviders)
          .where(and(eq(dnsProviders.providerType, row.type), eq(dnsProviders.enabled, true)));
        if (users.length > 0) {
          throw new AppError('CONFLICT', `plugin ${row.name} serves enabled providers: ${users.map((u) => u.name).join(', ')}; disable or move them first`, {
            details: { providers: users },
          });
        }
      }
      await this.deps.database.db.update(plugins).set({ enabled: false, updatedAt: new Date() }).where(eq(plugins.id, id));
      await this.reloadNow();
      return this.get(row.id);
    });
  }

  /** Closes every loaded plugin after its last call (daemon stop). */
  async close(): Promise<void> {
    await this.serial(async () => {
      for (const [name, l] of [...this.loaded]) {
        this.loaded.delete(name);
        this.deps.catalogue.unregister(l.plugin.metadata.type);
        await this.closeWhenIdle(name, l.plugin);
      }
    });
  }

  private async reloadNow(): Promise<PluginRow[]> {
    const { log } = this.deps;
    let allow: AllowList;
    try {
      allow = await readAllowList(this.opts.configPath);
    } catch (err) {
      // Nothing changes: what is loaded keeps serving.
      log.error({ err: (err as Error).message }, 'plugin allow-list unreadable; loaded plugins unchanged');
      throw new AppError('VALIDATION_ERROR', (err as Error).message);
    }
    const dirProblem = await this.directoryProblem();
    let files: string[] = [];
    try {
      files = (await readdir(this.opts.dir)).filter((f) => f.endsWith('.mjs')).map((f) => f.slice(0, -4));
    } catch (err) {
      log.error({ dir: this.opts.dir, code: (err as NodeJS.ErrnoException).code }, 'plugin directory unreadable');
    }
    const rows = new Map((await this.list()).map((r) => [r.name, r]));
    const names = [...new Set([...files, ...Object.keys(allow)])].sort();
    let changed = false;
    for (const name of names) {
      const outcome = await this.consider(name, allow[name], files.includes(name), rows.get(name), dirProblem);
      changed = this.apply(outcome) || changed;
      await this.record(outcome, rows.get(name));
    }
    // Rows of plugins neither in the directory nor on the list any more.
    for (const [name, row] of rows) {
      if (names.includes(name)) continue;
      changed = this.apply({ name, path: row.path, status: 'error', error: 'no longer in the directory or on the allow-list', signature: null }) || changed;
      await this.record({ name, path: row.path, status: 'error', error: 'no longer in the directory or on the allow-list', signature: row.signature }, row);
    }
    if (changed) {
      this.deps.secretFields?.changed();
      this.deps.onChange();
    }
    return this.list();
  }

  /** Why nothing in the directory may load (null: fine); with strict off, a loose mode is only warned about. */
  private async directoryProblem(): Promise<string | null> {
    try {
      const s = await stat(this.opts.dir);
      if (!s.isDirectory()) return `${this.opts.dir} is not a directory`;
      if (loose(s.mode)) {
        const problem = `plugin directory ${this.opts.dir} is writable by group or others (mode ${octal(s.mode)}); chmod 0755 or stricter`;
        if (this.opts.strict) return problem;
        this.deps.log.warn({ dir: this.opts.dir }, `DNS01_PLUGINS_STRICT=false: loading anyway although ${problem}`);
      }
      return null;
    } catch (err) {
      return `plugin directory ${this.opts.dir} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
    }
  }

  private async consider(
    name: string,
    allowed: AllowList[string] | undefined,
    present: boolean,
    row: PluginRow | undefined,
    dirProblem: string | null,
  ): Promise<Outcome> {
    const path = join(this.opts.dir, `${name}.mjs`);
    const base = { name, path, signature: null as string | null };
    if (!present) return { ...base, status: 'error', error: `${name}.mjs is on the allow-list but not in ${this.opts.dir}` };
    if (!allowed) return { ...base, status: 'error', error: `${name}.mjs is not on the allow-list (DNS01_PLUGINS_CONFIG)` };
    if (!allowed.enabled) return { ...base, status: 'disabled', error: null };
    if (row && !row.enabled) return { ...base, status: 'disabled', error: null };
    if (dirProblem) return { ...base, status: 'error', error: dirProblem };
    let bytes: Buffer;
    try {
      bytes = await this.readChecked(path);
    } catch (err) {
      return { ...base, status: 'error', error: (err as Error).message };
    }
    const signature = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (signature !== allowed.signature) {
      return { ...base, signature, status: 'error', error: `${name}.mjs has ${signature}; the allow-list expects ${allowed.signature}` };
    }
    const current = this.loaded.get(name);
    if (current?.signature === signature) return { ...base, signature, status: 'loaded', error: null, plugin: current.plugin };
    try {
      return { ...base, signature, status: 'loaded', error: null, plugin: await this.instantiate(name, bytes) };
    } catch (err) {
      return { ...base, signature, status: 'error', error: (err as Error).message };
    }
  }

  /** The file's bytes, after the checks: a regular file (a symlink only to one inside the directory), not writable by others. */
  private async readChecked(path: string): Promise<Buffer> {
    const link = await lstat(path);
    const real = await realpath(path);
    const dir = await realpath(this.opts.dir);
    if (link.isSymbolicLink() && !real.startsWith(dir + sep)) throw new Refused(`${basename(path)} is a symlink leaving the plugin directory`);
    const s = await stat(real);
    if (!s.isFile()) throw new Refused(`${basename(path)} is not a regular file`);
    if (loose(s.mode)) {
      const problem = `${basename(path)} is writable by group or others (mode ${octal(s.mode)}); chmod 0644 or stricter`;
      if (this.opts.strict) throw new Refused(problem);
      this.deps.log.warn({ path }, `DNS01_PLUGINS_STRICT=false: loading anyway although ${problem}`);
    }
    // The bytes hashed are the bytes run: the module is imported from this buffer, not from the path again.
    return readFile(real);
  }

  private async instantiate(name: string, bytes: Buffer): Promise<AnyProviderPlugin> {
    const limit = this.opts.initTimeoutMs ?? 10_000;
    const url = `data:text/javascript;base64,${bytes.toString('base64')}`;
    const mod = (await within(() => import(url), limit, `loading ${name}.mjs`).catch((err) => {
      throw new Refused(err instanceof Refused ? err.message : `${name}.mjs failed to load: ${(err as Error).message.split('\n')[0]}`);
    })) as { default?: unknown };
    if (typeof mod.default !== 'function') throw new Refused(`${name}.mjs must default-export a factory function (host) => plugin`);
    const factory = mod.default as (host: unknown) => unknown;
    const plugin = (await within(() => factory(pluginHost()), limit, `${name}.mjs factory`).catch((err) => {
      throw new Refused(err instanceof Refused ? err.message : `${name}.mjs factory threw: ${(err as Error).message}`);
    })) as AnyProviderPlugin;
    const problems = shapeProblems(plugin);
    if (problems.length > 0) throw new Refused(`${name}.mjs: ${problems.join('; ')}`);
    const type = plugin.metadata.type;
    if (this.deps.catalogue.shipsWithDaemon(type)) throw new Refused(`${name}.mjs registers type "${type}", which is built in`);
    const other = [...this.loaded].find(([n, l]) => n !== name && l.plugin.metadata.type === type);
    if (other) throw new Refused(`${name}.mjs registers type "${type}", which plugin ${other[0]} already registers`);
    if (plugin.init) {
      const log = this.deps.log.child({ plugin: name, provider_type: type });
      await within((signal) => plugin.init!({ log, settings: this.deps.catalogue.settings, signal }), limit, `${name} init`).catch((err) => {
        throw new Refused(err instanceof Refused ? err.message : `${name} init failed: ${(err as Error).message}`);
      });
    }
    return plugin;
  }

  /** Puts the outcome into the catalogue; true when the set of served types changed. */
  private apply(o: Outcome): boolean {
    const current = this.loaded.get(o.name);
    if (o.status === 'loaded' && o.plugin) {
      if (current?.plugin === o.plugin) return false;
      // New calls take the new code from here on; calls already holding the old plugin finish on it.
      this.deps.catalogue.register(o.plugin);
      this.loaded.set(o.name, { plugin: o.plugin, signature: o.signature!, loadedAt: new Date() });
      if (current) {
        if (current.plugin.metadata.type !== o.plugin.metadata.type) this.deps.catalogue.unregister(current.plugin.metadata.type);
        void this.closeWhenIdle(o.name, current.plugin);
      }
      this.deps.log.info(
        { plugin: o.name, provider_type: o.plugin.metadata.type, version: o.plugin.metadata.version, author: o.plugin.metadata.author, signature: o.signature, replaced: Boolean(current) },
        current ? 'plugin reloaded' : 'plugin loaded',
      );
      return true;
    }
    if (o.status === 'error') this.deps.log.warn({ plugin: o.name, path: o.path, reason: o.error }, 'plugin refused');
    if (!current) return false;
    if (o.status === 'error') {
      // A bad new file does not take down a working one: the loaded version keeps serving until a good one arrives.
      o.error = `${o.error}; version ${current.plugin.metadata.version} loaded at ${current.loadedAt.toISOString()} keeps serving`;
      o.status = 'loaded';
      o.signature = current.signature;
      o.plugin = current.plugin;
      return false;
    }
    this.loaded.delete(o.name);
    this.deps.catalogue.unregister(current.plugin.metadata.type);
    void this.closeWhenIdle(o.name, current.plugin);
    this.deps.log.warn({ plugin: o.name, provider_type: current.plugin.metadata.type }, 'plugin disabled; its providers fail until it is enabled again');
    return true;
  }

  private async closeWhenIdle(name: string, plugin: AnyProviderPlugin): Promise<void> {
    await this.deps.calls.idle(plugin);
    try {
      await within(() => plugin.close?.(), this.opts.initTimeoutMs ?? 10_000, `${name} close`);
    } catch (err) {
      this.deps.log.warn({ plugin: name, err: (err as Error).message }, 'plugin close failed');
    }
  }

  private async record(o: Outcome, row: PluginRow | undefined): Promise<void> {
    const meta = o.plugin?.metadata;
    const loadedAt = o.plugin ? (this.loaded.get(o.name)?.loadedAt ?? null) : null;
    const values = {
      type: meta?.type ?? row?.type ?? null,
      path: o.path,
      signature: o.signature ?? row?.signature ?? null,
      status: o.status,
      error: o.error,
      version: meta?.version ?? row?.version ?? null,
      author: meta?.author ?? row?.author ?? null,
      loadedAt,
      updatedAt: new Date(),
    };
    await this.deps.database.db
      .insert(plugins)
      .values({ name: o.name, ...values })
      .onConflictDoUpdate({ target: plugins.name, set: values });
  }
}
