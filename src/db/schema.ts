// Drizzle schema: DNS providers (credentials encrypted), sites, every challenge's lifecycle, plugins, acme-dns accounts, client tokens and their TSIG keys, key rotation runs and the audit log.
import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

export const CHALLENGE_STATUSES = ['CREATED', 'PENDING', 'VERIFYING', 'VERIFIED', 'DELETED', 'EXPIRED', 'FAILED'] as const;
export type ChallengeStatus = (typeof CHALLENGE_STATUSES)[number];
export const ACTIVE_STATUSES: readonly ChallengeStatus[] = ['CREATED', 'PENDING', 'VERIFYING'];

/**
 * Whether the DNS record may exist: 'none' before the plugin ran or after it refused, 'present' after
 * a successful present, 'unknown' when a present was interrupted or timed out (the far side may have
 * written it), 'removed' once cleanup succeeded. The janitor removes every 'present'/'unknown' record
 * of a finished challenge, so no TXT record outlives its challenge.
 */
export const RECORD_STATES = ['none', 'present', 'unknown', 'removed'] as const;
export type RecordState = (typeof RECORD_STATES)[number];

/** What the propagation checker last heard: each authoritative server and whether it served the value, or why it could not ask. */
export interface LastCheck {
  visible: boolean;
  zone?: string;
  /** The name actually asked, after following a CNAME. */
  target?: string;
  servers: { server: string; seen: boolean; error?: string }[];
  /** The resolvers asked for the zone and its name servers, with their source (`127.0.0.53:53 (system, /etc/resolv.conf)`). */
  resolver?: string;
  /** Why the check itself failed (no zone found, no resolver answered); servers is then empty. */
  error?: string;
}

export interface ProviderSettings {
  rateLimitPerMinute?: number;
  rateLimitWaitSeconds?: number;
  breakerThreshold?: number;
  breakerResetSeconds?: number;
  ttl?: number;
  /** rfc2136 only: let Caddy's own caddy-dns/rfc2136 module do the work instead of proxying. */
  caddyMode?: 'native' | 'proxied';
  /** acmeproxy path: answer present only once the value is visible on every authoritative server. */
  waitForPropagation?: boolean;
}

/** Plugin calls (present, cleanup, test) so far, per provider or credential row; written in batches by ProviderStats, never per call. */
function callCounts() {
  return {
    successCount: integer('success_count').notNull().default(0),
    failureCount: integer('failure_count').notNull().default(0),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    /** The last failure as a reply may show it (`CODE: message`); never a secret or a loaded plugin's own words. */
    lastError: text('last_error'),
  };
}

export const dnsProviders = pgTable(
  'dns_providers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    providerType: text('provider_type').notNull(),
    /** AES-256-GCM ciphertext (see crypto/keyring.ts); never plain text. */
    credentialsEncrypted: text('credentials_encrypted').notNull(),
    keyVersion: text('key_version').notNull(),
    enabled: boolean('enabled').notNull().default(true),
    isDefault: boolean('is_default').notNull().default(false),
    /** Challenges use the zone-specific rows of dns_provider_credentials instead of this row's credentials. */
    useMultiCredentials: boolean('use_multi_credentials').notNull().default(false),
    propagationTimeout: integer('propagation_timeout'),
    pollingInterval: integer('polling_interval'),
    settings: jsonb('settings').$type<ProviderSettings>().notNull().default({}),
    /** The DNS01_CONFIG file that declares this provider (src/declared/); the API refuses to change it. Null: the API's. */
    managedBy: text('managed_by'),
    ...callCounts(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('dns_providers_name_key').on(t.name),
    uniqueIndex('dns_providers_one_default').on(t.isDefault).where(sql`${t.isDefault}`),
  ],
);

/**
 * Zone-specific credentials of a provider (docs/api.md#zone-specific-credentials): the row whose zone_filter fits a name best answers
 * for it. The secret column is sealed exactly like dns_providers' (same keyring, the row's own id as AAD).
 */
