// Admin API for the audit log: filtered pages, one event, a provider's own events, and CSV / NDJSON exports streamed page by page.
import { Hono, type Context } from 'hono';
import { stream } from 'hono/streaming';
import type { Logger } from 'pino';
import { z } from 'zod';
import { auditFilter, auditQuerySchema, exportQuerySchema, parseAuditFilter, providerAuditQuerySchema, type AuditLog } from '../../audit/listing.js';
import { connectionErrorCode } from '../../db/client.js';
import { invalidQuery, parseQuery, queryOf } from '../../db/query.js';
import { AppError, isAppError } from '../../errors.js';
import { described } from '../openapi.js';
import { auditEventReplySchema, auditListReplySchema, auditView } from '../wire/audit.js';

const CSV_COLUMNS = ['id', 'created_at', 'actor', 'action', 'category', 'resource_type', 'resource_id', 'outcome', 'source_ip', 'user_agent', 'details'] as const;

/** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled; a leading =+-@ is defused for spreadsheets. */
function csvField(value: unknown): string {
  let s = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** What an export that broke off says in its last line (the reply's status is long sent): the code an error reply would carry. */
function exportFailure(err: unknown): AppError {
  if (isAppError(err)) return err;
  if (connectionErrorCode(err)) return new AppError('SERVICE_UNAVAILABLE', 'the database is unavailable; try again shortly');
  return new AppError('INTERNAL_ERROR', 'internal error');
}

/**
 * Every event `query` (the export's parameters, see exportQuerySchema) matches, streamed as CSV or NDJSON: the API's
 * export and the console's (src/ui/views/audit.tsx) are this one function.
 */
export async function auditExport(c: Context, log: AuditLog, logger: Logger, query: Record<string, string>): Promise<Response> {
  const { format, ...filter } = parseQuery(exportQuerySchema, query);
  const events = log.walk(auditFilter(filter), auditView);
  // The first page is read before the reply starts, so a database that is down gets an error reply, not an empty 200.
  const first = await events.next();
  c.header('Content-Type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson');
  c.header('Content-Disposition', `attachment; filename="audit-logs.${format}"`);
  return stream(c, async (out) => {
    if (format === 'csv') await out.write(`${CSV_COLUMNS.join(',')}\r\n`);
    try {
      for (let next = first; !next.done; next = await events.next()) {
        if (out.aborted) return;
        await out.write(format === 'csv' ? `${CSV_COLUMNS.map((k) => csvField(next.value[k])).join(',')}\r\n` : `${JSON.stringify(next.value)}\n`);
      }
    } catch (err) {
      // A short file must not pass for a complete one: the last line says it broke off, in a form each format's reader sees.
      const e = exportFailure(err);
      logger.error({ err, code: e.code, format }, 'audit export broke off; its last line says so');
      const message = `the export stopped before its end (${e.message}); this file is incomplete`;
      await out.write(format === 'csv'
        ? `# error: ${e.code}: ${message.replace(/[",\r\n]/g, ' ')}\r\n`
        : `${JSON.stringify({ error: { code: e.code, message } })}\n`);
    } finally {
      await events.return(undefined);
    }
  });
}

export function auditRoutes(log: AuditLog, logger: Logger): Hono {
  const app = new Hono();
  app.get('/audit-logs', described({
    summary: 'Audit events, newest first, filtered and paged', query: auditQuerySchema,
    responses: { 200: { description: 'a page of events', schema: auditListReplySchema } },
  }), async (c) => {
    const page = await log.list(parseAuditFilter(queryOf(c.req.url)));
    return c.json({ success: true, audit_logs: page.events.map(auditView), next_cursor: page.nextCursor });
  });
  // Registered before /audit-logs/:id, which would otherwise take "export" for an id.
  app.get('/audit-logs/export', described({
    summary: 'Every matching audit event as CSV or NDJSON, newest first, streamed; one that breaks off ends with an error line',
    query: exportQuerySchema,
    responses: { 200: { description: 'CSV (text/csv) or NDJSON (application/x-ndjson)', contentType: 'text/csv' } },
  }), async (c) => {
    return auditExport(c, log, logger, queryOf(c.req.url));
  });
  app.get('/audit-logs/:id', described({ summary: 'One audit event', responses: { 200: { description: 'the event', schema: auditEventReplySchema } } }),
    async (c) => c.json({ success: true, audit_log: auditView(await log.show(c.req.param('id'))) }));
  app.get('/dns-providers/:id/audit-logs', described({
    summary: 'A provider\'s audit events (its own and its credentials\'), newest first, filtered and paged',
    query: providerAuditQuerySchema,
    responses: { 200: { description: 'a page of events', schema: auditListReplySchema } },
  }), async (c) => {
    // A deleted provider's events are still there to read; an id that cannot be a provider's is not.
    const providerId = c.req.param('id');
    if (!z.uuid().safeParse(providerId).success) throw new AppError('PROVIDER_NOT_FOUND', 'no provider with that id');
    const query = queryOf(c.req.url);
    const fixed = ['resource_type', 'resource_id'].find((k) => k in query);
    if (fixed) throw invalidQuery(fixed, 'not here: this list is one provider\'s; use GET /api/v1/audit-logs');
    const page = await log.list({ ...parseAuditFilter(query, providerAuditQuerySchema), providerId });
    return c.json({ success: true, audit_logs: page.events.map(auditView), next_cursor: page.nextCursor });
  });
  return app;
}
