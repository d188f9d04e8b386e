// How long a provider's challenges live and how often DNS is asked for them: the plugin's credentials, then the row (provider or zone credential), then the type's defaults.
import type { AnyProviderPlugin } from '../plugin-api/index.js';

export interface ChallengeTiming {
  /** How long `wait=propagated` keeps checking. */
  propagationTimeoutS: number;
  /** Seconds between two checks of one row. */
  pollingIntervalS: number;
  /** From creation to expires_at. */
  lifetimeMs: number;
}

/** A provider row's timeouts (null: the type's default), or a zone-specific credential's. */
export interface OwnTimeouts {
  propagationTimeout: number | null;
  pollingInterval: number | null;
}

/** `graceMs` is added for automated types only: an operator's countdown (manual) ends when it says. */
export function timingOf(plugin: AnyProviderPlugin, provider: OwnTimeouts, credentials: unknown, graceMs: number): ChallengeTiming {
  const own = plugin.timing?.(credentials);
  if (own) return { propagationTimeoutS: own.lifetime, pollingIntervalS: own.pollingInterval, lifetimeMs: own.lifetime * 1000 };
  const propagationTimeoutS = provider.propagationTimeout ?? plugin.defaults.propagationTimeout;
  return {
    propagationTimeoutS,
    pollingIntervalS: provider.pollingInterval ?? plugin.defaults.pollingInterval,
    lifetimeMs: propagationTimeoutS * 1000 + graceMs,
  };
}
