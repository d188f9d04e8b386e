// Challenges as an operator sees them: filtered, newest-first pages with an opaque cursor, and one challenge in full.
import { and, desc, eq, gte, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../db/client.js';
import { cursorKey, encodeCursor, olderThan, queryCursor, type Cursor } from '../db/paging.js';
import { invalidQuery, parseQuery, queryInstant, queryLimit, queryText } from '../db/query.js';
import { CHALLENGE_STATUSES, challenges, dnsProviders, type ChallengeRow, type ChallengeStatus, type DnsProviderRow } from '../db/schema.js';
import { AppError } from '../errors.js';
import type { PluginCatalogue } from '../calls/catalogue.js';
import { recordTtl } from '../providers/timing.js';
import { remainingMs } from './manual.js';
import type { ChallengeService } from './service.js';

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 200;

export interface ChallengeFilter {
  statuses?: ChallengeStatus[];
  /** A provider id or name. */
  provider?: string;
  /** Lower-cased substring of the challenge name. */
  fqdn?: string;
  createdAfter?: Date;
  createdBefore?: Date;
  limit: number;
  cursor?: Cursor;
}

const STATUS_HINT = `expected a comma list of ${CHALLENGE_STATUSES.join(', ')} (any case)`;

/** The list's query parameters: what parseChallengeFilter accepts, checked, and what the OpenAPI document shows. */
export const challengeQuerySchema = z.object({
  status: z.string().max(200, STATUS_HINT)
    .refine((s) => s.split(',').every((x) => (CHALLENGE_STATUSES as readonly string[]).includes(x.trim().toUpperCase())), STATUS_HINT)
    .transform((s) => s.split(',').map((x) => x.trim().toUpperCase() as ChallengeStatus))
    .optional().describe(`a comma list of ${CHALLENGE_STATUSES.join(', ')} (any case)`),
  provider: queryText(200, 'a provider id or name'),
  fqdn: queryText(253, 'part of the challenge name (`fqdn` or `delegated_from`), any case'),
  created_after: queryInstant('challenges created at or after this time'),
  created_before: queryInstant('challenges created before this time'),
  limit: queryLimit(MAX_PAGE, DEFAULT_PAGE),
  cursor: queryCursor,
});

/** Reads the list's query string (see queryOf); anything unknown or malformed is a 400 naming the parameter. */
export function parseChallengeFilter(query: Record<string, string>): ChallengeFilter {
  const q = parseQuery(challengeQuerySchema, query);
  if (q.created_after && q.created_before && q.created_after >= q.created_before) {
    throw invalidQuery('created_before', 'must be later than created_after');
  }
  return {
    limit: q.limit ?? DEFAULT_PAGE, statuses: q.status, provider: q.provider, fqdn: q.fqdn?.toLowerCase(),
    createdAfter: q.created_after, createdBefore: q.created_before, cursor: q.cursor,
  };
}

/** One challenge as an operator sees it: its row, its provider, the TTL it was written with and the time it has left. */
export interface ChallengeEntry {
  row: ChallengeRow;
  provider: DnsProviderRow;
  /** null when the provider's type is no longer loaded. */
  ttl: number | null;
  remainingMs: number;
}

export interface ChallengePage {
  challenges: ChallengeEntry[];
  /** Pass as `cursor` for the next (older) page; null on the last one. */
  nextCursor: string | null;
}

export class ChallengeListing {
  constructor(
    private readonly database: Database,
    private readonly service: ChallengeService,
    private readonly registry: PluginCatalogue,
  ) {}

  async list(filter: ChallengeFilter, now = Date.now()): Promise<ChallengePage> {
    const where: SQL[] = [];
    if (filter.statuses) where.push(inArray(challenges.status, filter.statuses));
    if (filter.provider !== undefined) {
      const byName = eq(dnsProviders.name, filter.provider);
      where.push(z.uuid().safeParse(filter.provider).success ? or(eq(challenges.providerId, filter.provider), byName)! : byName);
    }
    // strpos, not LIKE: a `%` or `_` in the filter is a character, not a pattern.
    if (filter.fqdn !== undefined) where.push(sql`(strpos(${challenges.fqdn}, ${filter.fqdn}) > 0 or strpos(${challenges.delegatedFrom}, ${filter.fqdn}) > 0)`);
    if (filter.createdAfter) where.push(gte(challenges.createdAt, filter.createdAfter));
    if (filter.createdBefore) where.push(lt(challenges.createdAt, filter.createdBefore));
    if (filter.cursor) where.push(olderThan(challenges.createdAt, challenges.id, filter.cursor));
    const rows = await this.database.db
      .select({
        row: challenges, provider: dnsProviders,
        key: cursorKey(challenges.createdAt),
      })
      .from(challenges)
      .innerJoin(dnsProviders, eq(challenges.providerId, dnsProviders.id))
      .where(and(...where))
      .orderBy(desc(challenges.createdAt), desc(challenges.id))
      .limit(filter.limit + 1);
    const page = rows.slice(0, filter.limit);
    const last = page.at(-1);
    return {
      challenges: page.map((r) => this.entry(this.service.pending.overlay(r.row), r.provider, now)),
      nextCursor: rows.length > filter.limit && last ? encodeCursor(last.key, last.row.id) : null,
    };
  }

  async show(id: string, now = Date.now()): Promise<ChallengeEntry> {
    const row = await this.service.get(id);
    const [provider] = await this.database.db.select().from(dnsProviders).where(eq(dnsProviders.id, row.providerId));
    if (!provider) throw new AppError('CHALLENGE_NOT_FOUND', 'no challenge with that id');
    return this.entry(row, provider, now);
  }

  private entry(row: ChallengeRow, provider: DnsProviderRow, now: number): ChallengeEntry {
    return { row, provider, ttl: this.ttlOf(provider), remainingMs: remainingMs(row, now) };
  }

  /** The TTL the record was (or would be) written with; with the type no longer loaded only the provider's own (else null). */
  private ttlOf(provider: DnsProviderRow): number | null {
    try {
      return recordTtl(this.registry.plugin(provider.providerType), provider.settings);
    } catch {
      return provider.settings.ttl ?? null;
    }
  }
}
