// What the console shows of a provider's guards: its circuit breaker, its rate limit and the calls that limit refused.
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
  const [breakers, refusals] = await Promise.all([byName(breakerState), byName(rateLimited)]);
  return new Map(rows.map((row) => {
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
    }];
  }));
}

export function BreakerBadge(props: { state: BreakerState }) {
  const tone = props.state === 'open' ? 'bad' : props.state === 'half-open' ? 'warn' : 'good';
  return <Badge tone={tone}>{`breaker ${props.state}`}</Badge>;
}
