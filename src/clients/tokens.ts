// Client tokens: creation (the token shown once, only its SHA-256 kept; a TSIG key's secret shown once, kept sealed), listing, revocation, a TSIG key set, rotated or removed, the lookups by token and by TSIG key name.
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { and, asc, eq, inArray, isNull, ne } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../db/client.js';
import { clientTokens, clientTsigKeys, type ClientTokenRow, type ClientTsigKeyRow } from '../db/schema.js';
import type { Keyring } from '../crypto/keyring.js';
import { isDnsName, normaliseName } from '../dns/names.js';
import type { TsigAlgorithm, TsigKey } from '../dns/tsig.js';
import { AppError } from '../errors.js';
import { assertWritable, type Writer } from '../providers/managed.js';
import type { ProviderStore } from '../providers/store.js';

/** Marks a secret as a client token (for the auth check and for secret scanners). */
export const TOKEN_PREFIX = 'dns01ct_';

/** A client token as the store takes it (src/http/wire/client-tokens.ts turns the API's body into this). */
export interface ClientTokenInput {
  name: string;
  allowedDomains: string[];
  /** Checked CIDR ranges; null: any network. */
  allowedCidrs: string[] | null;
  /** null: any provider. */
  providerIds: string[] | null;
  expiresAt: Date | null;
  /** Set: the token also gets a TSIG key of this algorithm for the DNS UPDATE door (docs/dns-update.md). */
  tsigAlgorithm?: DoorTsigAlgorithm;
}

/** The algorithms a client token's TSIG key may use (RFC 8945's mandatory and common ones; what certbot and nsupdate offer). */
export const DOOR_TSIG_ALGORITHMS = ['hmac-sha256', 'hmac-sha512', 'hmac-sha1', 'hmac-md5'] as const satisfies readonly TsigAlgorithm[];
export type DoorTsigAlgorithm = (typeof DOOR_TSIG_ALGORITHMS)[number];

/** The key name a token's TSIG key gets: the token name under `dns01-proxy`, lower case (DNS names compare that way). */
export function tsigKeyName(tokenName: string): string {
  return `${tokenName.toLowerCase()}.dns01-proxy`;
}

/** A TSIG key with its secret: as the creating or rotating reply shows it, once, and as the config file's apply compares it. */
export interface CreatedTsigKey {
  /** With the trailing dot. */
  name: string;
  algorithm: DoorTsigAlgorithm;
  /** Base64: generated, 256 random bits (512 for hmac-sha512), or the config file's. */
  secret: string;
}

/**
 * The shortest secret a key of each algorithm takes, in bytes: the HMAC's output length, below which RFC 2104 §3 says
 * the key weakens the MAC; what BIND's `tsig-keygen` makes for each.
 */
export const TSIG_SECRET_MIN_BYTES: Record<DoorTsigAlgorithm, number> = { 'hmac-md5': 16, 'hmac-sha1': 20, 'hmac-sha256': 32, 'hmac-sha512': 64 };

/**
 * An operator's TSIG secret (the config file's, docs/config-file.md) checked: its base64 without blanks, or why it is
 * refused (never repeating it). Blanks and line breaks are ignored: `openssl rand -base64 64` wraps its output.
 */
export function checkTsigSecret(text: string, algorithm: DoorTsigAlgorithm): { secret: string } | { problem: string } {
  const s = text.replace(/\s+/g, '');
  const bytes = Buffer.from(s, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(s) || s.length % 4 !== 0 || bytes.toString('base64') !== s) {
    return { problem: 'expected base64 (e.g. openssl rand -base64 32, or the secret of tsig-keygen)' };
  }
  const min = TSIG_SECRET_MIN_BYTES[algorithm];
  if (bytes.length < min) return { problem: `a ${algorithm} secret needs at least ${min} bytes (${min * 8} bits); this one has ${bytes.length}` };
  return { secret: s };
}

