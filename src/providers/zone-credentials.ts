// Zone-specific credentials of a provider (docs/api.md#zone-specific-credentials): rows sealed like the provider's own, their choice for a name, and their runtimes.
import { randomUUID } from 'node:crypto';
import { and, asc, eq, inArray, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../db/client.js';
import { challenges, dnsProviderCredentials, type DnsProviderRow, type ProviderCredentialRow } from '../db/schema.js';
import type { Keyring } from '../crypto/keyring.js';
import { NO_AUDIT, type AuditSink } from '../audit/writer.js';
import { AppError } from '../errors.js';
import { maskedCredentials, unmask, type PublicCredentials } from './mask.js';
import type { ProviderCache } from './cache.js';
import { assertWritable, type Writer } from './managed.js';
import type { PluginCatalogue } from '../calls/catalogue.js';
import type { ProviderStats } from './stats.js';
import { chooseCredential, parseZoneFilter } from './zone-match.js';
import { rowTimeouts, timingOf, type TimedRuntime } from './timing.js';

/** A zone-specific credential as the store takes it (src/http/wire/credentials.ts turns the API's body into this). */
export interface CredentialInput {
  label: string;
  zoneFilter: string;
  enabled: boolean;
  credentials: Record<string, unknown>;
  /** Seconds. */
  propagationTimeout: number;
  pollingInterval: number;
}
/** A change: a field left out keeps its stored value. */
export type CredentialPatch = Partial<CredentialInput>;

export interface ZoneCredentialStoreOptions {
  database: Database;
  keyring: Keyring;
  catalogue: PluginCatalogue;
  /** Call counts per credential row, written in batches like the providers'. */
  stats: ProviderStats;
  onChange: () => void;
  audit?: AuditSink;
  /** The provider store's cache: the rows of a provider for the challenge path. */
  cache?: ProviderCache;
}

export class ZoneCredentialStore {
  private readonly database: Database;
  private readonly keyring: Keyring;
  private readonly catalogue: PluginCatalogue;
  readonly stats: ProviderStats;
  private readonly onChange: () => void;
  private readonly audit: AuditSink;
  private readonly cache?: ProviderCache;

  constructor(o: ZoneCredentialStoreOptions) {
    ({ database: this.database, keyring: this.keyring, catalogue: this.catalogue, stats: this.stats, onChange: this.onChange, cache: this.cache } = o);
    this.audit = o.audit ?? NO_AUDIT;
  }

  private get db() {
    return this.database.db;
  }

  /** Oldest first: the order ties are broken in (docs/api.md). */
  async list(provider: DnsProviderRow): Promise<ProviderCredentialRow[]> {
    return this.db.select().from(dnsProviderCredentials).where(eq(dnsProviderCredentials.providerId, provider.id))
      .orderBy(asc(dnsProviderCredentials.createdAt), asc(dnsProviderCredentials.id));
  }

  /** list() for the challenge path: cached like the provider row (ProviderCache). */
  private async listCached(provider: DnsProviderRow): Promise<ProviderCredentialRow[]> {
    return this.cache ? this.cache.get(`credentials:${provider.id}`, () => this.list(provider)) : this.list(provider);
  }

  /** get() for a cleanup: the cached row when it is there (a disabled row still cleans up what it made). */
  async getCached(provider: DnsProviderRow, id: string): Promise<ProviderCredentialRow> {
    return (await this.listCached(provider)).find((r) => r.id === id) ?? this.get(provider, id);
  }

  async get(provider: DnsProviderRow, id: string): Promise<ProviderCredentialRow> {
    const missing = () => new AppError('CREDENTIAL_NOT_FOUND', `provider ${provider.name} has no credential with that id`);
    if (!z.uuid().safeParse(id).success) throw missing();
    const [row] = await this.db.select().from(dnsProviderCredentials)
      .where(and(eq(dnsProviderCredentials.id, id), eq(dnsProviderCredentials.providerId, provider.id)));
    if (!row) throw missing();
    return row;
  }

  async create(provider: DnsProviderRow, input: CredentialInput, by: Writer = {}): Promise<ProviderCredentialRow> {
    assertWritable(provider, `provider ${provider.name}`, by);
    if (!provider.useMultiCredentials) {
      throw new AppError('CONFLICT', `provider ${provider.name} does not use zone-specific credentials; set use_multi_credentials: true first`);
    }
    const zoneFilter = parseZoneFilter(input.zoneFilter);
    const creds = await this.catalogue.parseCredentials(provider.providerType, input.credentials);
    const id = randomUUID();
    const sealed = this.keyring.seal(JSON.stringify(creds), id);
    const [row] = await this.db.insert(dnsProviderCredentials).values({
      id, providerId: provider.id, label: input.label, zoneFilter, credentialsEncrypted: sealed.ciphertext, keyVersion: sealed.keyVersion,
      enabled: input.enabled, propagationTimeout: input.propagationTimeout, pollingInterval: input.pollingInterval,
    }).returning();
    this.onChange();
    return row!;
  }

  /** Every check runs before the one UPDATE: a refused PUT changes nothing. */
  async update(provider: DnsProviderRow, id: string, patch: CredentialPatch, by: Writer = {}): Promise<ProviderCredentialRow> {
    assertWritable(provider, `provider ${provider.name}`, by);
    const current = await this.get(provider, id);
    const zoneFilter = patch.zoneFilter !== undefined ? parseZoneFilter(patch.zoneFilter) : undefined;
    let sealed: { ciphertext: string; keyVersion: string } | undefined;
    if (patch.credentials !== undefined) {
      const old = this.decrypt(current);
      sealed = this.keyring.seal(JSON.stringify(await this.catalogue.parseCredentials(provider.providerType, unmask(patch.credentials, old))), id);
    }
    const [row] = await this.db.update(dnsProviderCredentials).set({
      ...(patch.label !== undefined ? { label: patch.label } : {}),
      ...(zoneFilter !== undefined ? { zoneFilter } : {}),
      ...(sealed ? { credentialsEncrypted: sealed.ciphertext, keyVersion: sealed.keyVersion } : {}),
      ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
      ...(patch.propagationTimeout !== undefined ? { propagationTimeout: patch.propagationTimeout } : {}),
      ...(patch.pollingInterval !== undefined ? { pollingInterval: patch.pollingInterval } : {}),
      updatedAt: new Date(),
    }).where(eq(dnsProviderCredentials.id, current.id)).returning();
    this.onChange();
    return row!;
  }

  /** Refused while a challenge made with this credential may still have a record: its cleanup needs it. */
  async remove(provider: DnsProviderRow, id: string, by: Writer = {}): Promise<void> {
    assertWritable(provider, `provider ${provider.name}`, by);
    const current = await this.get(provider, id);
    const [busy] = await this.db.select({ n: sql<number>`count(*)::int` }).from(challenges).where(and(
      eq(challenges.credentialId, current.id),
      or(inArray(challenges.status, ['CREATED', 'PENDING', 'VERIFYING']), inArray(challenges.recordState, ['present', 'unknown'])),
    ));
    if ((busy?.n ?? 0) > 0) {
      throw new AppError('CONFLICT', 'credential has challenges whose records may still exist; retry after they are cleaned up', { details: { challenges: busy!.n } });
    }
    await this.db.delete(dnsProviderCredentials).where(eq(dnsProviderCredentials.id, current.id));
    this.onChange();
  }

  /** The catch-all row a provider's own credentials move into when it switches to zone-specific credentials. */
  catchAllFrom(provider: DnsProviderRow, creds: unknown): typeof dnsProviderCredentials.$inferInsert {
    const id = randomUUID();
    const sealed = this.keyring.seal(JSON.stringify(creds), id);
    return {
      id, providerId: provider.id, label: 'default', zoneFilter: '', credentialsEncrypted: sealed.ciphertext, keyVersion: sealed.keyVersion,
      ...rowTimeouts(this.catalogue.plugin(provider.providerType), provider),
    };
  }

  /** The runtime for `domain`: exact zone, else deepest wildcard, else catch-all; disabled rows never answer. */
  async choose(provider: DnsProviderRow, domain: string): Promise<TimedRuntime> {
    const row = chooseCredential(await this.listCached(provider), domain);
    if (!row) {
      throw new AppError('NO_MATCHING_CREDENTIAL', `no enabled credential of provider ${provider.name} covers ${domain}`, {
        details: { name: domain, provider: provider.name, provider_id: provider.id },
      });
    }
    return this.runtime(provider, row);
  }

  /** Decrypts and re-validates a row's credentials for a plugin call, under the provider's id (one rate limit and breaker); once per row read. */
  runtime(provider: DnsProviderRow, row: ProviderCredentialRow): TimedRuntime {
    return this.cache ? this.cache.derive(row, (r) => this.decrypted(provider, r)) : this.decrypted(provider, row);
  }

  private decrypted(provider: DnsProviderRow, row: ProviderCredentialRow): TimedRuntime {
    const plugin = this.catalogue.plugin(provider.providerType);
    this.audit.record({ action: 'credential.decrypt', category: 'credential', resourceType: 'credential', resourceId: row.id, outcome: 'success', details: { provider_id: provider.id, purpose: 'plugin_call' } });
    const parsed = plugin.credentials.safeParse(this.decrypt(row));
    if (!parsed.success) throw new AppError('CREDENTIALS_UNREADABLE', `stored credential ${row.label} of provider ${provider.name} no longer validates`);
    return {
      id: provider.id, name: provider.name, type: provider.providerType, credentials: parsed.data, settings: provider.settings, plugin,
      credentialId: row.id, timing: timingOf(plugin, provider.settings, row, parsed.data),
    };
  }

  decrypt(row: ProviderCredentialRow): Record<string, unknown> {
    return JSON.parse(this.keyring.open({ ciphertext: row.credentialsEncrypted, keyVersion: row.keyVersion }, row.id)) as Record<string, unknown>;
  }

  /** What the API may show of the credentials, masked as the provider's own are. */
  publicCredentials(provider: DnsProviderRow, row: ProviderCredentialRow): PublicCredentials {
    return maskedCredentials(() => this.decrypt(row), this.catalogue.fields(provider.providerType));
  }
}
