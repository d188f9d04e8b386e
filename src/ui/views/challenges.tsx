// Challenges of every type: the API's filters (status, provider, name, created after/before) and cursor, and one
// challenge's page with its history (the audit events of its presents, checks and cleanups). A manual provider's
// challenge gets the manual page (views/manual.tsx) with the same history below it.
import { Hono } from 'hono';
import type { Child } from 'hono/jsx';
import { parseChallengeFilter, type ChallengeEntry, type ChallengePage } from '../../challenges/listing.js';
import { isExpired } from '../../challenges/manual.js';
import { CHALLENGE_STATUSES, type SecurityAuditRow } from '../../db/schema.js';
import { AppError, isAppError } from '../../errors.js';
import { manualPlugin } from '../../plugins/manual/index.js';
import { ROW_ID, type UiDeps, type UiEnv } from '../deps.js';
import { Badge, clock, ErrorProblem, Layout, Notice, StatusBadge, Table, when } from '../layout.js';
import { ChallengePage as ManualPage } from './manual.js';

/** The filters as the form sends them: `status` once per ticked box, the rest once. */
interface Filters {
  status: string[];
  provider: string;
  fqdn: string;
  created_after: string;
  created_before: string;
  /** The page size: not in the form, kept when a link carries it. */
  limit: string;
}

const FILTERS = ['provider', 'fqdn', 'created_after', 'created_before', 'limit'] as const;

/** The query the API's list takes (status as its comma list), without empty fields. */
function apiQuery(f: Filters, cursor?: string): Record<string, string> {
  const q: Record<string, string> = {};
  if (f.status.length) q.status = f.status.join(',');
  for (const k of FILTERS) if (f[k].trim()) q[k] = f[k].trim();
  if (cursor) q.cursor = cursor;
  return q;
}

/** A link back to this list: the filters as the form sends them, and the cursor. */
function listHref(f: Filters, cursor?: string): string {
  const p = new URLSearchParams();
  for (const s of f.status) p.append('status', s);
  for (const k of FILTERS) if (f[k].trim()) p.set(k, f[k].trim());
  if (cursor) p.set('cursor', cursor);
  const text = p.toString();
  return `/ui/challenges${text ? `?${text}` : ''}`;
}

function ListPage(props: { csrf: string; filters: Filters; page: ChallengePage | null; error?: AppError; providers: { id: string; name: string }[]; result?: string | undefined; paged: boolean }) {
  const f = props.filters;
  return (
    <Layout title="Challenges" csrf={props.csrf} section="challenges">
      <h1>Challenges</h1>
      <Notice code={props.result} />
      <form class="card form" method="get" action="/ui/challenges" aria-label="Filter challenges">
        <fieldset>
          <legend>Status</legend>
          <div class="filters">
            {CHALLENGE_STATUSES.map((s) => (
              <label class="check"><input type="checkbox" name="status" value={s} checked={f.status.includes(s)} /> {s}</label>
            ))}
          </div>
        </fieldset>
        <div class="filters">
          <div>
            <label for="f-provider">Provider</label>
            <select id="f-provider" name="provider">
              <option value="">any</option>
              {props.providers.map((p) => <option value={p.id} selected={f.provider === p.id || f.provider === p.name}>{p.name}</option>)}
            </select>
          </div>
          <div>
            <label for="f-fqdn">Name contains</label>
            <input id="f-fqdn" name="fqdn" type="search" value={f.fqdn} />
          </div>
          <div>
            <label for="f-after">Created at or after</label>
            <input id="f-after" name="created_after" type="text" placeholder="2026-01-31T00:00:00Z" value={f.created_after} />
          </div>
          <div>
            <label for="f-before">Created before</label>
            <input id="f-before" name="created_before" type="text" placeholder="2026-02-01T00:00:00Z" value={f.created_before} />
          </div>
        </div>
        {f.limit ? <input type="hidden" name="limit" value={f.limit} /> : null}
        <div class="actions"><button type="submit" class="primary">Filter</button> <a class="button" href="/ui/challenges">Clear</a></div>
      </form>
      {props.error ? <ErrorProblem error={props.error} /> : null}
      {props.page ? <Results page={props.page} /> : null}
      <p>
        {props.paged ? <><a href={listHref(f)}>Newest first</a>{props.page?.nextCursor ? ' · ' : ''}</> : null}
        {props.page?.nextCursor ? <a href={listHref(f, props.page.nextCursor)} rel="next">Older challenges</a> : null}
      </p>
    </Layout>
  );
}

