// The overview: what needs attention first, then health and readiness, the Caddy sync, the providers with their guards,
// and the challenges in flight. Read from the services /health, /ready, /api/v1/caddy and /api/v1/dns-providers use.
import { Hono } from 'hono';
import type { CaddySyncState } from '../../caddy/sync.js';
import type { ChallengeEntry } from '../../challenges/listing.js';
import type { ManualChallenge } from '../../challenges/manual.js';
import { ACTIVE_STATUSES, type DnsProviderRow } from '../../db/schema.js';
import { readiness } from '../../http/ops.js';
import type { UiDeps, UiEnv } from '../deps.js';
import { Badge, clock, Layout, StatusBadge, Table, when } from '../layout.js';
import { BreakerBadge, guardStates, limitUse, type GuardState } from './provider-state.js';

type Check = { ok: boolean; [k: string]: unknown };

interface ProviderLine {
  row: DnsProviderRow;
  guard: GuardState;
  successes: number;
  failures: number;
  lastUsedAt: Date | null;
  lastError: string | null;
  /** false: no configured key opens its credentials. */
  readable: boolean;
}

interface Overview {
  live: boolean;
  ready: { ok: boolean; checks: Record<string, Check> };
  caddy: CaddySyncState | null;
  providers: ProviderLine[];
  inFlight: ChallengeEntry[];
  moreInFlight: boolean;
  manual: ManualChallenge[];
  failedToday: number;
}

interface Attention {
  tone: 'bad' | 'warn' | 'info';
  text: string;
  href?: string;
  link?: string;
}

const IN_FLIGHT = 25;
const DAY_MS = 24 * 3600 * 1000;

async function gather(deps: UiDeps): Promise<Overview> {
  const [ready, rows, inFlight, manual, failed] = await Promise.all([
    readiness(deps.ops),
    deps.providers.list(),
    deps.listing.list({ statuses: [...ACTIVE_STATUSES], limit: IN_FLIGHT }),
    deps.manual.pending(),
    deps.listing.list({ statuses: ['FAILED'], createdAfter: new Date(Date.now() - DAY_MS), limit: 100 }),
  ]);
  const guards = await guardStates(deps, rows);
  return {
    live: deps.ops.loopsHealthy(),
    ready,
    caddy: deps.caddySync?.state() ?? null,
    providers: rows.map((row) => {
      const s = deps.providers.stats.current(row);
      return {
        row, guard: guards.get(row.id)!, successes: s.successCount, failures: s.failureCount, lastUsedAt: s.lastUsedAt, lastError: s.lastError,
        readable: deps.providers.publicCredentials(row) !== null,
      };
    }),
    inFlight: inFlight.challenges,
    moreInFlight: inFlight.nextCursor !== null,
    manual,
    failedToday: failed.challenges.length,
  };
}

/** Worst first: what stops issuance, then what slows it or waits for a person, then what is worth a look. */
function attention(o: Overview): Attention[] {
  const out: Attention[] = [];
  if (!o.live) out.push({ tone: 'bad', text: 'A background loop stopped ticking: /health answers 503 and the process should be restarted.' });
  for (const [name, check] of Object.entries(o.ready.checks)) {
    if (!check.ok) out.push({ tone: 'bad', text: `Readiness check "${name}" fails${typeof check.error === 'string' ? `: ${check.error}` : ''}.` });
  }
  for (const p of o.providers) {
    if (p.guard.breaker === 'open') out.push({ tone: 'bad', text: `Provider ${p.row.name}: its circuit breaker is open, calls are refused until it resets.${p.lastError ? ` Last error: ${p.lastError}` : ''}`, href: `/ui/providers/${p.row.id}`, link: 'Open the provider' });
    if (!p.readable) out.push({ tone: 'bad', text: `Provider ${p.row.name}: no configured key opens its credentials (key version ${p.row.keyVersion}).`, href: `/ui/providers/${p.row.id}`, link: 'Open the provider' });
  }
  for (const r of o.caddy?.refused ?? []) {
    out.push({ tone: 'bad', text: `Caddy refused the policy of provider ${r.name}: ${r.reason}`, href: `/ui/providers/${r.providerId}`, link: 'Open the provider' });
  }
  if (o.caddy && o.caddy.consecutiveFailures > 0) {
    out.push({ tone: 'warn', text: `The Caddy sync failed ${o.caddy.consecutiveFailures} time(s) in a row${o.caddy.lastError ? `: ${o.caddy.lastError}` : ''}.` });
  }
  for (const m of o.manual) {
    out.push({ tone: 'warn', text: `A manual challenge waits for its TXT record: ${m.row.fqdn} (provider ${m.provider.name}).`, href: `/ui/challenges/${m.row.id}`, link: 'Open the challenge' });
  }
  for (const p of o.providers) {
    if (p.guard.breaker === 'half-open') out.push({ tone: 'warn', text: `Provider ${p.row.name}: its circuit breaker is half-open, the next call decides.`, href: `/ui/providers/${p.row.id}`, link: 'Open the provider' });
  }
  if (o.failedToday > 0) {
    out.push({ tone: 'info', text: `${o.failedToday === 100 ? '100 or more' : o.failedToday} challenge(s) failed in the last 24 hours.`, href: '/ui/challenges?status=FAILED', link: 'Show failed challenges' });
  }
  return out;
}

