// DNS provider rows: create/update/delete with credentials sealed at rest, and their credentials masked for the API.
import { randomUUID } from 'node:crypto';
import { and, asc, eq, inArray, ne, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../db/client.js';
import { challenges, dnsProviderCredentials, dnsProviders, sites, type DnsProviderRow, type ProviderSettings } from '../db/schema.js';
import type { Keyring } from '../crypto/keyring.js';
import { NO_AUDIT, type AuditSink } from '../audit/writer.js';
import { AppError } from '../errors.js';
import type { ProviderCache } from './cache.js';
import { assertWritable, type Writer } from './managed.js';
import type { ZoneCredentialStore } from './zone-credentials.js';
import { maskedCredentials, unmask, type PublicCredentials } from './mask.js';
import type { PluginCalls } from '../calls/plugin-calls.js';
import type { ProviderStats } from './stats.js';
import { timingOf, type TimedRuntime } from './timing.js';

/** A provider as the store takes it (src/http/wire/providers.ts turns the API's body into this). */
export interface ProviderInput {
  name: string;
  providerType: string;
  credentials: Record<string, unknown>;
  enabled: boolean;
  isDefault: boolean;
  propagationTimeout: number | null;
  pollingInterval: number | null;
  settings: ProviderSettings;
  useMultiCredentials: boolean;
}
/** A change: a field left out keeps its stored value. */
export type ProviderPatch = Partial<ProviderInput>;

export interface ProviderStoreOptions {
  database: Database;
  keyring: Keyring;
  calls: PluginCalls;
  /** Call counts and the last error, with what is not written yet. */
  stats: ProviderStats;
  /** After every write: clears the cache, counts key coverage again, tells the other replicas. */
  onChange: () => void;
  /** The zone-specific credentials of providers with use_multi_credentials. */
  zoneCredentials: ZoneCredentialStore;
  /** Each decrypt is an audit event (batched by the writer, so a challenge never waits on it). */
  audit?: AuditSink;
  /** Rows and runtimes for the challenge path; shared with the credential store, cleared by every change. */
  cache?: ProviderCache;
}

export class ProviderStore {
  private readonly database: Database;
  private readonly keyring: Keyring;
  private readonly calls: PluginCalls;
  readonly stats: ProviderStats;
  private readonly onChange: () => void;
  readonly zoneCredentials: ZoneCredentialStore;
  private readonly audit: AuditSink;
  readonly cache?: ProviderCache;

  constructor(o: ProviderStoreOptions) {
    ({ database: this.database, keyring: this.keyring, calls: this.calls, stats: this.stats, onChange: this.onChange, zoneCredentials: this.zoneCredentials, cache: this.cache } = o);
    this.audit = o.audit ?? NO_AUDIT;
  }

  private get db() {
    return this.database.db;
  }

  async list(): Promise<DnsProviderRow[]> {
    return this.db.select().from(dnsProviders).orderBy(asc(dnsProviders.name));
  }

  async get(id: string): Promise<DnsProviderRow> {
    if (!z.uuid().safeParse(id).success) throw new AppError('PROVIDER_NOT_FOUND', 'no provider with that id');
    const [row] = await this.db.select().from(dnsProviders).where(eq(dnsProviders.id, id));
    if (!row) throw new AppError('PROVIDER_NOT_FOUND', 'no provider with that id');
    return row;
  }

  /** The row for a challenge or a cleanup: cached (changes clear the cache, see ProviderCache). */
  async getCached(id: string): Promise<DnsProviderRow> {
    return this.cache ? this.cache.get(`provider:${id}`, () => this.get(id)) : this.get(id);
  }

  async getDefault(): Promise<DnsProviderRow | null> {
    const [row] = await this.db.select().from(dnsProviders).where(eq(dnsProviders.isDefault, true));
    return row ?? null;
  }

  async create(input: ProviderInput, by: Writer = {}): Promise<DnsProviderRow> {
    const creds = await this.calls.catalogue.parseCredentials(input.providerType, input.credentials);
    const id = randomUUID();
    const sealed = this.keyring.seal(JSON.stringify(creds), id);
    const row = await this.db.transaction(async (tx) => {
      if (input.isDefault) await tx.update(dnsProviders).set({ isDefault: false }).where(eq(dnsProviders.isDefault, true));
      const [created] = await tx
        .insert(dnsProviders)
        .values({
          id, name: input.name, providerType: input.providerType, credentialsEncrypted: sealed.ciphertext, keyVersion: sealed.keyVersion,
          enabled: input.enabled, isDefault: input.isDefault, propagationTimeout: input.propagationTimeout,
          pollingInterval: input.pollingInterval, settings: input.settings, useMultiCredentials: input.useMultiCredentials,
          managedBy: by.managedBy ?? null,
        })
        .returning();
      if (input.useMultiCredentials) await tx.insert(dnsProviderCredentials).values(this.zoneCredentials.catchAllFrom(created!, creds));
      return created!;
    }).catch((err) => rethrowConflict(err));
    this.onChange();
    return row;
  }

  async update(id: string, patch: ProviderPatch, by: Writer = {}): Promise<DnsProviderRow> {
    const current = await this.get(id);
    assertWritable(current, `provider ${current.name}`, by);
    const type = patch.providerType ?? current.providerType;
    const multi = patch.useMultiCredentials ?? current.useMultiCredentials;
    const rows = current.useMultiCredentials ? (await this.zoneCredentials.list(current)).length : 0;
    // Switching back would silently drop the zone rows' secrets: the operator deletes them first (docs/api.md).
    if (!multi && rows > 0) throw new AppError('CONFLICT', `provider ${current.name} still has ${rows} zone-specific credential(s); delete them before turning use_multi_credentials off`, { details: { credentials: rows } });
    if (type !== current.providerType && rows > 0) throw new AppError('CONFLICT', `provider ${current.name} has zone-specific credentials of type ${current.providerType}; delete them before changing its type`, { details: { credentials: rows } });
    let sealed: { ciphertext: string; keyVersion: string } | undefined;
    let creds: unknown;
    if (patch.credentials !== undefined || type !== current.providerType) {
      const old = type === current.providerType ? this.decrypt(current) : {};
      creds = await this.calls.catalogue.parseCredentials(type, unmask(patch.credentials ?? old, old));
      sealed = this.keyring.seal(JSON.stringify(creds), id);
    }
    const row = await this.db.transaction(async (tx) => {
      // Locked, so two concurrent switches cannot both add the catch-all row.
      const [locked] = await tx.select({ multi: dnsProviders.useMultiCredentials }).from(dnsProviders).where(eq(dnsProviders.id, id)).for('update');
      if (patch.isDefault) await tx.update(dnsProviders).set({ isDefault: false }).where(and(eq(dnsProviders.isDefault, true), ne(dnsProviders.id, id)));
      const [updated] = await tx
        .update(dnsProviders)
        .set({
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          providerType: type,
          ...(sealed ? { credentialsEncrypted: sealed.ciphertext, keyVersion: sealed.keyVersion } : {}),
          ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
          ...(patch.isDefault !== undefined ? { isDefault: patch.isDefault } : {}),
          ...(patch.propagationTimeout !== undefined ? { propagationTimeout: patch.propagationTimeout } : {}),
          ...(patch.pollingInterval !== undefined ? { pollingInterval: patch.pollingInterval } : {}),
          ...(patch.settings !== undefined ? { settings: patch.settings } : {}),
          useMultiCredentials: multi,
          ...(by.managedBy !== undefined ? { managedBy: by.managedBy } : {}),
          updatedAt: new Date(),
        })
        .where(eq(dnsProviders.id, id))
        .returning();
      // Switching on moves the provider's credentials into a catch-all row, so nothing changes for any name (docs/api.md#zone-specific-credentials).
      if (multi && locked && !locked.multi) await tx.insert(dnsProviderCredentials).values(this.zoneCredentials.catchAllFrom(updated!, creds ?? this.decrypt(current)));
      return updated!;
    }).catch((err) => rethrowConflict(err));
    this.calls.forget(id, current.name !== row.name ? current.name : undefined);
    this.onChange();
    return row;
  }

  /**
   * Refuses while a record of this provider may still exist in DNS: deleting would strand it. `force`
   * is the operator's override for a provider whose far side is gone for good; the records it may
   * have left are returned so they can be removed by hand.
   */
  async remove(id: string, opts: { force?: boolean } & Writer = {}): Promise<{ abandoned: { fqdn: string; value: string }[] }> {
    const current = await this.get(id);
    assertWritable(current, `provider ${current.name}`, opts);
    const abandoned = opts.force
      ? await this.db.select({ fqdn: challenges.fqdn, value: challenges.value }).from(challenges)
          .where(and(eq(challenges.providerId, id), inArray(challenges.recordState, ['present', 'unknown'])))
      : [];
    const [busy] = await this.db
      .select({ n: sql<number>`count(*)::int` })
      .from(challenges)
      .where(and(eq(challenges.providerId, id), or(inArray(challenges.status, ['CREATED', 'PENDING', 'VERIFYING']), inArray(challenges.recordState, ['present', 'unknown']))));
    if ((busy?.n ?? 0) > 0 && !opts.force) {
      throw new AppError('CONFLICT', 'provider has challenges whose records may still exist; retry after they are cleaned up, or delete with ?force=true', { details: { challenges: busy!.n } });
    }
    const [used] = await this.db.select({ n: sql<number>`count(*)::int` }).from(sites).where(eq(sites.dnsProviderId, id));
    if ((used?.n ?? 0) > 0) throw new AppError('CONFLICT', 'provider is used by sites; move or delete them first', { details: { sites: used!.n } });
    await this.db.delete(dnsProviders).where(eq(dnsProviders.id, id));
    this.calls.forget(id, current.name);
    this.onChange();
    return { abandoned };
  }

  decrypt(row: DnsProviderRow): Record<string, unknown> {
    return JSON.parse(this.keyring.open({ ciphertext: row.credentialsEncrypted, keyVersion: row.keyVersion }, row.id)) as Record<string, unknown>;
  }

  /**
   * Decrypts and re-validates the stored credentials for a plugin call; `purpose` goes to the audit log. A plugin
   * call's runtime is made once per row read through getCached().
   */
  async runtime(row: DnsProviderRow, purpose = 'plugin_call'): Promise<TimedRuntime> {
    return this.cache && purpose === 'plugin_call' ? this.cache.derive(row, (r) => this.decrypted(r, purpose)) : this.decrypted(row, purpose);
  }

  private decrypted(row: DnsProviderRow, purpose: string): TimedRuntime {
    const plugin = this.calls.catalogue.plugin(row.providerType);
    this.audit.record({ action: 'credential.decrypt', category: 'credential', resourceType: 'dns_provider', resourceId: row.id, outcome: 'success', details: { provider_id: row.id, purpose } });
    const parsed = plugin.credentials.safeParse(this.decrypt(row));
    if (!parsed.success) throw new AppError('CREDENTIALS_UNREADABLE', `stored credentials of provider ${row.name} no longer validate`);
    return { id: row.id, name: row.name, type: row.providerType, credentials: parsed.data, settings: row.settings, plugin, timing: timingOf(plugin, row.settings, row, parsed.data) };
  }

  /**
   * The runtime that answers for a domain (`app.example.com` for `_acme-challenge.app.example.com`): the provider's own
   * credentials, or with use_multi_credentials the zone-specific row chosen for it (NO_MATCHING_CREDENTIAL when none fits).
   */
  async runtimeFor(row: DnsProviderRow, domain: string): Promise<TimedRuntime> {
    return row.useMultiCredentials ? this.zoneCredentials.choose(row, domain) : this.runtime(row);
  }

  /** The runtime a challenge was created with: its recorded credential row (whatever changed since), else the provider's own. */
  async runtimeOf(row: DnsProviderRow, credentialId: string | null): Promise<TimedRuntime> {
    return credentialId ? this.zoneCredentials.runtime(row, await this.zoneCredentials.getCached(row, credentialId)) : this.runtime(row);
  }

  /** What the API may show of the credentials: secret fields and anything the plugin does not describe masked. */
  publicCredentials(row: DnsProviderRow): PublicCredentials {
    return maskedCredentials(() => this.decrypt(row), this.calls.catalogue.fields(row.providerType));
  }
}

function rethrowConflict(err: unknown): never {
  const text = String((err as { cause?: { message?: string }; message?: string })?.cause?.message ?? (err as Error)?.message ?? '');
  if (/dns_providers_name_key|duplicate key/.test(text)) throw new AppError('CONFLICT', 'a provider with that name already exists');
  throw err;
}