function Results(props: { page: ChallengePage }) {
  if (props.page.challenges.length === 0) return <p class="card muted">No challenge matches.</p>;
  return (
    <div class="card">
      <Table caption="Challenges, newest first" head={['Name', 'Provider', 'Status', 'Record', 'Created', 'Time left']} rows={props.page.challenges.map((e) => [
        <><a class="name" href={`/ui/challenges/${e.row.id}`}>{e.row.fqdn}</a>{e.row.delegatedFrom ? <><br /><span class="muted name">asked as {e.row.delegatedFrom}</span></> : null}</>,
        <><a class="name" href={`/ui/providers/${e.provider.id}`}>{e.provider.name}</a><br /><span class="muted">{e.provider.providerType}</span></>,
        <StatusBadge status={e.row.status} />,
        e.row.recordState,
        when(e.row.createdAt),
        e.remainingMs > 0 ? clock(e.remainingMs) : '–',
      ])} />
    </div>
  );
}

/** What the audit log holds of one challenge, oldest first: each present, check and cleanup with its outcome. */
function History(props: { events: SecurityAuditRow[] }) {
  return (
    <section class="card" aria-labelledby="history-heading">
      <h2 id="history-heading">History</h2>
      {props.events.length === 0 ? <p class="muted">No event recorded yet (the audit log is written about a second after each step, and not at all with DNS01_AUDIT_ENABLED=false).</p> : (
        <Table caption="The challenge's events, oldest first" head={['When', 'What', 'Outcome', 'By', 'Details']} rows={props.events.map((e) => [
          when(e.createdAt), <code>{e.action}</code>,
          <Badge tone={e.outcome === 'success' ? 'good' : 'bad'}>{e.outcome}</Badge>, e.actor, <Details details={e.details} />,
        ])} />
      )}
    </section>
  );
}

function Details(props: { details: Record<string, unknown> | null }) {
  const entries = Object.entries(props.details ?? {});
  if (entries.length === 0) return <span class="muted">–</span>;
  return <>{entries.map(([k, v], i) => <>{i ? <br /> : null}<span class="muted">{k}</span>: {typeof v === 'string' ? v : JSON.stringify(v)}</>)}</>;
}

