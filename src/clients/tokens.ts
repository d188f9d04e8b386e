// Client tokens: creation (the token shown once, only its SHA-256 kept), listing, revocation, and the lookup by token.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, asc, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../db/client.js';
import { clientTokens, type ClientTokenRow } from '../db/schema.js';
import { AppError } from '../errors.js';
import type { ProviderStore } from '../providers/store.js';
import { parseAllowFrom } from '../security/cidr.js';
import { domainName } from '../sites/store.js';

/** Marks a secret as a client token (for the auth check and for secret scanners). */
export const TOKEN_PREFIX = 'dns01ct_';

/**
 * Left out or null: any network, as `providers: null` is any provider. An empty list is refused rather than read
 * as either "any" or "none", which an operator could expect equally.
 */
const cidrs = z
  .array(z.string().max(64))
  .min(1, 'list at least one range, or leave allowed_cidrs out (or null) for any network')
  .max(100)
  .transform((v, ctx) => parseAllowFrom(v) ?? (ctx.addIssue({ code: 'custom', message: 'every entry must be a CIDR range such as 10.0.0.0/8 or 2001:db8::/32' }), z.NEVER))
  .nullable()
  .default(null);

export const clientTokenInputSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'expected 1-64 letters, digits, dot, hyphen or underscore'),
    allowed_domains: z.array(domainName).min(1).max(100),
    allowed_cidrs: cidrs,
    providers: z.array(z.uuid()).min(1).max(100).nullable().default(null),
    expires_at: z.iso.datetime({ offset: true }).nullable().default(null),
  })
  .strict();

/** Hex SHA-256: a token carries 256 random bits, so no key or slow hash is needed to keep it from being guessed. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class ClientTokenStore {
  constructor(private readonly database: Database, private readonly providers: ProviderStore) {}

  /** Returns the row and the token, which is never stored or shown again. */
  async create(input: z.infer<typeof clientTokenInputSchema>): Promise<{ row: ClientTokenRow; token: string }> {
    const expiresAt = input.expires_at === null ? null : new Date(input.expires_at);
    if (expiresAt && expiresAt.getTime() <= Date.now()) throw new AppError('VALIDATION_ERROR', 'expires_at is in the past');
    const providerIds = input.providers === null ? null : [...new Set(input.providers)].sort();
    for (const id of providerIds ?? []) await this.providers.get(id);
    const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const [row] = await this.database.db
      .insert(clientTokens)
      .values({
        name: input.name,
        tokenHash: tokenHash(token),
        allowedDomains: [...new Set(input.allowed_domains)].sort(),
        allowedCidrs: input.allowed_cidrs === null ? [] : [...new Set(input.allowed_cidrs)],
        providerIds,
        expiresAt,
      })
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
  async revoke(id: string): Promise<ClientTokenRow> {
    const row = await this.get(id);
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
