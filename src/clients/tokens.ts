// Client tokens: creation (the token shown once, only its SHA-256 kept; a TSIG key's secret shown once, kept sealed), listing, revocation, the lookups by token and by TSIG key name.
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { and, asc, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../db/client.js';
import { clientTokens, clientTsigKeys, type ClientTokenRow } from '../db/schema.js';
import type { Keyring } from '../crypto/keyring.js';
import { normaliseName } from '../dns/names.js';
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

/** The TSIG key as the creating reply shows it, once. */
export interface CreatedTsigKey {
  name: string;
  algorithm: DoorTsigAlgorithm;
  /** Base64, 256 random bits (512 for hmac-sha512). */
  secret: string;
}

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
      const name = tsigKeyName(input.name);
      // Live token names are unique, but only as written: `Ci` and `ci` would share a key name.
      const [clash] = await tx.select({ id: clientTsigKeys.id }).from(clientTsigKeys)
        .innerJoin(clientTokens, eq(clientTokens.id, clientTsigKeys.clientTokenId))
        .where(and(eq(clientTsigKeys.name, name), isNull(clientTokens.revokedAt)));
      if (clash) throw new AppError('CONFLICT', `a client token that is not revoked already has the TSIG key name ${name}; pick another name`);
      const secret = randomBytes(input.tsigAlgorithm === 'hmac-sha512' ? 64 : 32).toString('base64');
      const id = randomUUID();
      const sealed = this.keyring.seal(secret, id);
      await tx.insert(clientTsigKeys).values({
        id, clientTokenId: row!.id, name, algorithm: input.tsigAlgorithm, secretEncrypted: sealed.ciphertext, keyVersion: sealed.keyVersion,
      });
      return { row: row!, token, tsigKey: { name: `${name}.`, algorithm: input.tsigAlgorithm, secret } };
    });
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
