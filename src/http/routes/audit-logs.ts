// Admin API for the audit log: filtered pages, one event, a provider's own events, and CSV / NDJSON exports streamed page by page.
import { Hono } from 'hono';
import { stream } from 'hono/streaming';
import { auditQuerySchema, exportQuerySchema, parseAuditFilter, type AuditLog } from '../../audit/listing.js';
import { invalidQuery } from '../../db/paging.js';
import { described } from '../openapi.js';

const CSV_COLUMNS = ['id', 'created_at', 'actor', 'action', 'category', 'resource_type', 'resource_id', 'outcome', 'source_ip', 'user_agent', 'details'] as const;

/** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled; a leading =+-@ is defused for spreadsheets. */
function csvField(value: unknown): string {
  let s = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function auditRoutes(log: AuditLog): Hono {
  const app = new Hono();
  app.get('/audit-logs', described({
    summary: 'Audit events, newest first, filtered and paged', query: auditQuerySchema,
    responses: { 200: '`{success, audit_logs, next_cursor}`' },
  }), async (c) => {
    const page = await log.list(parseAuditFilter(c.req.query()));
    return c.json({ success: true, audit_logs: page.events, next_cursor: page.nextCursor });
  });
  // Registered before /audit-logs/:id, which would otherwise take "export" for an id.
  app.get('/audit-logs/export', described({
    summary: 'Every matching audit event as CSV or NDJSON, newest first, streamed', query: exportQuerySchema,
    responses: { 200: { description: 'CSV (text/csv) or NDJSON (application/x-ndjson)', contentType: 'text/csv' } },
  }), (c) => {
    const { format, ...rest } = c.req.query();
    if (format !== 'csv' && format !== 'ndjson') throw invalidQuery('format', 'expected csv or ndjson');
    const filter = parseAuditFilter(rest);
    c.header('Content-Type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson');
    c.header('Content-Disposition', `attachment; filename="audit-logs.${format}"`);
    return stream(c, async (out) => {
      if (format === 'csv') await out.write(`${CSV_COLUMNS.join(',')}\r\n`);
      for await (const event of log.walk(filter)) {
        if (out.aborted) return;
        await out.write(format === 'csv' ? `${CSV_COLUMNS.map((k) => csvField(event[k])).join(',')}\r\n` : `${JSON.stringify(event)}\n`);
      }
    });
  });
  app.get('/audit-logs/:id', described({ summary: 'One audit event', responses: { 200: '`{success, audit_log}`' } }),
    async (c) => c.json({ success: true, audit_log: await log.show(c.req.param('id')) }));
  app.get('/dns-providers/:id/audit-logs', described({
    summary: 'A provider\'s audit events (its own and its credentials\'), newest first, filtered and paged',
    query: auditQuerySchema.omit({ resource_type: true, resource_id: true }),
    responses: { 200: '`{success, audit_logs, next_cursor}`' },
  }), async (c) => {
    const query = c.req.query();
    const fixed = ['resource_type', 'resource_id'].find((k) => k in query);
    if (fixed) throw invalidQuery(fixed, 'not here: this list is one provider\'s; use GET /api/v1/audit-logs');
    const page = await log.list({ ...parseAuditFilter(query), providerId: c.req.param('id') });
    return c.json({ success: true, audit_logs: page.events, next_cursor: page.nextCursor });
  });
  return app;
}
