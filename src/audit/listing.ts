// The audit log as an operator reads it: filtered newest-first pages with an opaque cursor, one event, and the walk exports use.
import { and, desc, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../db/client.js';
import { cursorKey, decodeCursor, encodeCursor, olderThan, queryCursor, type Cursor } from '../db/paging.js';
import { invalidQuery, parseQuery, queryChoice, queryInstant, queryLimit, queryText } from '../db/query.js';
import { AUDIT_OUTCOMES, securityAudits, type AuditOutcome, type SecurityAuditRow } from '../db/schema.js';
import { AppError } from '../errors.js';
import { AUDIT_CATEGORIES } from './writer.js';

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 500;

export interface AuditFilter {
  from?: Date;
  to?: Date;
  category?: string;
  actor?: string;
  action?: string;
  resourceType?: string;
  resourceId?: string;
  outcome?: AuditOutcome;
  /** Lower-cased text looked for in the action, resource and details. */
  q?: string;
  /** A provider's own events and those naming it in details.provider_id (its credentials, challenges, script runs). */
  providerId?: string;
  limit: number;
  cursor?: Cursor;
}

/** The list's query parameters, checked; the export's (see exportQuerySchema); what the OpenAPI document shows. */
export const auditQuerySchema = z.object({
  from: queryInstant('events at or after this time'),
  to: queryInstant('events before this time'),
  category: queryChoice(AUDIT_CATEGORIES, `one of ${AUDIT_CATEGORIES.join(', ')}`),
  actor: queryText(200, '`admin`, `internal`, `client:<token name>`, `daemon`, `janitor`, `anonymous`'),
  action: queryText(200, 'e.g. `dns_provider.create`'),
  resource_type: queryText(200, 'e.g. `dns_provider`, `challenge`'),
  resource_id: queryText(200, 'the resource\'s id'),
  outcome: queryChoice(AUDIT_OUTCOMES, AUDIT_OUTCOMES.join(', ')),
  q: queryText(200, 'free text, any case, looked for in the action, resource and details'),
  limit: queryLimit(MAX_PAGE, DEFAULT_PAGE),
  cursor: queryCursor,
});
/** A provider's own list: the resource is the provider. */
export const providerAuditQuerySchema = auditQuerySchema.omit({ resource_type: true, resource_id: true });
export const exportQuerySchema = auditQuerySchema.omit({ limit: true, cursor: true }).extend({
  format: z.enum(['csv', 'ndjson'], { error: 'expected csv or ndjson' }).describe('csv (a header row, details as JSON text) or ndjson (one event per line)'),
});

/** The filter a checked query holds (the output of either schema above, less the export's `format`). */
export function auditFilter(q: Partial<z.output<typeof auditQuerySchema>>): AuditFilter {
  if (q.from && q.to && q.from >= q.to) throw invalidQuery('to', 'must be later than from');
  return {
    limit: q.limit ?? DEFAULT_PAGE, from: q.from, to: q.to, category: q.category, actor: q.actor, action: q.action,
    resourceType: q.resource_type, resourceId: q.resource_id, outcome: q.outcome, q: q.q?.toLowerCase(), cursor: q.cursor,
  };
}

/** Reads a list's query string (see queryOf) with `schema`: unknown or malformed is a 400 naming the parameter. */
export function parseAuditFilter(query: Record<string, string>, schema: z.ZodObject = auditQuerySchema): AuditFilter {
  return auditFilter(parseQuery(schema, query) as Partial<z.output<typeof auditQuerySchema>>);
}

export interface AuditPage {
  events: SecurityAuditRow[];
  nextCursor: string | null;
}

export class AuditLog {
  constructor(private readonly database: Database) {}

  async list(filter: AuditFilter): Promise<AuditPage> {
    const t = securityAudits;
    const where: SQL[] = [];
    if (filter.from) where.push(gte(t.createdAt, filter.from));
    if (filter.to) where.push(lt(t.createdAt, filter.to));
    if (filter.category) where.push(eq(t.category, filter.category));
    if (filter.actor) where.push(eq(t.actor, filter.actor));
    if (filter.action) where.push(eq(t.action, filter.action));
    if (filter.resourceType) where.push(eq(t.resourceType, filter.resourceType));
    if (filter.resourceId) where.push(eq(t.resourceId, filter.resourceId));
    if (filter.outcome) where.push(eq(t.outcome, filter.outcome));
    if (filter.providerId) {
      where.push(sql`((${t.resourceType} = 'dns_provider' and ${t.resourceId} = ${filter.providerId}) or ${t.details}->>'provider_id' = ${filter.providerId})`);
    }
    // strpos, not LIKE: a `%` or `_` in the text is a character, not a pattern.
    if (filter.q) {
      where.push(sql`strpos(lower(concat_ws(' ', ${t.action}, ${t.resourceType}, ${t.resourceId}, ${t.details}::text)), ${filter.q}) > 0`);
    }
    if (filter.cursor) where.push(olderThan(t.createdAt, t.id, filter.cursor));
    const rows = await this.database.db
      .select({ row: t, key: cursorKey(t.createdAt) })
      .from(t)
      .where(and(...where))
      .orderBy(desc(t.createdAt), desc(t.id))
      .limit(filter.limit + 1);
    const page = rows.slice(0, filter.limit);
    const last = page.at(-1);
    return { events: page.map((r) => r.row), nextCursor: rows.length > filter.limit && last ? encodeCursor(last.key, last.row.id) : null };
  }

  async show(id: string): Promise<SecurityAuditRow> {
    const [row] = z.uuid().safeParse(id).success ? await this.database.db.select().from(securityAudits).where(eq(securityAudits.id, id)) : [];
    if (!row) throw new AppError('AUDIT_EVENT_NOT_FOUND', 'no audit event with that id');
    return row;
  }

  /**
   * Every matching event, newest first, a page at a time: an export never holds more than one page. Each page is
   * `render`ed whole before its first event is yielded, so an event that cannot be rendered stops the walk at a page's edge.
   */
  async *walk<T>(filter: AuditFilter, render: (row: SecurityAuditRow) => T, pageRows = MAX_PAGE): AsyncGenerator<T> {
    let f: AuditFilter = { ...filter, limit: pageRows };
    for (;;) {
      const page = await this.list(f);
      yield* page.events.map(render);
      if (!page.nextCursor) return;
      f = { ...f, cursor: decodeCursor(page.nextCursor)! };
    }
  }

  /** Deletes events older than `days`, `batch` rows per statement so no one DELETE holds locks for long; returns the count. */
  async prune(days: number, batch = 1000): Promise<number> {
    let total = 0;
    for (;;) {
      const rows = await this.database.db
        .delete(securityAudits)
        .where(sql`${securityAudits.id} in (select id from ${securityAudits} where ${securityAudits.createdAt} < now() - ${`${days} days`}::interval limit ${batch})`)
        .returning({ id: securityAudits.id });
      total += rows.length;
      if (rows.length < batch) return total;
    }
  }
}
