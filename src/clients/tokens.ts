// Client tokens: creation (the token shown once, only its SHA-256 kept), listing, revocation, and the lookup by token.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, asc, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../db/client.js';
import { clientTokens, type ClientTokenRow } from '../db/schema.js';
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
}

/** Hex SHA-256: a token carries 256 random bits, so no key or slow hash is needed to keep it from being guessed. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class ClientTokenStore {
  constructor(private readonly database: Database, private readonly providers: ProviderStore) {}

  /** Returns the row and the token, which is never stored or shown again. */
  async create(input: ClientTokenInput): Promise<{ row: ClientTokenRow; token: string }> {
    const { expiresAt } = input;
    if (expiresAt && expiresAt.getTime() <= Date.now()) throw new AppError('VALIDATION_ERROR', 'expires_at is in the past');
    const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const [row] = await this.database.db
      .insert(clientTokens)
      .values(await this.values(input, tokenHash(token)))
      .returning()
      .catch((err: unknown) => {
        const text = String((err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message);
        if (text.includes('client_tokens_live_name_key')) {
          throw new AppError('CONFLICT', `a client token that is not revoked is already named ${input.name}; revoke it first or pick another name`);
        }
        throw err;
      });
    return { row: row!, token };
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