export const dnsProviderCredentials = pgTable(
  'dns_provider_credentials',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    providerId: uuid('dns_provider_id').notNull().references(() => dnsProviders.id, { onDelete: 'cascade' }),
    label: text('label').notNull(),
    /** Normalised comma list of exact zones and `*.zone` wildcards; '' is the catch-all. */
    zoneFilter: text('zone_filter').notNull().default(''),
    /** AES-256-GCM ciphertext (see crypto/keyring.ts); never plain text. */
    credentialsEncrypted: text('credentials_encrypted').notNull(),
    keyVersion: text('key_version').notNull(),
    enabled: boolean('enabled').notNull().default(true),
    propagationTimeout: integer('propagation_timeout').notNull().default(120),
    pollingInterval: integer('polling_interval').notNull().default(5),
    ...callCounts(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('dns_provider_credentials_provider_idx').on(t.providerId, t.createdAt)],
);

export const sites = pgTable('sites', {
  id: uuid('id').primaryKey().defaultRandom(),
  domainNames: jsonb('domain_names').$type<string[]>().notNull(),
  dnsProviderId: uuid('dns_provider_id').notNull().references(() => dnsProviders.id, { onDelete: 'restrict' }),
  enabled: boolean('enabled').notNull().default(true),
  /** The DNS01_CONFIG file that declares this site (src/declared/); the API refuses to change it. Null: the API's. */
  managedBy: text('managed_by'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const challenges = pgTable(
  'challenges',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    providerId: uuid('provider_id').notNull().references(() => dnsProviders.id, { onDelete: 'cascade' }),
    /** The zone-specific credential present used (null: the provider's own); cleanup uses the same one. */
    credentialId: uuid('credential_id').references(() => dnsProviderCredentials.id, { onDelete: 'set null' }),
    /** Where the TXT value is written: the name asked for, or the end of its CNAME chain (src/challenges/delegation.ts). */
    fqdn: text('fqdn').notNull(),
    /** The name the client asked for when a CNAME delegated it to `fqdn`; null when the two are the same. */
    delegatedFrom: text('delegated_from'),
    zone: text('zone'),
    value: text('value').notNull(),
    status: text('status').$type<ChallengeStatus>().notNull().default('CREATED'),
    recordState: text('record_state').$type<RecordState>().notNull().default('none'),
    pluginRecordId: text('plugin_record_id'),
    attempts: integer('attempts').notNull().default(0),
    cleanupAttempts: integer('cleanup_attempts').notNull().default(0),
    error: text('error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    verifiedAt: timestamp('verified_at', { withTimezone: true }),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    /** Lease for background work (janitor, propagation checker) so replicas never work one row twice. */
    claimedUntil: timestamp('claimed_until', { withTimezone: true }),
    nextCheckAt: timestamp('next_check_at', { withTimezone: true }),
    /** When the propagation checker last asked the authoritative servers (shown to an operator creating records by hand). */
    lastCheckAt: timestamp('last_check_at', { withTimezone: true }),
    /** The outcome of that check (written with last_check_at): which servers saw the value. */
    lastCheck: jsonb('last_check').$type<LastCheck>(),
  },
  (t) => [
    uniqueIndex('challenges_active_key')
      .on(t.providerId, t.fqdn, t.value)
      .where(sql`${t.status} in ('CREATED', 'PENDING', 'VERIFYING')`),
    index('challenges_status_expires_idx').on(t.status, t.expiresAt),
    index('challenges_record_state_idx').on(t.recordState).where(sql`${t.recordState} in ('present', 'unknown')`),
    index('challenges_fqdn_idx').on(t.fqdn),
    // The operators' list: newest first, paged by (created_at, id); scanned backwards.
    index('challenges_created_idx').on(t.createdAt, t.id),
  ],
);

export const PLUGIN_STATUSES = ['pending', 'loaded', 'error', 'disabled'] as const;
export type PluginStatus = (typeof PLUGIN_STATUSES)[number];

/** Loadable plugins found in DNS01_PLUGINS_DIR: what the allow-list says and what the loader made of each file. */
export const plugins = pgTable(
  'plugins',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    /** The provider type the module registers; null until a load read its metadata. */
    type: text('type'),
    path: text('path').notNull(),
    /** `sha256:<hex>` of the module file as last read. */
    signature: text('signature'),
    enabled: boolean('enabled').notNull().default(true),
    status: text('status').$type<PluginStatus>().notNull().default('pending'),
    error: text('error'),
    version: text('version'),
    author: text('author'),
    loadedAt: timestamp('loaded_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('plugins_name_key').on(t.name)],
);

/** acme-dns accounts: a client's credentials (password hashed) and the provider that writes its TXT values. */
export const acmeDnsRegistrations = pgTable(
  'acme_dns_registrations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    username: uuid('username').notNull(),
    /** scrypt hash of the generated password; the password itself is shown once, at registration. */
    passwordHash: text('password_hash').notNull(),
    subdomain: uuid('subdomain').notNull(),
    providerId: uuid('provider_id').notNull().references(() => dnsProviders.id, { onDelete: 'cascade' }),
    /** CIDR ranges the updates may come from; empty: anywhere. */
    allowFrom: jsonb('allow_from').$type<string[]>().notNull().default([]),
    /**
     * The client token that registered the account, whose scope every update is checked against (revoked: refused);
     * null: registered with the admin token. The account goes with its token's row.
     */
    clientTokenId: uuid('client_token_id').references(() => clientTokens.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('acme_dns_registrations_username_key').on(t.username), uniqueIndex('acme_dns_registrations_subdomain_key').on(t.subdomain)],
);

/** Client tokens for the internal API: each limited to its names, networks and providers (src/clients). */
export const clientTokens = pgTable(
  'client_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    /** Hex SHA-256 of the token (256 random bits); the token itself is shown once, at creation. */
    tokenHash: text('token_hash').notNull(),
    /** `example.com` (that name only) or `*.example.com` (it and every name below it), as sites write them. */
    allowedDomains: jsonb('allowed_domains').$type<string[]>().notNull(),
    /** CIDR ranges the TCP peer must be in; empty: any address (the API shows null). */
    allowedCidrs: jsonb('allowed_cidrs').$type<string[]>().notNull(),
    /** Provider ids it may write through; null: any. */
    providerIds: jsonb('provider_ids').$type<string[] | null>(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    /** The DNS01_CONFIG file that declares this token (src/declared/); the API refuses to revoke it. Null: the API's. */
    managedBy: text('managed_by'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('client_tokens_hash_key').on(t.tokenHash),
    // A revoked token's name may be given to a new one.
    uniqueIndex('client_tokens_live_name_key').on(t.name).where(sql`${t.revokedAt} is null`),
  ],
);

/**
 * A client token's TSIG key for the DNS UPDATE door (src/dns-door/, docs/dns-update.md): the secret sealed with the
 * keyring (AAD: the row id), shown once at creation. Key names are unique among tokens that are not revoked.
 */
export const clientTsigKeys = pgTable(
  'client_tsig_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    clientTokenId: uuid('client_token_id').notNull().references(() => clientTokens.id, { onDelete: 'cascade' }),
    /** Lower case, no trailing dot: `<token name>.dns01-proxy`. */
    name: text('name').notNull(),
    algorithm: text('algorithm').notNull(),
    secretEncrypted: text('secret_encrypted').notNull(),
    keyVersion: text('key_version').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('client_tsig_keys_name_idx').on(t.name), uniqueIndex('client_tsig_keys_token_key').on(t.clientTokenId)],
);

/** Which client token added a challenge through the DNS UPDATE door, so a class-ANY delete removes only its own values. */
export const clientChallenges = pgTable('client_challenges', {
  challengeId: uuid('challenge_id').primaryKey().references(() => challenges.id, { onDelete: 'cascade' }),
  clientTokenId: uuid('client_token_id').notNull().references(() => clientTokens.id, { onDelete: 'cascade' }),
});

export type DnsProviderRow = typeof dnsProviders.$inferSelect;
export type ProviderCredentialRow = typeof dnsProviderCredentials.$inferSelect;
export type ChallengeRow = typeof challenges.$inferSelect;
export type SiteRow = typeof sites.$inferSelect;
export type PluginRow = typeof plugins.$inferSelect;
export type AcmeDnsRegistrationRow = typeof acmeDnsRegistrations.$inferSelect;
export type ClientTokenRow = typeof clientTokens.$inferSelect;
export type ClientTsigKeyRow = typeof clientTsigKeys.$inferSelect;

export const ROTATION_OUTCOMES = ['running', 'completed', 'interrupted', 'failed'] as const;
export type RotationOutcome = (typeof ROTATION_OUTCOMES)[number];

/**
 * Each run of the re-encryption job (crypto/rotation.ts), kept as the rotation history. A 'running' row whose
 * replica died is marked 'interrupted' by the next holder of the rotation lock; at most one row runs at a time.
 */
export const encryptionRotations = pgTable(
  'encryption_rotations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** 'startup' or 'api'. */
    trigger: text('trigger').notNull(),
    /** `hostname:pid` of the replica that ran it. */
    replica: text('replica').notNull(),
    /** Key fingerprints the rows were under when the run began. */
    fromVersions: jsonb('from_versions').$type<string[]>().notNull().default([]),
    toVersion: text('to_version').notNull(),
    outcome: text('outcome').$type<RotationOutcome>().notNull().default('running'),
    rowsTotal: integer('rows_total').notNull().default(0),
    rowsDone: integer('rows_done').notNull().default(0),
    /** Rows under a key that is not configured, or that did not decrypt: left as they are. */
    rowsUnreadable: integer('rows_unreadable').notNull().default(0),
    /** Rows someone else rewrote between the job's read and its write (their write stands). */
    rowsSkipped: integer('rows_skipped').notNull().default(0),
    error: text('error'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    index('encryption_rotations_started_idx').on(t.startedAt),
    uniqueIndex('encryption_rotations_one_running').on(t.outcome).where(sql`${t.outcome} = 'running'`),
  ],
);
export type EncryptionRotationRow = typeof encryptionRotations.$inferSelect;

export const AUDIT_OUTCOMES = ['success', 'failure', 'denied'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/**
 * The audit log (docs/api.md#audit-log): who did what to which resource, and how it went. Written in batches by
 * audit/writer.ts, never in the request it records; `details` has passed audit/redact.ts.
 */
export const securityAudits = pgTable(
  'security_audits',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** `admin`, `internal` (the shared internal token), `client:<token name>`, `daemon`, `janitor` or `anonymous`. */
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    category: text('category').notNull(),
    resourceType: text('resource_type'),
    resourceId: text('resource_id'),
    outcome: text('outcome').$type<AuditOutcome>().notNull(),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    /** The TCP peer (http/peer.ts); null for the daemon's own work. */
    sourceIp: text('source_ip'),
    userAgent: text('user_agent'),
  },
  (t) => [
    // Newest first, paged by (created_at, id); retention deletes from the old end.
    index('security_audits_created_idx').on(t.createdAt, t.id),
    index('security_audits_resource_idx').on(t.resourceType, t.resourceId, t.createdAt),
    index('security_audits_category_idx').on(t.category, t.createdAt),
    index('security_audits_actor_idx').on(t.actor, t.createdAt),
  ],
);
export type SecurityAuditRow = typeof securityAudits.$inferSelect;
