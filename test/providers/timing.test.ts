// Effective timing, worked out once per runtime: the plugin's own (manual), else the row's columns, else the type's defaults.
import { describe, expect, it } from 'vitest';
import { manualPlugin } from '../../src/plugins/manual/index.js';
import { webhookPlugin } from '../../src/plugins/webhook/index.js';
import { lifetimeMs, recordTtl, rowTimeouts, timingOf } from '../../src/providers/timing.js';

const none = { propagationTimeout: null, pollingInterval: null };

describe('timingOf', () => {
  it('takes the row, else the type defaults, and adds the grace to an automated type', () => {
    const row = timingOf(webhookPlugin, { ttl: 300 }, { propagationTimeout: 90, pollingInterval: 7 }, {});
    expect(row).toEqual({ propagationTimeoutS: 90, pollingIntervalS: 7, ttlS: 300, ownLifetime: false });
    expect(lifetimeMs(row, 5000)).toBe(95_000);
    const defaults = timingOf(webhookPlugin, {}, none, {});
    const d = webhookPlugin.defaults;
    expect(defaults).toEqual({ propagationTimeoutS: d.propagationTimeout, pollingIntervalS: d.pollingInterval, ttlS: d.ttl, ownLifetime: false });
  });

  it("lets the manual type's credentials win over the row, with no grace", () => {
    const t = timingOf(manualPlugin, {}, { propagationTimeout: 120, pollingInterval: 5 }, { timeout_minutes: 30, polling_interval_seconds: 20 });
    expect(t).toEqual({ propagationTimeoutS: 1800, pollingIntervalS: 20, ttlS: manualPlugin.defaults.ttl, ownLifetime: true });
    expect(lifetimeMs(t, 5000)).toBe(1_800_000);
  });

  it('fills a row from the defaults, and the TTL from the settings', () => {
    expect(rowTimeouts(webhookPlugin, { propagationTimeout: 60, pollingInterval: null })).toEqual({ propagationTimeout: 60, pollingInterval: webhookPlugin.defaults.pollingInterval });
    expect(recordTtl(webhookPlugin, {})).toBe(webhookPlugin.defaults.ttl);
    expect(recordTtl(webhookPlugin, { ttl: 42 })).toBe(42);
  });
});
