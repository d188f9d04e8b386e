// The config file applied (docs/config-file.md): the database's rows compared with the file's declaration, then the
// differences made through the same stores the API writes through, marked as managed by the file. Rows the file does
// not name are left alone; rows it managed and no longer names are removed.
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { AuditSink } from '../audit/writer.js';
import type { PluginCatalogue } from '../calls/catalogue.js';
import type { ClientTokenStore } from '../clients/tokens.js';
import type { Database } from '../db/client.js';
import type { ClientTokenRow, DnsProviderRow, SiteRow } from '../db/schema.js';
import { AppError, isAppError } from '../errors.js';
import type { ApplyReport, Change } from '../http/wire/config.js';
import type { ProviderStore } from '../providers/store.js';
import { parseZoneFilter } from '../providers/zone-match.js';
import type { SiteStore } from '../sites/store.js';
import { readConfigText, readDeclared, type Declared, type DeclaredProvider, type ProviderRef } from './file.js';

export interface DeclaredConfigOptions {
  /** DNS01_CONFIG as given; rows are marked with its absolute path. */
  file: string;
  database: Database;
  providers: ProviderStore;
  sites: SiteStore;
  clientTokens: ClientTokenStore;
  catalogue: PluginCatalogue;
  log: Logger;
  audit: AuditSink;
  env?: NodeJS.ProcessEnv;
}

interface Step extends Change {
  run: () => Promise<unknown>;
}

/** JSON with sorted keys: the same value compares equal whatever order its keys came in. */
function stable(v: unknown): string {
  return JSON.stringify(v ?? null, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x));
}

function differing(pairs: Record<string, [unknown, unknown]>): string[] {
  return Object.entries(pairs).filter(([, [a, b]]) => stable(a) !== stable(b)).map(([k]) => k);
}

export class DeclaredConfig {
  readonly file: string;

  constructor(private readonly o: DeclaredConfigOptions) {
    this.file = resolve(o.file);
  }

  /**
   * Reads the file (or, for a dry run, `text`), checks all of it before anything is written, then makes the changes
   * (none with `dryRun`). An invalid file is CONFIG_INVALID with every problem in `details.problems`; nothing changed.
   */
  async apply(opts: { dryRun?: boolean; text?: string } = {}): Promise<ApplyReport> {
    const source = opts.text !== undefined ? { text: opts.text } : readConfigText(this.file);
    if ('problems' in source) throw this.invalid(source.problems);
    // One apply at a time across replicas: the second sees the first's rows and has nothing left to do.
    return this.o.database.withLock('declared-config', async () => {
      const existing = await this.o.providers.list();
      const keys = await this.o.clientTokens.tsigKeyNames();
      const read = await readDeclared(source.text, {
        catalogue: this.o.catalogue, existing: new Map(existing.map((r) => [r.name, r.id])), env: this.o.env ?? process.env,
        tsigKeys: new Map(keys.map((k) => [k.name, { token: k.token, managed: k.managedBy === this.file }])),
      });
      if ('problems' in read) throw this.invalid(read.problems);
      const steps = await this.plan(read.declared, existing);
      const report: ApplyReport = { file: this.file, dry_run: Boolean(opts.dryRun), changes: [], deferred: [] };
      for (const { run, ...change } of steps) {
        if (!opts.dryRun) {
          try {
            await run();
          } catch (err) {
            // A removal the store refuses (records that may still exist, sites of another owner): tried again at the next apply.
            if (change.action !== 'delete' || !isAppError(err) || err.code !== 'CONFLICT') throw err;
            report.deferred.push({ resource: change.resource, name: change.name, reason: err.message });
            this.o.log.warn({ resource: change.resource, name: change.name, reason: err.message }, `config file: ${change.resource} ${change.name} not removed yet: ${err.message}; tried again at the next apply`);
            continue;
          }
          this.o.log.info({ ...change, file: this.file }, `config file: ${change.action} ${change.resource} ${change.name}${change.fields.length ? ` (${change.fields.join(', ')})` : ''}`);
          this.o.audit.record({
            action: `config.${change.action}`, category: change.resource === 'provider' ? 'dns_provider' : change.resource, resourceType: change.resource, outcome: 'success',
            details: { name: change.name, fields: change.fields, managed_by: this.file },
          });
        }
        report.changes.push(change);
      }
      return report;
    });
  }

