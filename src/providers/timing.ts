// The timing a provider's challenges run on, worked out once when a runtime is made (ProviderStore, ZoneCredentialStore):
// the plugin's own (from its credentials), else the row's columns (a zone-specific credential's, else the provider's),
// else the type's defaults. The challenge service, the propagation checker and the Caddy policies all read it here.
import type { ProviderRuntime } from '../calls/plugin-calls.js';
import type { ProviderSettings } from '../db/schema.js';
import type { AnyProviderPlugin } from '../plugin-api/index.js';

export interface ChallengeTiming {
  /** How long `wait=propagated` keeps checking, and what Caddy's propagation_timeout is. */
  propagationTimeoutS: number;
  /** Seconds between two checks of one row. */
  pollingIntervalS: number;
  /** The TXT record's TTL. */
  ttlS: number;
  /** The credentials set the lifetime (the manual type's timeout_minutes): an operator's countdown ends when it says, with no grace added. */
  ownLifetime: boolean;
}

/** A provider row's timeouts (null: the type's default), or a zone-specific credential's. */
export interface OwnTimeouts {
  propagationTimeout: number | null;
  pollingInterval: number | null;
}

/** A runtime made by the provider stores: what a plugin call needs, and the timing its challenge runs on. */
export interface TimedRuntime extends ProviderRuntime {
  timing: ChallengeTiming;
}

/** The row's timeouts with the type's defaults filled in: what a catch-all credential row copies from its provider. */
export function rowTimeouts(plugin: Pick<AnyProviderPlugin, 'defaults'>, row: OwnTimeouts): { propagationTimeout: number; pollingInterval: number } {
  return { propagationTimeout: row.propagationTimeout ?? plugin.defaults.propagationTimeout, pollingInterval: row.pollingInterval ?? plugin.defaults.pollingInterval };
}

/** The TTL records of this provider are written with: its settings' ttl, else the type's default. */
export function recordTtl(plugin: Pick<AnyProviderPlugin, 'defaults'>, settings: ProviderSettings): number {
  return settings.ttl ?? plugin.defaults.ttl;
}

/** `credentials` are the parsed ones the runtime carries; `row` is the zone-specific credential row when one answers, else the provider row. */
export function timingOf(plugin: AnyProviderPlugin, settings: ProviderSettings, row: OwnTimeouts, credentials: unknown): ChallengeTiming {
  const ttlS = recordTtl(plugin, settings);
  const own = plugin.timing?.(credentials);
  if (own) return { propagationTimeoutS: own.lifetime, pollingIntervalS: own.pollingInterval, ttlS, ownLifetime: true };
  const t = rowTimeouts(plugin, row);
  return { propagationTimeoutS: t.propagationTimeout, pollingIntervalS: t.pollingInterval, ttlS, ownLifetime: false };
}

/** From creation to expires_at: the propagation timeout, plus `graceMs` for automated types. */
export function lifetimeMs(timing: ChallengeTiming, graceMs: number): number {
  return timing.propagationTimeoutS * 1000 + (timing.ownLifetime ? 0 : graceMs);
}