function DetailPage(props: { e: ChallengeEntry; csrf: string; history: Child }) {
  const { row, provider } = props.e;
  const check = row.lastCheck;
  const facts: [string, Child][] = [
    ['Name', <span class="name">{row.fqdn}</span>],
    ...(row.delegatedFrom ? [['Asked as', <span class="name">{row.delegatedFrom}</span>] as [string, Child]] : []),
    ['Zone', row.zone ?? '–'],
    ['Value', <code>{row.value}</code>],
    ['Provider', <><a href={`/ui/providers/${provider.id}`}>{provider.name}</a> ({provider.providerType})</>],
    ['Status', <StatusBadge status={row.status} />],
    ['Record in DNS', row.recordState],
    ['TTL', props.e.ttl === null ? 'unknown (type not loaded)' : `${props.e.ttl} seconds`],
    ['Attempts', `${row.attempts} present, ${row.cleanupAttempts} cleanup`],
    ['Created', when(row.createdAt)],
    ['Expires', `${when(row.expiresAt)}${props.e.remainingMs > 0 ? ` (${clock(props.e.remainingMs)} left)` : ''}`],
    ['Verified', when(row.verifiedAt)],
    ['Finished', when(row.completedAt)],
  ];
  return (
    <Layout title={`Challenge ${row.fqdn}`} csrf={props.csrf} section="challenges">
      <h1>Challenge <span class="name">{row.fqdn}</span></h1>
      {row.error ? <p class="notice bad" role="alert">Error: {row.error}</p> : null}
      <section class="card" aria-label="The challenge">
        <dl class="facts">{facts.map(([k, v]) => <><dt>{k}</dt><dd>{v}</dd></>)}</dl>
      </section>
      <section class="card" aria-labelledby="check-heading">
        <h2 id="check-heading">Last propagation check</h2>
        {!row.lastCheckAt ? <p class="muted">Not checked yet.</p> : (
          <>
            <p>{when(row.lastCheckAt)}: {check?.visible ? <Badge tone="good">seen everywhere</Badge> : <Badge tone="warn">not seen everywhere</Badge>}{check?.resolver ? <span class="muted"> · resolvers {check.resolver}</span> : null}</p>
            {check?.error ? <p class="notice bad">{check.error}</p> : null}
            {check?.servers.length ? (
              <Table caption="What each authoritative server said" head={['Server', 'Serves the value', 'Error']} rows={check.servers.map((s) => [
                <code>{s.server}</code>, s.seen ? 'yes' : 'no', s.error ?? '–',
              ])} />
            ) : null}
          </>
        )}
      </section>
      {props.history}
      <p><a href="/ui/challenges">All challenges</a></p>
    </Layout>
  );
}

export function challengeRoutes(deps: UiDeps): Hono<UiEnv> {
  const app = new Hono<UiEnv>();

  app.get('/challenges', async (c) => {
    const filters: Filters = {
      status: c.req.queries('status') ?? [],
      provider: c.req.query('provider') ?? '', fqdn: c.req.query('fqdn') ?? '',
      created_after: c.req.query('created_after') ?? '', created_before: c.req.query('created_before') ?? '', limit: c.req.query('limit') ?? '',
    };
    // A link or an older form may carry the API's own comma list.
    filters.status = filters.status.flatMap((s) => s.split(',')).map((s) => s.trim().toUpperCase()).filter(Boolean);
    const cursor = c.req.query('cursor');
    const providers = (await deps.providers.list()).map((p) => ({ id: p.id, name: p.name }));
    const base = { csrf: c.get('csrf'), filters, providers, result: c.req.query('result'), paged: cursor !== undefined };
    try {
      const page = await deps.listing.list(parseChallengeFilter(apiQuery(filters, cursor)));
      return c.html(<ListPage {...base} page={page} />);
    } catch (err) {
      // A bad filter is the API's 400, shown above the form it came from.
      if (!isAppError(err) || err.status !== 400) throw err;
      return c.html(<ListPage {...base} page={null} error={err} />, 400);
    }
  });

  app.get('/challenges/:id', async (c) => {
    const id = c.req.param('id');
    if (!ROW_ID.test(id)) throw new AppError('CHALLENGE_NOT_FOUND', 'no challenge with that id');
    const [entry, audit] = await Promise.all([
      deps.listing.show(id),
      deps.auditLog.list({ resourceType: 'challenge', resourceId: id, limit: 100 }),
    ]);
    const history = <History events={audit.events.toReversed()} />;
    if (entry.provider.providerType !== manualPlugin.metadata.type) return c.html(<DetailPage e={entry} csrf={c.get('csrf')} history={history} />);
    const m = await deps.manual.get(id);
    const now = Date.now();
    const seen = /^\d+\/\d+$/.test(c.req.query('seen') ?? '') ? `Seen on ${c.req.query('seen')} authoritative servers.` : undefined;
    return c.html(ManualPage({ m, csrf: c.get('csrf'), result: c.req.query('result'), ...(seen ? { seen } : {}), now, expired: isExpired(m.row, now), history }));
  });
  return app;
}