  private invalid(problems: string[]): AppError {
    return new AppError('CONFIG_INVALID', `the config file ${this.file} has ${problems.length} problem${problems.length === 1 ? '' : 's'}; nothing was changed`, {
      details: { problems },
    });
  }

  /** The changes in the order they can be made: providers and their credentials, sites, client tokens, then removed providers. */
  private async plan(d: Declared, rows: DnsProviderRow[]): Promise<Step[]> {
    const { providers, sites, clientTokens } = this.o;
    const by = { managedBy: this.file };
    const ids = new Map(rows.map((r) => [r.name, r.id]));
    const idOf = (ref: ProviderRef) => ('id' in ref ? ref.id : ids.get(ref.name));
    const steps: Step[] = [];
    const step = (action: Change['action'], resource: Change['resource'], name: string, fields: string[], run: Step['run']) => steps.push({ action, resource, name, fields, run });
    const owned = <T extends { managedBy: string | null }>(row: T) => row.managedBy === this.file;

    const byName = new Map(rows.map((r) => [r.name, r]));
    for (const p of d.providers) {
      const name = p.input.name;
      const row = byName.get(name);
      if (!row) {
        step('create', 'provider', name, [], async () => {
          const created = await providers.create(p.input, by);
          ids.set(name, created.id);
          for (const s of await this.credentialSteps(created, p)) await s.run();
        });
        for (const c of p.credentials) step('create', 'credential', `${name}/${c.input.label}`, [], async () => undefined);
        continue;
      }
      const fields = differing({
        provider_type: [row.providerType, p.input.providerType], credentials: [this.stored(() => providers.decrypt(row)), p.parsed],
        enabled: [row.enabled, p.input.enabled], is_default: [row.isDefault, p.input.isDefault],
        propagation_timeout: [row.propagationTimeout, p.input.propagationTimeout], polling_interval: [row.pollingInterval, p.input.pollingInterval],
        settings: [row.settings, p.input.settings], use_multi_credentials: [row.useMultiCredentials, p.input.useMultiCredentials],
      });
      if (!owned(row)) fields.push('managed_by');
      const on = p.input.useMultiCredentials && !row.useMultiCredentials;
      // Switching off: the zone-specific rows go first (the store refuses the switch while they exist).
      if (!on) steps.push(...(await this.credentialSteps(row, p)));
      if (fields.length > 0) {
        const { credentials: _, ...rest } = p.input;
        step('update', 'provider', name, fields, async () => {
          await providers.update(row.id, fields.includes('credentials') ? p.input : rest, by);
          // Switching on: the catch-all row the store adds is there only now.
          if (on) for (const s of await this.credentialSteps(await providers.get(row.id), p)) await s.run();
        });
      }
      if (on) for (const c of p.credentials) step('create', 'credential', `${name}/${c.input.label}`, [], async () => undefined);
    }

    const declaredSites = new Set(d.sites.map((s) => s.key));
    const siteRows = await sites.list();
    const keyOf = (r: SiteRow) => [...r.domainNames].sort().join(',');
    for (const r of siteRows) if (owned(r) && !declaredSites.has(keyOf(r))) step('delete', 'site', keyOf(r), [], () => sites.remove(r.id, by));
    const siteByKey = new Map(siteRows.map((r) => [keyOf(r), r]));
    for (const s of d.sites) {
      const row = siteByKey.get(s.key);
      const input = () => ({ domainNames: s.domainNames, dnsProviderId: idOf(s.provider)!, enabled: s.enabled });
      if (!row) {
        step('create', 'site', s.key, [], () => sites.create(input(), by));
        continue;
      }
      const fields = differing({ dns_provider: [row.dnsProviderId, idOf(s.provider) ?? null], enabled: [row.enabled, s.enabled] });
      if (!owned(row)) fields.push('managed_by');
      if (fields.length > 0) step('update', 'site', s.key, fields, () => sites.update(row.id, input(), by));
    }

    const live = (await clientTokens.list()).filter((r) => r.revokedAt === null);
    const declaredTokens = new Set(d.clientTokens.map((t) => t.input.name));
    for (const r of live) if (owned(r) && !declaredTokens.has(r.name)) step('delete', 'client_token', r.name, [], () => clientTokens.revoke(r.id, by));
    const tokenByName = new Map(live.map((r) => [r.name, r]));
    for (const t of d.clientTokens) {
      const row = tokenByName.get(t.input.name);
      const input = () => ({ ...t.input, providerIds: t.providers?.map((p) => idOf(p)!) ?? null });
      // The key after the row: a new secret, a first key, or none (the door answers BADKEY for the name from then on).
      const key = (r: ClientTokenRow) => (t.tsigKey ? clientTokens.setTsigKey(r.id, t.tsigKey, by) : clientTokens.deleteTsigKey(r.id, by));
      if (!row) {
        step('create', 'client_token', t.input.name, [], async () => {
          const created = await clientTokens.declare(input(), t.hash, this.file);
          if (t.tsigKey) await key(created);
        });
        continue;
      }
      const ids2 = t.providers?.map((p) => idOf(p) ?? `(new ${'name' in p ? p.name : ''})`).sort() ?? null;
      const fields = differing({
        token: [row.tokenHash, t.hash], allowed_domains: [[...row.allowedDomains].sort(), [...new Set(t.input.allowedDomains)].sort()],
        allowed_cidrs: [[...row.allowedCidrs].sort(), [...new Set(t.input.allowedCidrs ?? [])].sort()], providers: [row.providerIds, ids2],
        expires_at: [row.expiresAt?.getTime() ?? null, t.input.expiresAt?.getTime() ?? null],
        tsig_key: [await clientTokens.tsigKey(row.id).catch(() => ({ unreadable: true })), t.tsigKey && { ...t.tsigKey, name: `${t.tsigKey.name}.` }],
      });
      if (!owned(row)) fields.push('managed_by');
      if (fields.length > 0) {
        step('update', 'client_token', t.input.name, fields, async () => {
          const updated = await clientTokens.declare(input(), t.hash, this.file, row.id);
          if (fields.includes('tsig_key')) await key(updated);
        });
      }
    }

    const declaredProviders = new Set(d.providers.map((p) => p.input.name));
    for (const r of rows) if (owned(r) && !declaredProviders.has(r.name)) step('delete', 'provider', r.name, [], () => providers.remove(r.id, by));
    return steps;
  }