function CheckList(props: { live: boolean; checks: Record<string, Check> }) {
  return (
    <ul class="list">
      <li><Badge tone={props.live ? 'good' : 'bad'}>{props.live ? 'ok' : 'failing'}</Badge> liveness (background loops)</li>
      {Object.entries(props.checks).map(([name, check]) => (
        <li>
          <Badge tone={check.ok ? 'good' : 'bad'}>{check.ok ? 'ok' : 'failing'}</Badge> {name}
          {typeof check.error === 'string' ? <span class="muted">: {check.error}</span> : null}
        </li>
      ))}
    </ul>
  );
}

function CaddyCard(props: { state: CaddySyncState | null }) {
  const s = props.state;
  if (!s) return <p class="muted">Off: DNS01_CADDY_ADMIN_URL is not set, the daemon does not write Caddy's config.</p>;
  return (
    <>
      <p>
        {s.inSync ? <Badge tone="good">in sync</Badge> : <Badge tone={s.consecutiveFailures > 0 || s.refused.length > 0 ? 'bad' : 'warn'}>not in sync</Badge>}
        {' '}Last success {when(s.lastSuccessAt)}; last attempt {when(s.lastAttemptAt)}.
      </p>
      {s.lastError ? <p class="muted">Last error: {s.lastError}</p> : null}
      {s.refused.length ? (
        <>
          <h3 class="label">Refused by Caddy</h3>
          <ul>{s.refused.map((r) => <li><a href={`/ui/providers/${r.providerId}`}>{r.name}</a>: {r.reason}</li>)}</ul>
        </>
      ) : null}
      {s.skipped.length ? (
        <>
          <h3 class="label">Providers left out</h3>
          <ul>{s.skipped.map((p) => <li><a href={`/ui/providers/${p.providerId}`}>{p.name}</a>: {p.message}</li>)}</ul>
        </>
      ) : null}
    </>
  );
}

function ProviderTable(props: { providers: ProviderLine[] }) {
  if (props.providers.length === 0) return <p class="muted">No provider yet. <a href="/ui/providers/new">Add one</a>.</p>;
  return (
    <Table caption="Providers and their guards" head={['Provider', 'Breaker', 'Rate limit', 'Calls', 'Last error']} rows={props.providers.map((p) => [
      <><a class="name" href={`/ui/providers/${p.row.id}`}>{p.row.name}</a><br /><span class="muted">{p.row.providerType}{p.row.enabled ? '' : ', disabled'}</span></>,
      <BreakerBadge state={p.guard.breaker} />,
      <>{limitUse(p.guard)}; {p.guard.limitRefusals ? <strong>{p.guard.limitRefusals} refused by it</strong> : 'none refused'}</>,
      <>{p.successes} ok, {p.failures} failed<br /><span class="muted">last {when(p.lastUsedAt)}</span></>,
      p.lastError ?? <span class="muted">none</span>,
    ])} />
  );
}

function InFlight(props: { items: ChallengeEntry[]; more: boolean }) {
  if (props.items.length === 0) return <p class="muted">No challenge in flight.</p>;
  return (
    <>
      <Table caption="Challenges in flight" head={['Name', 'Provider', 'Status', 'Time left']} rows={props.items.map((e) => [
        <a class="name" href={`/ui/challenges/${e.row.id}`}>{e.row.fqdn}</a>, e.provider.name, <StatusBadge status={e.row.status} />, clock(e.remainingMs),
      ])} />
      {props.more ? <p><a href={`/ui/challenges?status=${ACTIVE_STATUSES.join(',')}`}>All challenges in flight</a></p> : null}
    </>
  );
}

function OverviewPage(props: { o: Overview; csrf: string }) {
  const { o } = props;
  const todo = attention(o);
  return (
    <Layout title="Overview" csrf={props.csrf} section="overview">
      <h1>Overview</h1>
      <section class="card" aria-labelledby="attention-heading">
        <h2 id="attention-heading">What needs attention first</h2>
        {todo.length === 0 ? <p id="all-well">Nothing needs attention: every check passes, no breaker is open, nothing waits for you.</p> : (
          <ol class="attention">
            {todo.map((a) => <li class={a.tone}>{a.text}{a.href ? <> <a href={a.href}>{a.link}</a></> : null}</li>)}
          </ol>
        )}
      </section>
      <div class="grid">
        <section class="card" aria-labelledby="health-heading">
          <h2 id="health-heading">Health and readiness</h2>
          <p><Badge tone={o.live && o.ready.ok ? 'good' : 'bad'}>{o.live && o.ready.ok ? 'ready' : 'not ready'}</Badge> as /health and /ready answer now</p>
          <CheckList live={o.live} checks={o.ready.checks} />
        </section>
        <section class="card" aria-labelledby="caddy-heading">
          <h2 id="caddy-heading">Caddy sync</h2>
          <CaddyCard state={o.caddy} />
        </section>
      </div>
      <section class="card" aria-labelledby="providers-heading">
        <h2 id="providers-heading">Providers</h2>
        <ProviderTable providers={o.providers} />
      </section>
      <section class="card" aria-labelledby="flight-heading">
        <h2 id="flight-heading">Challenges in flight</h2>
        <InFlight items={o.inFlight} more={o.moreInFlight} />
      </section>
    </Layout>
  );
}

export function overviewRoutes(deps: UiDeps): Hono<UiEnv> {
  const app = new Hono<UiEnv>();
  app.get('/overview', async (c) => c.html(<OverviewPage o={await gather(deps)} csrf={c.get('csrf')} />));
  return app;
}
