// The Grafana dashboard, built as plain JSON (no builder dependency): scripts/monitoring/generate.ts writes it to
// deploy/monitoring/grafana-dashboard.json. Every query uses metrics of src/metrics.ts;
// test/deploy/monitoring-live.test.ts runs each one against a real Prometheus scraping a daemon under load.

export interface Target { expr: string; legendFormat: string }

interface PanelSpec {
  title: string;
  description: string;
  type: 'timeseries' | 'stat' | 'state-timeline';
  unit?: string;
  targets: Target[];
  /** Value → text (the breaker's states). */
  mappings?: Record<string, { text: string; color: string }>;
  /** Width in grid units (24 is the whole row). */
  w?: number;
}

interface Row { title: string; panels: PanelSpec[] }

const t = (expr: string, legendFormat: string): Target => ({ expr, legendFormat });

export const rows: Row[] = [
  {
    title: 'Challenges',
    panels: [
      {
        title: 'Challenges by state',
        description: 'Challenge rows in the database by status (every replica reports the whole database: max, not sum).',
        type: 'stat',
        targets: [t('max by (state) (dns01_challenges)', '{{state}}')],
      },
      {
        title: 'Challenges by provider and state',
        description: 'Challenge rows in the database by provider name and status.',
        type: 'timeseries',
        targets: [t('max by (provider, state) (dns01_challenges)', '{{provider}} {{state}}')],
      },
      {
        title: 'State changes',
        description: 'Challenge state changes a second, by provider and new state, summed over replicas.',
        type: 'timeseries',
        unit: 'ops',
        targets: [t('sum by (provider, state) (rate(dns01_challenge_transitions_total[$__rate_interval]))', '{{provider}} → {{state}}')],
      },
    ],
  },
  {
    title: 'Provider calls',
    panels: [
      {
        title: 'Call latency (p50, p95)',
        description: 'Plugin call latency by provider and step (present, cleanup, test).',
        type: 'timeseries',
        unit: 's',
        targets: [
          t('histogram_quantile(0.5, sum by (le, provider, step) (rate(dns01_plugin_call_duration_seconds_bucket[$__rate_interval])))', 'p50 {{provider}} {{step}}'),
          t('histogram_quantile(0.95, sum by (le, provider, step) (rate(dns01_plugin_call_duration_seconds_bucket[$__rate_interval])))', 'p95 {{provider}} {{step}}'),
        ],
      },
      {
        title: 'Calls by outcome',
        description: 'Plugin calls a second by provider and outcome: ok, error (refusals included), rate_limited, circuit_open.',
        type: 'timeseries',
        unit: 'ops',
        targets: [t('sum by (provider, outcome) (rate(dns01_plugin_call_duration_seconds_count[$__rate_interval]))', '{{provider}} {{outcome}}')],
      },
      {
        title: 'Circuit breakers',
        description: 'Each provider\'s breaker, the worst state over replicas: closed, half-open, open.',
        type: 'state-timeline',
        targets: [t('max by (provider) (dns01_provider_breaker_state)', '{{provider}}')],
        mappings: { 0: { text: 'closed', color: 'green' }, 1: { text: 'half-open', color: 'orange' }, 2: { text: 'open', color: 'red' } },
      },
      {
        title: 'Rate-limit refusals',
        description: 'Calls refused by a provider\'s rate limit (answered 429 WEBHOOK_RATE_LIMITED or PROVIDER_RATE_LIMITED), summed over replicas.',
        type: 'timeseries',
        unit: 'short',
        targets: [t('sum by (provider) (increase(dns01_rate_limit_rejections_total[$__rate_interval]))', '{{provider}}')],
      },
      {
        title: 'Refused names',
        description: 'Calls the provider refused for that one name (not counted by the breaker), by provider and error code.',
        type: 'timeseries',
        unit: 'short',
        targets: [t('sum by (provider, code) (increase(dns01_plugin_refusals_total[$__rate_interval]))', '{{provider}} {{code}}')],
      },
    ],
  },
  {
    title: 'Caddy sync',
    panels: [
      {
        title: 'Caddy sync runs',
        description: 'Sync runs by outcome: pushed, unchanged, refused (some policies left out), failed.',
        type: 'timeseries',
        unit: 'short',
        targets: [t('sum by (outcome) (increase(dns01_caddy_sync_pushes_total[$__rate_interval]))', '{{outcome}}')],
      },
      {
        title: 'Since the last successful sync',
        description: 'Per replica; only meaningful with DNS01_CADDY_ADMIN_URL set.',
        type: 'stat',
        unit: 's',
        targets: [t('time() - (dns01_caddy_sync_last_success_timestamp_seconds > 0)', '{{instance}}')],
      },
      {
        title: 'Failed syncs in a row',
        description: 'Consecutive failed Caddy sync runs per replica (0 after a success).',
        type: 'timeseries',
        unit: 'short',
        targets: [t('dns01_caddy_sync_consecutive_failures', '{{instance}}')],
      },
      {
        title: 'Providers left out of Caddy',
        description: 'Policies Caddy refused, by provider, and providers skipped for unreadable credentials.',
        type: 'timeseries',
        unit: 'short',
        targets: [
          t('max by (provider) (dns01_caddy_policies_refused)', 'refused {{provider}}'),
          t('max(dns01_caddy_providers_skipped)', 'skipped'),
        ],
      },
    ],
  },
  {
    title: 'Audit and database',
    panels: [
      {
        title: 'Audit events',
        description: 'Audit events written, and dropped by reason; anything dropped but rate_limited is a gap in the audit log.',
        type: 'timeseries',
        unit: 'short',
        targets: [
          t('sum(increase(dns01_audit_events_written_total[$__rate_interval]))', 'written'),
          t('sum by (reason) (increase(dns01_audit_events_dropped_total[$__rate_interval]))', 'dropped {{reason}}'),
        ],
      },
      {
        title: 'Database health',
        description: 'Challenge updates waiting for the database (non-zero while it is unreachable), janitor runs by outcome (errors are usually the database), and records the janitor gave up on.',
        type: 'timeseries',
        unit: 'short',
        targets: [
          t('max by (instance) (dns01_challenge_writes_pending)', 'writes pending {{instance}}'),
          t('sum by (outcome) (increase(dns01_janitor_runs_total[$__rate_interval]))', 'janitor {{outcome}}'),
          t('max(dns01_janitor_stuck_records)', 'stuck records'),
        ],
      },
      {
        title: 'HTTP requests',
        description: 'Requests a second by route family and status.',
        type: 'timeseries',
        unit: 'reqps',
        targets: [t('sum by (route, status) (rate(dns01_http_requests_total[$__rate_interval]))', '{{route}} {{status}}')],
      },
      {
        title: 'Event loop lag',
        description: 'Node.js event loop lag per replica.',
        type: 'timeseries',
        unit: 's',
        targets: [t('dns01_nodejs_eventloop_lag_seconds', '{{instance}}')],
      },
    ],
  },
];

