// What the console shows of a provider's guards: its circuit breaker, its rate limit (used and refused).
import { GUARD_DEFAULTS } from '../../calls/guards.js';
import type { DnsProviderRow } from '../../db/schema.js';
import type { UiDeps } from '../deps.js';
import { Badge } from '../layout.js';

export type BreakerState = 'closed' | 'half-open' | 'open';

export interface GuardState {
  breaker: BreakerState;
  /** Calls a minute the provider may make (its setting, else its type's own, else the default). */
  limitPerMinute: number;
  /** Calls the rate limit refused since this process started. */
  limitRefusals: number;
  /** Slots taken in the current minute (every replica's with REDIS_URL, else this one's), null when the limiter cannot say. */
  limitUsed: number | null;
  /** The budget is shared by every replica (REDIS_URL), not this replica's own. */
  limitShared: boolean;
}

const BREAKER: Record<number, BreakerState> = { 0: 'closed', 1: 'half-open', 2: 'open' };

/**
 * Read from the metrics the guards keep (src/calls/guards.ts), by provider name: the breaker's gauge exists once a
 * provider has been called in this process; before that its breaker is closed.
 */
export async function guardStates(deps: Pick<UiDeps, 'ops' | 'calls'>, rows: DnsProviderRow[]): Promise<Map<string, GuardState>> {
  const { breakerState, rateLimited } = deps.ops.metrics;
  const byName = async (metric: typeof breakerState | typeof rateLimited) =>
    new Map((await metric.get()).values.map((v) => [String(v.labels.provider), v.value]));
  const [breakers, refusals, used] = await Promise.all([byName(breakerState), byName(rateLimited), Promise.all(rows.map((r) => deps.calls.rateUsed(r.id)))]);
  return new Map(rows.map((row, i) => {
    let own: number | undefined;
    try {
      own = deps.calls.catalogue.plugin(row.providerType).rateLimit?.perMinute;
    } catch {
      own = undefined;
    }
    return [row.id, {
      breaker: BREAKER[breakers.get(row.name) ?? 0] ?? 'closed',
      limitPerMinute: row.settings.rateLimitPerMinute ?? own ?? GUARD_DEFAULTS.rateLimitPerMinute,
      limitRefusals: refusals.get(row.name) ?? 0,
      limitUsed: used[i]?.used ?? null,
      limitShared: used[i]?.shared ?? false,
    }];
  }));
}

/** "3 of 600 used in the last minute (this replica)": the headroom an operator reads before a burst of renewals. */
export function limitUse(g: GuardState): string {
  const scope = g.limitShared ? 'all replicas' : 'this replica';
  return g.limitUsed === null ? `${g.limitPerMinute} a minute (use unknown: the limiter did not answer)` : `${g.limitUsed} of ${g.limitPerMinute} used in the last minute (${scope})`;
}

export function BreakerBadge(props: { state: BreakerState }) {
  const tone = props.state === 'open' ? 'bad' : props.state === 'half-open' ? 'warn' : 'good';
  return <Badge tone={tone}>{`breaker ${props.state}`}</Badge>;
}
