// How long a provider's challenges live and how often DNS is asked for them: the plugin's credentials, then the row, then the type's defaults.
import type { DnsProviderRow } from '../db/schema.js';
import type { AnyProviderPlugin } from '../providers/plugin.js';

export interface ChallengeTiming {
  /** How long `wait=propagated` keeps checking. */
  propagationTimeoutS: number;
  /** Seconds between two checks of one row. */
  pollingIntervalS: number;
  /** From creation to expires_at. */
  lifetimeMs: number;
}

/** `graceMs` is added for automated types only: an operator's countdown (manual) ends when it says. */
export function timingOf(plugin: AnyProviderPlugin, provider: DnsProviderRow, credentials: unknown, graceMs: number): ChallengeTiming {
  const own = plugin.timing?.(credentials);
  if (own) return { propagationTimeoutS: own.lifetime, pollingIntervalS: own.pollingInterval, lifetimeMs: own.lifetime * 1000 };
  const propagationTimeoutS = provider.propagationTimeout ?? plugin.defaults.propagationTimeout;
  return {
    propagationTimeoutS,
    pollingIntervalS: provider.pollingInterval ?? plugin.defaults.pollingInterval,
    lifetimeMs: propagationTimeoutS * 1000 + graceMs,
  };
}
