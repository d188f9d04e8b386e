// The audit log: the API's filters (src/audit/listing.ts) in a GET form, newest first with its cursor, each event's
// details behind a <details>, and the API's CSV / NDJSON export (src/http/routes/audit-logs.ts) served with the session.
import { Hono } from 'hono';
import { parseAuditFilter, type AuditPage } from '../../audit/listing.js';
import { AUDIT_CATEGORIES } from '../../audit/writer.js';
import { queryOf } from '../../db/query.js';
import { AUDIT_OUTCOMES, type SecurityAuditRow } from '../../db/schema.js';
import { isAppError, type AppError } from '../../errors.js';
import { auditExport } from '../../http/routes/audit-logs.js';
import type { UiDeps, UiEnv } from '../deps.js';
import { Badge, ErrorProblem, Layout, Table, when } from '../layout.js';

/** The API's filter parameters, in the form's order; `limit` is not in the form, kept when a link carries it. */
const FILTERS = ['actor', 'action', 'category', 'resource_type', 'resource_id', 'outcome', 'q', 'from', 'to', 'limit'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

/** The filters the address holds, empty ones left out (an empty field of the form is "any"). */
function filtersOf(query: Record<string, string>): Filters {
  return Object.fromEntries(FILTERS.map((k) => [k, (query[k] ?? '').trim()])) as Filters;
}

/** The API's query: the filters that hold a value, then `extra` (cursor, format); `leave` names filters to drop. */
function apiQuery(f: Filters, extra: Record<string, string> = {}, leave: readonly string[] = []): Record<string, string> {
  const q: Record<string, string> = {};
  for (const k of FILTERS) if (f[k] && !leave.includes(k)) q[k] = f[k];
  return { ...q, ...extra };
}

function queryText(q: Record<string, string>): string {
  const text = new URLSearchParams(q).toString();
  return text ? `?${text}` : '';
}

const listHref = (f: Filters, cursor?: string) => `/ui/audit${queryText(apiQuery(f, cursor ? { cursor } : {}))}`;
/** The export takes the list's filters less the page size. */
const exportHref = (f: Filters, format: 'csv' | 'ndjson') => `/ui/audit/export${queryText(apiQuery(f, { format }, ['limit']))}`;

/** Where an event's resource has its own console page. */
function resourceHref(type: string | null, id: string | null): string | null {
  if (!id || !/^[0-9a-f-]{36}$/.test(id)) return null;
  if (type === 'dns_provider') return `/ui/providers/${id}`;
  if (type === 'challenge') return `/ui/challenges/${id}`;
  return null;
}

function TextFilter(props: { name: keyof Filters; label: string; value: string; placeholder?: string }) {
  return (
    <div>
      <label for={`f-${props.name}`}>{props.label}</label>
      <input id={`f-${props.name}`} name={props.name} type="text" value={props.value} {...(props.placeholder ? { placeholder: props.placeholder } : {})} />
    </div>
  );
}

function Choice(props: { name: keyof Filters; label: string; value: string; options: readonly string[] }) {
  return (
    <div>
      <label for={`f-${props.name}`}>{props.label}</label>
      <select id={`f-${props.name}`} name={props.name}>
        <option value="">any</option>
        {props.options.map((o) => <option value={o} selected={props.value === o}>{o}</option>)}
      </select>
    </div>
  );
}

function AuditPageView(props: { csrf: string; filters: Filters; page: AuditPage | null; error?: AppError; paged: boolean }) {
  const f = props.filters;
  return (
    <Layout title="Audit log" csrf={props.csrf} section="audit">
      <h1>Audit log</h1>
      <form class="card form" method="get" action="/ui/audit" aria-label="Filter audit events">
        <div class="filters">
          <TextFilter name="actor" label="Actor" value={f.actor} placeholder="admin, client:name, daemon" />
          <TextFilter name="action" label="Action" value={f.action} placeholder="dns_provider.create" />
          <Choice name="category" label="Category" value={f.category} options={AUDIT_CATEGORIES} />
          <Choice name="outcome" label="Outcome" value={f.outcome} options={AUDIT_OUTCOMES} />
        </div>
        <div class="filters">
          <TextFilter name="resource_type" label="Resource type" value={f.resource_type} placeholder="dns_provider" />
          <TextFilter name="resource_id" label="Resource id" value={f.resource_id} />
          <TextFilter name="q" label="Text contains" value={f.q} />
        </div>
        <div class="filters">
          <TextFilter name="from" label="At or after" value={f.from} placeholder="2026-01-31T00:00:00Z" />
          <TextFilter name="to" label="Before" value={f.to} placeholder="2026-02-01T00:00:00Z" />
        </div>
        {f.limit ? <input type="hidden" name="limit" value={f.limit} /> : null}
        <div class="actions"><button type="submit" class="primary">Filter</button> <a class="button" href="/ui/audit">Clear</a></div>
      </form>
      {props.error ? <ErrorProblem error={props.error} /> : null}
      {props.page ? (
        <>
          <p>Export every matching event: <a href={exportHref(f, 'ndjson')} download>NDJSON</a> · <a href={exportHref(f, 'csv')} download>CSV</a></p>
          <Events events={props.page.events} />
        </>
      ) : null}
      <p>
        {props.paged ? <><a href={listHref(f)}>Newest first</a>{props.page?.nextCursor ? ' · ' : ''}</> : null}
        {props.page?.nextCursor ? <a href={listHref(f, props.page.nextCursor)} rel="next">Older events</a> : null}
      </p>
    </Layout>
  );
}

function Events(props: { events: SecurityAuditRow[] }) {
  if (props.events.length === 0) return <p class="card muted">No event matches.</p>;
  return (
    <div class="card">
      <Table caption="Audit events, newest first" head={['Time', 'Actor', 'Action', 'Resource', 'Outcome', 'Source address', 'Details']} rows={props.events.map((e) => {
        const href = resourceHref(e.resourceType, e.resourceId);
        const fields = Object.keys(e.details ?? {}).length;
        return [
          when(e.createdAt),
          <span class="name">{e.actor}</span>,
          <code>{e.action}</code>,
          e.resourceType ? <>{e.resourceType}{e.resourceId ? <><br />{href ? <a class="name" href={href}>{e.resourceId}</a> : <span class="name">{e.resourceId}</span>}</> : null}</> : '–',
          <Badge tone={e.outcome === 'success' ? 'good' : 'bad'}>{e.outcome}</Badge>,
          e.sourceIp ?? '–',
          fields === 0 ? <span class="muted">–</span> : (
            <details class="event"><summary>{fields === 1 ? '1 field' : `${fields} fields`}</summary><pre>{JSON.stringify(e.details, null, 2)}</pre></details>
          ),
        ];
      })} />
    </div>
  );
}

export function auditRoutes(deps: UiDeps): Hono<UiEnv> {
  const app = new Hono<UiEnv>();

  app.get('/audit', async (c) => {
    const filters = filtersOf(c.req.query());
    const cursor = c.req.query('cursor');
    const base = { csrf: c.get('csrf'), filters, paged: cursor !== undefined };
    try {
      const page = await deps.auditLog.list(parseAuditFilter(apiQuery(filters, cursor ? { cursor } : {})));
      return c.html(<AuditPageView {...base} page={page} />);
    } catch (err) {
      // A bad filter is the API's 400, shown above the form it came from.
      if (!isAppError(err) || err.status !== 400) throw err;
      return c.html(<AuditPageView {...base} page={null} error={err} />, 400);
    }
  });

  // The API's export, with the console's session instead of the admin token (a link cannot send a bearer header).
  app.get('/audit/export', (c) => {
    const query = Object.fromEntries(Object.entries(queryOf(c.req.url)).filter(([, v]) => v.trim() !== ''));
    return auditExport(c, deps.auditLog, deps.log, query);
  });
  return app;
}
