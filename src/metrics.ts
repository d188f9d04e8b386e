// Prometheus metrics: one registry per daemon instance, so tests can run several in one process.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';

export type Metrics = ReturnType<typeof createMetrics>;

/** Removes every series labelled with this provider name (after a rename or delete), so old names do not linger. */
export async function dropProviderSeries(metrics: Metrics, provider: string): Promise<void> {
  const labelled: Metric<string>[] = [metrics.challengeTransitions, metrics.pluginCallSeconds, metrics.breakerState, metrics.rateLimited, metrics.pluginRefusals];
  for (const metric of labelled) {
    const seen = new Set<string>();
    for (const v of (await metric.get()).values) {
      if (v.labels.provider !== provider) continue;
      // A histogram reports each bucket with `le`; the series itself is keyed without it.
      const { le: _bucket, ...labels } = v.labels as Record<string, string | number>;
      const key = JSON.stringify(labels);
      if (seen.has(key)) continue;
      seen.add(key);
      metric.remove(labels);
    }
  }
}

export function createMetrics(opts: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'dns01_' });
  const r = [registry];
  return {
    registry,
    challenges: new Gauge({ name: 'dns01_challenges', help: 'Challenges in the database by state and provider', labelNames: ['state', 'provider'], registers: r }),
    challengeTransitions: new Counter({ name: 'dns01_challenge_transitions_total', help: 'Challenge state changes', labelNames: ['state', 'provider'], registers: r }),
    pendingWrites: new Gauge({ name: 'dns01_challenge_writes_pending', help: 'Challenge updates after a finished provider call, waiting for the database to come back', registers: r }),
    pluginCallSeconds: new Histogram({
      name: 'dns01_plugin_call_duration_seconds',
      help: 'Provider plugin call latency by provider, step and outcome',
      labelNames: ['provider', 'provider_type', 'step', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: r,
    }),
    breakerState: new Gauge({ name: 'dns01_provider_breaker_state', help: 'Circuit breaker state per provider: 0 closed, 1 half-open, 2 open', labelNames: ['provider'], registers: r }),
    pluginRefusals: new Counter({
      name: 'dns01_plugin_refusals_total',
      help: 'Plugin calls the far side refused for that one request (a name its policy does not grant, a 4xx about the request); not counted by the circuit breaker',
      labelNames: ['provider', 'provider_type', 'step', 'code'],
      registers: r,
    }),
    rateLimited: new Counter({ name: 'dns01_rate_limit_rejections_total', help: 'Plugin calls refused by the per-provider rate limit', labelNames: ['provider'], registers: r }),
    janitorRuns: new Counter({ name: 'dns01_janitor_runs_total', help: 'Janitor runs by outcome', labelNames: ['outcome'], registers: r }),
    janitorRecordsRemoved: new Counter({ name: 'dns01_janitor_records_removed_total', help: 'Records the janitor removed for challenges that were never cleaned up', registers: r }),
    janitorStuckRecords: new Gauge({
      name: 'dns01_janitor_stuck_records',
      help: 'Finished challenges whose record may still exist after the most cleanup attempts the janitor makes; it no longer retries them',
      registers: r,
    }),
    janitorRowsDeleted: new Counter({ name: 'dns01_janitor_rows_deleted_total', help: 'Finished challenge rows hard-deleted after retention', registers: r }),
    auditWritten: new Counter({ name: 'dns01_audit_events_written_total', help: 'Audit events written to security_audits', registers: r }),
    auditDropped: new Counter({
      name: 'dns01_audit_events_dropped_total',
      help: 'Audit events not written: queue_full, database_error, rejected_event (one event the database refused), rate_limited (authentication failures per address), stopped',
      labelNames: ['reason'],
      registers: r,
    }),
    httpRequests: new Counter({ name: 'dns01_http_requests_total', help: 'HTTP requests by route family and status', labelNames: ['route', 'status'], registers: r }),
    dnsDoorMessages: new Counter({ name: 'dns01_dns_door_messages_total', help: 'Messages to the DNS UPDATE door by kind and reply rcode', labelNames: ['kind', 'rcode'], registers: r }),
    caddySyncPushes: new Counter({ name: 'dns01_caddy_sync_pushes_total', help: 'Pushes of TLS policies to Caddy by outcome', labelNames: ['outcome'], registers: r }),
    caddySyncLastSuccess: new Gauge({ name: 'dns01_caddy_sync_last_success_timestamp_seconds', help: 'Unix time of the last successful Caddy sync', registers: r }),
    caddySyncFailures: new Gauge({ name: 'dns01_caddy_sync_consecutive_failures', help: 'Consecutive failed Caddy pushes', registers: r }),
    caddyProvidersSkipped: new Gauge({ name: 'dns01_caddy_providers_skipped', help: 'Providers left out of Caddy config because their credentials could not be read', registers: r }),
    encryptionRowsUnreadable: new Gauge({
      name: 'dns01_encryption_rows_unreadable',
      help: 'Encrypted rows under a key that is not configured, by column (as last counted: start-up, status, each rotation)',
      labelNames: ['column'],
      registers: r,
    }),
    encryptionRowsRotated: new Counter({ name: 'dns01_encryption_rows_rotated_total', help: 'Encrypted rows re-encrypted under the write key by key rotations', registers: r }),
    loginRefusals: new Counter({
      name: 'dns01_login_refusals_total',
      help: 'Refused logins by door (ui, admin_api, acme_dns) and reason: wrong_credential, source_limited, account_limited (answered 429)',
      labelNames: ['door', 'reason'],
      registers: r,
    }),
    caddyPoliciesRefused: new Gauge({ name: 'dns01_caddy_policies_refused', help: 'TLS policies Caddy refused and the sync left out, by provider', labelNames: ['provider'], registers: r }),
  };
}