const datasource = { type: 'prometheus', uid: '${datasource}' };

function panel(p: PanelSpec, id: number, x: number, y: number, w: number): Record<string, unknown> {
  const mappings = p.mappings
    ? [{ type: 'value', options: Object.fromEntries(Object.entries(p.mappings).map(([v, m], index) => [v, { ...m, index }])) }]
    : [];
  return {
    id,
    type: p.type,
    title: p.title,
    description: p.description,
    datasource,
    gridPos: { h: 8, w, x, y },
    fieldConfig: { defaults: { unit: p.unit ?? 'none', mappings }, overrides: [] },
    options: p.type === 'stat' ? { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, textMode: 'value_and_name' } : {},
    targets: p.targets.map((target, i) => ({ datasource, refId: String.fromCharCode(65 + i), expr: target.expr, legendFormat: target.legendFormat, range: true })),
  };
}

/** The dashboard's JSON model (Grafana 10 and later), with a Prometheus data source picked on import. */
export function dashboard(): Record<string, unknown> {
  const panels: Record<string, unknown>[] = [];
  let id = 1;
  let y = 0;
  for (const row of rows) {
    panels.push({ id: id++, type: 'row', title: row.title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] });
    y += 1;
    let x = 0;
    for (const p of row.panels) {
      const w = p.w ?? 8;
      if (x + w > 24) { x = 0; y += 8; }
      panels.push(panel(p, id++, x, y, w));
      x += w;
    }
    y += 8;
  }
  return {
    title: 'dns01-proxy',
    uid: 'dns01-proxy',
    description: 'Challenges, provider calls, circuit breakers, rate limits, Caddy sync, audit and database health of dns01-proxy (docs/operations.md).',
    tags: ['dns01-proxy'],
    editable: true,
    schemaVersion: 39,
    version: 1,
    time: { from: 'now-6h', to: 'now' },
    refresh: '30s',
    templating: { list: [{ name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', current: {}, hide: 0 }] },
    annotations: { list: [] },
    panels,
  };
}

/** Every query of the dashboard, with the panel it belongs to. */
export function dashboardQueries(): Array<{ panel: string; expr: string }> {
  return rows.flatMap((r) => r.panels.flatMap((p) => p.targets.map((target) => ({ panel: p.title, expr: target.expr }))));
}
