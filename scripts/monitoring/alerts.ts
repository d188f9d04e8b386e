// The alert rules, one source for deploy/monitoring/ (scripts/monitoring/generate.ts writes the plain rules file,
// the PrometheusRule and the promtool unit tests from this list). Each alert's runbook is its section of
// docs/operations.md ("Alert runbooks"); every expression uses metrics of src/metrics.ts.

export type Severity = 'critical' | 'warning' | 'info';

/** One input series of a promtool unit test, in promtool's expanding notation (`0+1x30`, `2x10`). */
export interface Series { series: string; values: string }

export interface Alert {
  alert: string;
  expr: string;
  /** Prometheus duration the expression must hold before the alert fires; none: fires at once. */
  for?: string;
  severity: Severity;
  summary: string;
  description: string;
  /** A promtool unit test that fires the alert: synthetic series (1m apart), when, and the labels it fires with. */
  fires: { series: Series[]; at: string; labels: Record<string, string> };
}

/** The scrape job's name the rules expect (the ServiceMonitor in deploy/components/monitoring sets it). */
export const JOB = 'dns01-proxy';

const hook = 'provider="hook",provider_type="webhook"';

export const alerts: Alert[] = [
  {
    alert: 'Dns01ProxyDown',
    expr: `up{job="${JOB}"} == 0`,
    for: '5m',
    severity: 'critical',
    summary: 'Prometheus cannot scrape dns01-proxy.',
    description: 'The daemon, or the Caddy ops listener in front of it, has not answered GET /metrics for 5 minutes: ACME clients that use it cannot get certificates.',
    fires: { series: [{ series: `up{job="${JOB}",instance="pod-a:9153"}`, values: '0x10' }], at: '6m', labels: { job: JOB, instance: 'pod-a:9153' } },
  },
  {
    alert: 'Dns01ProviderCircuitOpen',
    expr: 'max by (provider) (dns01_provider_breaker_state) == 2',
    for: '1m',
    severity: 'critical',
    summary: 'A provider\'s circuit breaker is open.',
    description: 'Calls to this provider failed in a row and its circuit is open on at least one replica: new challenges through it are answered 503 PROVIDER_CIRCUIT_OPEN until a trial call succeeds.',
    fires: { series: [{ series: 'dns01_provider_breaker_state{provider="hook"}', values: '0 2 2 2 2' }], at: '3m', labels: { provider: 'hook' } },
  },
  {
    alert: 'Dns01PresentErrors',
    expr: 'sum by (provider, provider_type) (rate(dns01_plugin_call_duration_seconds_count{step="present",outcome="error"}[15m])) > 0',
    for: '15m',
    severity: 'critical',
    summary: 'Presents through a provider keep failing.',
    description: 'For 15 minutes, present calls to this provider have ended in errors (webhook down, wrong TSIG key, script broken): the challenges they were for fail.',
    fires: {
      series: [{ series: `dns01_plugin_call_duration_seconds_count{${hook},step="present",outcome="error"}`, values: '0+1x40' }],
      at: '30m', labels: { provider: 'hook', provider_type: 'webhook' },
    },
  },
  {
    alert: 'Dns01Internal5xx',
    expr: 'sum(rate(dns01_http_requests_total{route="internal",status=~"5.."}[5m])) > 0',
    for: '10m',
    severity: 'critical',
    summary: 'The internal challenge API keeps answering 5xx.',
    description: 'For 10 minutes, requests to /internal/* (Caddy, lego, acme.sh, certbot) have been answered with server errors: an open circuit, a provider failing, or the database away.',
    fires: { series: [{ series: 'dns01_http_requests_total{route="internal",status="503"}', values: '0+1x20' }], at: '15m', labels: {} },
  },
  {
    alert: 'Dns01AuditEventsDropped',
    expr: 'increase(dns01_audit_events_dropped_total{reason!="rate_limited"}[15m]) > 0',
    severity: 'critical',
    summary: 'The audit log has gaps.',
    description: 'Audit events were dropped because the database was slow, away or refused the INSERT, or the daemon stopped with events queued.',
    fires: { series: [{ series: 'dns01_audit_events_dropped_total{reason="queue_full"}', values: '0 0 5 5 5' }], at: '4m', labels: { reason: 'queue_full' } },
  },
  {
    alert: 'Dns01ChallengeWritesPending',
    expr: 'max(dns01_challenge_writes_pending) > 0',
    for: '5m',
    severity: 'warning',
    summary: 'Challenge updates have waited for the database for 5 minutes.',
    description: 'Provider calls succeeded but their rows could not be written: the database has been unreachable from a replica for 5 minutes. The updates are held in that replica\'s memory and lost if it stops.',
    fires: { series: [{ series: 'dns01_challenge_writes_pending', values: '3x10' }], at: '6m', labels: {} },
  },
  {
    alert: 'Dns01LoginLockouts',
    expr: 'sum by (door, reason) (increase(dns01_login_refusals_total{reason!="wrong_credential"}[15m])) > 0',
    severity: 'warning',
    summary: 'A source address or an account was locked out by the login limits.',
    description: 'Someone kept sending wrong secrets to this door until the login limits answered 429: a client with an old secret, or someone guessing.',
    fires: { series: [{ series: 'dns01_login_refusals_total{door="admin_api",reason="source_limited"}', values: '0 3 3 3' }], at: '2m', labels: { door: 'admin_api', reason: 'source_limited' } },
  },
  {
    alert: 'Dns01PluginRefusals',
    expr: 'sum by (provider, code) (increase(dns01_plugin_refusals_total[1h])) > 0',
    severity: 'info',
    summary: 'A provider refuses some names.',
    description: 'The provider answered no for some names (a grant missing in the DNS server\'s policy, a name the webhook does not serve): those challenges failed while the provider stays healthy.',
    fires: {
      series: [{ series: 'dns01_plugin_refusals_total{provider="bind",provider_type="rfc2136",step="present",code="DNS_UPDATE_REFUSED"}', values: '0 1 1' }],
      at: '2m', labels: { provider: 'bind', code: 'DNS_UPDATE_REFUSED' },
    },
  },
  {
    alert: 'Dns01CleanupErrors',
    expr: 'sum by (provider) (increase(dns01_plugin_call_duration_seconds_count{step="cleanup",outcome=~"error|circuit_open"}[1h])) > 0',
    severity: 'warning',
    summary: 'Cleanups through a provider are failing.',
    description: 'Records that should have been removed are staying in DNS until the janitor gets through.',
    fires: { series: [{ series: `dns01_plugin_call_duration_seconds_count{${hook},step="cleanup",outcome="error"}`, values: '0 1 1' }], at: '2m', labels: { provider: 'hook' } },
  },
  {
    alert: 'Dns01RateLimited',
    expr: 'sum by (provider) (increase(dns01_rate_limit_rejections_total[15m])) > 0',
    severity: 'warning',
    summary: 'Calls are being refused by a provider\'s rate limit.',
    description: 'Challenges through this provider were answered 429 (WEBHOOK_RATE_LIMITED, PROVIDER_RATE_LIMITED): a client is looping, or the provider\'s rate_limit_per_minute is too low for the load.',
    fires: { series: [{ series: 'dns01_rate_limit_rejections_total{provider="hook"}', values: '0 4 4' }], at: '2m', labels: { provider: 'hook' } },
  },
  {
    alert: 'Dns01ChallengesExpiring',
    expr: 'sum by (provider) (increase(dns01_challenge_transitions_total{state="EXPIRED"}[1h])) > 0',
    severity: 'info',
    summary: 'Challenges expired before their cleanup came.',
    description: 'A client never called cleanup, or gave up; the janitor removed the records.',
    fires: { series: [{ series: 'dns01_challenge_transitions_total{state="EXPIRED",provider="hook"}', values: '0 1 1' }], at: '2m', labels: { provider: 'hook' } },
  },
  {
    alert: 'Dns01ActiveChallengesHigh',
    expr: 'sum(max by (state, provider) (dns01_challenges{state=~"CREATED|PENDING|VERIFYING"})) > 50',
    for: '30m',
    severity: 'warning',
    summary: 'More than 50 challenges have been active for 30 minutes.',
    description: 'Challenges are piling up unfinished: propagation never seen, or clients that do not clean up.',
    fires: { series: [{ series: 'dns01_challenges{state="PENDING",provider="hook"}', values: '60x40' }], at: '35m', labels: {} },
  },
  {
    alert: 'Dns01PluginSlow',
    expr: 'histogram_quantile(0.95, sum by (le, provider) (rate(dns01_plugin_call_duration_seconds_bucket{step="present"}[15m]))) > 10',
    for: '15m',
    severity: 'warning',
    summary: 'Presents through a provider are slow (p95 over 10 s).',
    description: 'For 15 minutes, the slowest 5 % of present calls to this provider took more than 10 seconds: ACME clients may time out.',
    fires: {
      series: [
        { series: `dns01_plugin_call_duration_seconds_bucket{${hook},step="present",outcome="ok",le="10"}`, values: '0x40' },
        { series: `dns01_plugin_call_duration_seconds_bucket{${hook},step="present",outcome="ok",le="30"}`, values: '0+1x40' },
        { series: `dns01_plugin_call_duration_seconds_bucket{${hook},step="present",outcome="ok",le="+Inf"}`, values: '0+1x40' },
      ],
      at: '35m', labels: { provider: 'hook' },
    },
  },
  {
    alert: 'Dns01JanitorFailing',
    expr: 'increase(dns01_janitor_runs_total{outcome="error"}[15m]) > 0',
    for: '15m',
    severity: 'warning',
    summary: 'The janitor keeps failing.',
    description: 'For 15 minutes, janitor runs have ended in errors (usually the database): expired challenges and leftover records are not being cleaned up.',
    fires: { series: [{ series: 'dns01_janitor_runs_total{outcome="error"}', values: '0+1x40' }], at: '30m', labels: { outcome: 'error' } },
  },
  {
    alert: 'Dns01OrphanRecordsRemoved',
    expr: 'increase(dns01_janitor_records_removed_total[1h]) > 0',
    severity: 'info',
    summary: 'The janitor removed records nobody cleaned up.',
    description: 'Challenges ended without a successful cleanup (expired, failed, interrupted) and the janitor removed their records: look at the clients.',
    fires: { series: [{ series: 'dns01_janitor_records_removed_total', values: '0 2 2' }], at: '2m', labels: {} },
  },
  {
    alert: 'Dns01StuckRecords',
    expr: 'max(dns01_janitor_stuck_records) > 0',
    severity: 'warning',
    summary: 'The janitor gave up on records it could not remove.',
    description: 'Records whose cleanup failed 10 times may still be in DNS; the janitor no longer retries them. Remove them by hand.',
    fires: { series: [{ series: 'dns01_janitor_stuck_records', values: '1x5' }], at: '1m', labels: {} },
  },
  {
    alert: 'Dns01EncryptionRowsUnreadable',
    expr: 'max by (column) (dns01_encryption_rows_unreadable) > 0',
    severity: 'critical',
    summary: 'Encrypted rows are sealed under a key this replica does not have.',
    description: 'Providers, zone credentials or TSIG keys encrypted under a key that is not configured cannot be used.',
    fires: {
      series: [{ series: 'dns01_encryption_rows_unreadable{column="dns_providers.credentials_encrypted"}', values: '2x5' }],
      at: '1m', labels: { column: 'dns_providers.credentials_encrypted' },
    },
  },
  {
    alert: 'Dns01CaddySyncFailing',
    expr: 'dns01_caddy_sync_consecutive_failures > 3',
    for: '10m',
    severity: 'warning',
    summary: 'A replica\'s Caddy sync keeps failing.',
    description: 'Caddy cannot be reached, or refuses the pushed TLS policies as a whole; Caddy keeps its last good config, so provider and site changes do not reach it.',
    fires: { series: [{ series: 'dns01_caddy_sync_consecutive_failures', values: '5x20' }], at: '15m', labels: {} },
  },
  {
    alert: 'Dns01CaddySyncStale',
    expr: 'time() - dns01_caddy_sync_last_success_timestamp_seconds > 3600 and dns01_caddy_sync_last_success_timestamp_seconds > 0',
    severity: 'warning',
    summary: 'No successful Caddy sync on a replica for an hour.',
    description: 'The last successful push of TLS policies to Caddy is more than an hour old.',
    // The last success at Unix time 60; at 70 minutes that is 69 minutes ago.
    fires: { series: [{ series: 'dns01_caddy_sync_last_success_timestamp_seconds', values: '60x80' }], at: '70m', labels: {} },
  },
  {
    alert: 'Dns01CaddyPoliciesRefused',
    expr: 'max by (provider) (dns01_caddy_policies_refused) > 0',
    for: '15m',
    severity: 'warning',
    summary: 'Caddy refuses a provider\'s TLS policy.',
    description: 'The sync left this provider\'s policy out because Caddy refused it (a dns.providers module missing from the Caddy build, a bad credential): names of its sites get no certificates through it.',
    fires: { series: [{ series: 'dns01_caddy_policies_refused{provider="cf-main"}', values: '1x20' }], at: '16m', labels: { provider: 'cf-main' } },
  },
  {
    alert: 'Dns01CaddyProvidersSkipped',
    expr: 'max(dns01_caddy_providers_skipped) > 0',
    for: '15m',
    severity: 'warning',
    summary: 'Providers are missing from Caddy\'s config.',
    description: 'Providers were left out of the config pushed to Caddy: credentials unreadable or invalid, unknown type, or no Caddy config.',
    fires: { series: [{ series: 'dns01_caddy_providers_skipped', values: '1x20' }], at: '16m', labels: {} },
  },
];