/** A TSIG key name as given (a DNS name, trailing dot or not) in its stored form, or null when it is none. */
export function tsigKeyNameOf(text: string): string | null {
  const name = normaliseName(text.trim());
  return isDnsName(name) ? name : null;
}

/** A key to set on a token: the algorithm (else the current key's), the name (else the current or the default), the base64 secret (else generated). */
export interface TsigKeyInput {
  algorithm?: DoorTsigAlgorithm;
  name?: string;
  secret?: string;
}

type Tx = Parameters<Parameters<Database['db']['transaction']>[0]>[0];

/** Hex SHA-256: a token carries 256 random bits, so no key or slow hash is needed to keep it from being guessed. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class ClientTokenStore {
  constructor(private readonly database: Database, private readonly providers: ProviderStore, private readonly keyring: Keyring) {}

  /** Returns the row and the token (and the TSIG key when asked for), which are never stored in clear or shown again. */
  async create(input: ClientTokenInput): Promise<{ row: ClientTokenRow; token: string; tsigKey?: CreatedTsigKey }> {
    const { expiresAt } = input;
    if (expiresAt && expiresAt.getTime() <= Date.now()) throw new AppError('VALIDATION_ERROR', 'expires_at is in the past');
    const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const values = await this.values(input, tokenHash(token));
    return this.database.db.transaction(async (tx) => {
      const [row] = await tx.insert(clientTokens).values(values).returning()
        .catch((err: unknown) => {
          const text = String((err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message);
          if (text.includes('client_tokens_live_name_key')) {
            throw new AppError('CONFLICT', `a client token that is not revoked is already named ${input.name}; revoke it first or pick another name`);
          }
          throw err;
        });
      if (!input.tsigAlgorithm) return { row: row!, token };
      return { row: row!, token, tsigKey: await this.putKey(tx, row!, null, { algorithm: input.tsigAlgorithm }) };
    });
  }

  /**
   * Gives the token a TSIG key, or a new secret (and algorithm) to the one it has, under the same name: the old secret
   * stops working at once. `created` says whether the token had none. Refused on a revoked token, and on a managed one
   * unless `by` is its writer.
   */
  async setTsigKey(id: string, input: TsigKeyInput, by: Writer = {}): Promise<{ row: ClientTokenRow; tsigKey: CreatedTsigKey; created: boolean }> {
    return this.database.db.transaction(async (tx) => {
      const row = await this.writableForKey(tx, id, by);
      const [current] = await tx.select().from(clientTsigKeys).where(eq(clientTsigKeys.clientTokenId, id));
      return { row, tsigKey: await this.putKey(tx, row, current ?? null, input), created: !current };
    });
  }

  /** Removes the token's TSIG key (the door then answers BADKEY for its name); NOT_FOUND when it has none. */
  async deleteTsigKey(id: string, by: Writer = {}): Promise<{ row: ClientTokenRow; name: string }> {
    return this.database.db.transaction(async (tx) => {
      const row = await this.writableForKey(tx, id, by);
      const [gone] = await tx.delete(clientTsigKeys).where(eq(clientTsigKeys.clientTokenId, id)).returning({ name: clientTsigKeys.name });
      if (!gone) throw new AppError('NOT_FOUND', `client token ${row.name} has no TSIG key`);
      return { row, name: `${gone.name}.` };
    });
  }

  /** The token's key with its secret opened, for the config file's comparison; null when it has none. Throws when no configured key opens it. */
  async tsigKey(id: string): Promise<CreatedTsigKey | null> {
    const [k] = await this.database.db.select().from(clientTsigKeys).where(eq(clientTsigKeys.clientTokenId, id));
    if (!k) return null;
    const secret = this.keyring.open({ ciphertext: k.secretEncrypted, keyVersion: k.keyVersion }, k.id);
    return { name: `${k.name}.`, algorithm: k.algorithm as DoorTsigAlgorithm, secret };
  }

  /** Every live token's key name (no trailing dot) with its token: the config file checks its names against them. */
  async tsigKeyNames(): Promise<{ name: string; token: string; managedBy: string | null }[]> {
    return this.database.db.select({ name: clientTsigKeys.name, token: clientTokens.name, managedBy: clientTokens.managedBy }).from(clientTsigKeys)
      .innerJoin(clientTokens, eq(clientTokens.id, clientTsigKeys.clientTokenId)).where(isNull(clientTokens.revokedAt));
  }

  /** The token, locked for this transaction (one key change at a time), if `by` may change its key and it is not revoked. */
  private async writableForKey(tx: Tx, id: string, by: Writer): Promise<ClientTokenRow> {
    const [row] = z.uuid().safeParse(id).success ? await tx.select().from(clientTokens).where(eq(clientTokens.id, id)).for('update') : [];
    if (!row) throw new AppError('NOT_FOUND', 'no client token with that id');
    assertWritable(row, `client token ${row.name}`, by);
    if (row.revokedAt) throw new AppError('CONFLICT', `client token ${row.name} is revoked: its TSIG key cannot be changed`);
    return row;
  }

  /** Writes the token's key (a new row, or `current` with a new secret); the name must be no other live token's. */
  private async putKey(tx: Tx, row: ClientTokenRow, current: ClientTsigKeyRow | null, input: TsigKeyInput): Promise<CreatedTsigKey> {
    const algorithm = input.algorithm ?? (current?.algorithm as DoorTsigAlgorithm | undefined);
    if (!algorithm) throw new AppError('VALIDATION_ERROR', `client token ${row.name} has no TSIG key yet: give tsig_algorithm`);
    const name = normaliseName(input.name ?? current?.name ?? tsigKeyName(row.name));
    // Live token names are unique, but only as written: `Ci` and `ci` would share a key name.
    const [clash] = await tx.select({ token: clientTokens.name }).from(clientTsigKeys)
      .innerJoin(clientTokens, eq(clientTokens.id, clientTsigKeys.clientTokenId))
      .where(and(eq(clientTsigKeys.name, name), isNull(clientTokens.revokedAt), ne(clientTokens.id, row.id)));
    if (clash) throw new AppError('CONFLICT', `a client token that is not revoked (${clash.token}) already has the TSIG key name ${name}; pick another name`);
    const secret = input.secret ?? randomBytes(Math.max(32, TSIG_SECRET_MIN_BYTES[algorithm])).toString('base64');
    const keyId = current?.id ?? randomUUID();
    const sealed = this.keyring.seal(secret, keyId);
    const values = { name, algorithm, secretEncrypted: sealed.ciphertext, keyVersion: sealed.keyVersion, createdAt: new Date() };
    if (current) await tx.update(clientTsigKeys).set(values).where(eq(clientTsigKeys.id, keyId));
    else await tx.insert(clientTsigKeys).values({ ...values, id: keyId, clientTokenId: row.id });
    return { name: `${name}.`, algorithm, secret };
  }

  /** The TSIG key named `keyName` and its token (not revoked: a revoked token's key is unknown); null when none. */
  async byTsigKeyName(keyName: string): Promise<{ row: ClientTokenRow; key: TsigKey } | null> {
    const name = normaliseName(keyName);
    const [hit] = await this.database.db.select().from(clientTsigKeys)
      .innerJoin(clientTokens, eq(clientTokens.id, clientTsigKeys.clientTokenId))
      .where(and(eq(clientTsigKeys.name, name), isNull(clientTokens.revokedAt)));
    if (!hit) return null;
    const k = hit.client_tsig_keys;
    const secret = this.keyring.open({ ciphertext: k.secretEncrypted, keyVersion: k.keyVersion }, k.id);
    return { row: hit.client_tokens, key: { name, algorithm: k.algorithm as DoorTsigAlgorithm, secret: Buffer.from(secret, 'base64') } };
  }

  /** The config file's token (src/declared/), or the Caddy sync's (src/caddy/token.ts): only its SHA-256 is given; a new row, or the row `id` changed to match. */
  async declare(input: ClientTokenInput, hash: string, managedBy: string, id?: string): Promise<ClientTokenRow> {
    const values = { ...(await this.values(input, hash)), managedBy };
    const [row] = id
      ? await this.database.db.update(clientTokens).set(values).where(eq(clientTokens.id, id)).returning()
      : await this.database.db.insert(clientTokens).values(values).returning();
    return row!;
  }

  /** A row the daemon keeps itself (src/caddy/token.ts): the caller chooses its id, from which it derives the token. */
  async insertKept(id: string, input: ClientTokenInput, hash: string, managedBy: string): Promise<ClientTokenRow> {
    const [row] = await this.database.db.insert(clientTokens).values({ ...(await this.values(input, hash)), id, managedBy }).returning();
    return row!;
  }

  /** Sets when a token stops working: the Caddy sync's superseded one (src/caddy/token.ts). */
  async expire(id: string, at: Date): Promise<void> {
    await this.database.db.update(clientTokens).set({ expiresAt: at }).where(eq(clientTokens.id, id));
  }

  private async values(input: ClientTokenInput, hash: string) {
    const providerIds = input.providerIds === null ? null : [...new Set(input.providerIds)].sort();
    for (const id of providerIds ?? []) await this.providers.get(id);
    return {
      name: input.name,
      tokenHash: hash,
      allowedDomains: [...new Set(input.allowedDomains)].sort(),
      allowedCidrs: input.allowedCidrs === null ? [] : [...new Set(input.allowedCidrs)],
      providerIds,
      expiresAt: input.expiresAt,
    };
  }

  /** The TSIG key of each of these tokens that has one, as the API shows it: its name (with the trailing dot) and algorithm, never the secret. */
  async tsigKeysOf(ids: readonly string[]): Promise<Map<string, { name: string; algorithm: DoorTsigAlgorithm }>> {
    if (ids.length === 0) return new Map();
    const rows = await this.database.db.select({ id: clientTsigKeys.clientTokenId, name: clientTsigKeys.name, algorithm: clientTsigKeys.algorithm })
      .from(clientTsigKeys).where(inArray(clientTsigKeys.clientTokenId, [...ids]));
    return new Map(rows.map((r) => [r.id, { name: `${r.name}.`, algorithm: r.algorithm as DoorTsigAlgorithm }]));
  }

  async list(): Promise<ClientTokenRow[]> {
    return this.database.db.select().from(clientTokens).orderBy(asc(clientTokens.createdAt), asc(clientTokens.id));
  }

  async get(id: string): Promise<ClientTokenRow> {
    if (!z.uuid().safeParse(id).success) throw new AppError('NOT_FOUND', 'no client token with that id');
    const [row] = await this.database.db.select().from(clientTokens).where(eq(clientTokens.id, id));
    if (!row) throw new AppError('NOT_FOUND', 'no client token with that id');
    return row;
  }

  /** Idempotent: revoking a revoked token keeps its first revocation time. */
  async revoke(id: string, by: Writer = {}): Promise<ClientTokenRow> {
    const row = await this.get(id);
    assertWritable(row, `client token ${row.name}`, by);
    if (row.revokedAt) return row;
    const [updated] = await this.database.db.update(clientTokens).set({ revokedAt: new Date() })
      .where(and(eq(clientTokens.id, id), isNull(clientTokens.revokedAt))).returning();
    return updated ?? (await this.get(id));
  }

  /** The row a presented token belongs to, revoked and expired ones included; null when none. */
  async byToken(token: string): Promise<ClientTokenRow | null> {
    const hash = tokenHash(token);
    const [row] = await this.database.db.select().from(clientTokens).where(eq(clientTokens.tokenHash, hash));
    // The index lookup already matched; the constant-time compare keeps the decision itself free of early exits.
    return row && timingSafeEqual(Buffer.from(row.tokenHash, 'hex'), Buffer.from(hash, 'hex')) ? row : null;
  }
}