  /** A provider's zone-specific credentials made to match the file's list, by label (its catch-all row included). */
  private async credentialSteps(row: DnsProviderRow, p: DeclaredProvider): Promise<Step[]> {
    if (!row.useMultiCredentials && !p.input.useMultiCredentials) return [];
    const store = this.o.providers.zoneCredentials;
    const by = { managedBy: this.file };
    const current = row.useMultiCredentials ? await store.list(row) : [];
    const steps: Step[] = [];
    const name = (label: string) => `${row.name}/${label}`;
    const declared = new Set(p.credentials.map((c) => c.input.label));
    for (const r of current) {
      if (!declared.has(r.label)) steps.push({ action: 'delete', resource: 'credential', name: name(r.label), fields: [], run: () => store.remove(row, r.id, by) });
    }
    for (const c of p.credentials) {
      const r = current.find((x) => x.label === c.input.label);
      // The provider row as it is when the step runs: the update before it may have switched it to zone-specific credentials.
      const fresh = () => this.o.providers.get(row.id);
      if (!r) {
        steps.push({ action: 'create', resource: 'credential', name: name(c.input.label), fields: [], run: async () => store.create(await fresh(), c.input, by) });
        continue;
      }
      const fields = differing({
        zone_filter: [r.zoneFilter, parseZoneFilter(c.input.zoneFilter)], enabled: [r.enabled, c.input.enabled], credentials: [this.stored(() => store.decrypt(r)), c.parsed],
        propagation_timeout: [r.propagationTimeout, c.input.propagationTimeout], polling_interval: [r.pollingInterval, c.input.pollingInterval],
      });
      if (fields.length > 0) steps.push({ action: 'update', resource: 'credential', name: name(c.input.label), fields, run: async () => store.update(await fresh(), r.id, c.input, by) });
    }
    return steps;
  }

  /** Stored credentials, or a marker that never equals a declared value when no configured key opens them. */
  private stored(open: () => unknown): unknown {
    try {
      return open();
    } catch {
      return { unreadable: true };
    }
  }
}
