// Runs a provider's plugin calls (present, cleanup, test) inside the guards, counts the ones running, and ends them on shutdown.
import type { Logger } from 'pino';
import type { AuditSink } from '../audit/writer.js';
import type { ProviderSettings } from '../db/schema.js';
import { AppError, isAppError } from '../errors.js';
import type { AnyProviderPlugin, PluginContext, PresentResult, RecordRequest, TestResult } from '../plugin-api/index.js';
import type { PluginCatalogue } from './catalogue.js';
import type { CallGuards, Step } from './guards.js';
import { withLogDetail } from './loaded-failures.js';

/** Settles with `work`, or rejects with the signal's reason as soon as it aborts (at once when it already has). */
export function abandonOnAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * A provider row made ready for calls: credentials decrypted and parsed, and the plugin that parsed them. Holding
 * the plugin here is what lets a reload swap a type while calls already resolved finish on the old code.
 */
export interface ProviderRuntime {
  id: string;
  name: string;
  type: string;
  credentials: unknown;
  settings: ProviderSettings;
  plugin: AnyProviderPlugin;
  /** Set when the credentials are a zone-specific row's (dns_provider_credentials.id), not the provider's own. */
  credentialId?: string;
}

/** What the credential test endpoint answers: a type with nothing to test says so instead of ok. */
export type TestOutcome = ({ tested: true } & TestResult) | { tested: false; reason: string };

/** Where a finished call is counted (providers/stats.ts): `error` is set for a failure. Must not block. */
export interface CallCounter {
  record(id: string, error?: string): void;
}

export interface PluginCallDeps {
  log: Logger;
  guards: CallGuards;
  /**
   * Told of every finished plugin call (not of refusals by the guards): `providers` by the provider's id, and
   * `credentials` too for a zone-specific credential's call.
   */
  counters?: { providers: CallCounter; credentials: CallCounter };
  /** Script runs are audit events (a script is code the operator placed on this host). */
  audit?: AuditSink;
}

/** What a reply may show of a failed call: the daemon's code and message (a loaded plugin's own words are log detail only). */
function describeFailure(err: unknown): string {
  return (isAppError(err) ? `${err.code}: ${err.message}` : 'INTERNAL_ERROR: the provider call failed').slice(0, 500);
}

export class PluginCalls {
  private readonly shutdown = new AbortController();
  /** Calls running per plugin object, so a replaced plugin is closed only after its last call. */
  private readonly running = new Map<AnyProviderPlugin, { calls: number; idle: (() => void)[] }>();

  constructor(readonly catalogue: PluginCatalogue, private readonly deps: PluginCallDeps) {}

  /** Resolves once no call runs on this plugin object (at once when none does). */
  idle(plugin: AnyProviderPlugin): Promise<void> {
    const r = this.running.get(plugin);
    if (!r) return Promise.resolve();
    return new Promise((resolve) => r.idle.push(resolve));
  }

  async present(p: ProviderRuntime, req: RecordRequest, signal?: AbortSignal): Promise<PresentResult> {
    const { plugin } = p;
    if (!plugin.present) throw new AppError('PROVIDER_NOT_AUTOMATED', `provider type ${p.type} does not create records through the daemon`);
    return this.guarded(p, 'present', true, (ctx) => plugin.present(p.credentials, req, ctx), signal, req.fqdn);
  }

  async cleanup(p: ProviderRuntime, req: RecordRequest, signal?: AbortSignal): Promise<void> {
    const { plugin } = p;
    if (!plugin.present) return;
    await this.guarded(p, 'cleanup', false, (ctx) => plugin.cleanup(p.credentials, req, ctx), signal, req.fqdn);
  }

  /** A type without a test says so (`tested: false`) rather than answering ok for credentials nobody checked. */
  async test(p: ProviderRuntime, signal?: AbortSignal): Promise<TestOutcome> {
    const { plugin } = p;
    if (!plugin.test) {
      const why = plugin.present ? 'the plugin has no way to check them without changing a record' : "Caddy's own module uses them and the daemon never calls the provider";
      return { tested: false, reason: `provider type ${p.type} has no credential test: ${why}` };
    }
    const test = plugin.test;
    const result = await this.guarded(p, 'test', true, (ctx) => test.call(plugin, p.credentials, ctx), signal, undefined, (r) =>
      r.ok ? undefined : `test: ${r.message}`.slice(0, 500),
    );
    return { tested: true, ...result };
  }

  /** Aborted by abortCalls(): the shutdown signal every plugin call gets. */
  get stopping(): AbortSignal {
    return this.shutdown.signal;
  }

  /** For the end of the drain: calls still running are aborted and refused from now on. */
  abortCalls(): void {
    this.shutdown.abort(new AppError('SERVICE_UNAVAILABLE', 'the daemon is shutting down'));
  }

  /** The provider's rate-limit slots taken in the current window and whether replicas share them (the console's headroom). */
  rateUsed(providerId: string): Promise<{ used: number | null; shared: boolean }> {
    return this.deps.guards.rateUsed(providerId);
  }

  /** After a provider's update or delete, so new settings take effect; `oldName` drops its metric series too. */
  forget(providerId: string, oldName?: string): void {
    this.deps.guards.forget(providerId, oldName);
  }

  async close(): Promise<void> {
    await this.deps.guards.close();
  }

  /** Counts the call's outcome; a call cut off by shutdown is not the provider's failure. */
  private counted<T>(p: ProviderRuntime, step: Step, fqdn: string | undefined, work: Promise<T>, failureOf: (result: T) => string | undefined): Promise<T> {
    const onCall = (error: string | undefined) => {
      this.deps.counters?.providers.record(p.id, error);
      if (p.credentialId) this.deps.counters?.credentials.record(p.credentialId, error);
      if (p.type === 'script' && this.deps.audit) {
        this.deps.audit.record({
          action: 'script.run', category: 'script', resourceType: 'dns_provider', resourceId: p.id, outcome: error === undefined ? 'success' : 'failure',
          details: { provider_id: p.id, provider: p.name, step, ...(fqdn ? { fqdn } : {}), ...(error !== undefined ? { error: error.slice(0, 200) } : {}) },
        });
      }
    };
    return work.then(
      (result) => {
        onCall(failureOf(result));
        return result;
      },
      (err: unknown) => {
        if (!this.shutdown.signal.aborted) onCall(describeFailure(err));
        throw err;
      },
    );
  }

  private async guarded<T>(
    p: ProviderRuntime,
    step: Step,
    limited: boolean,
    fn: (ctx: PluginContext) => Promise<T>,
    signal?: AbortSignal,
    fqdn?: string,
    /** For a call that returns its failure instead of throwing it (test): the failure text, or undefined. */
    failureOf: (result: T) => string | undefined = () => undefined,
  ): Promise<T> {
    // Every line a plugin logs names the provider and the name it works on.
    const log = this.deps.log.child({ provider: p.name, provider_id: p.id, provider_type: p.type, step, ...(p.credentialId ? { credential_id: p.credentialId } : {}), ...(fqdn ? { fqdn } : {}) });
    const stop = this.shutdown.signal;
    const ctx: PluginContext = { log, settings: this.catalogue.settings, signal: signal ? AbortSignal.any([signal, stop]) : stop };
    const call = { providerId: p.id, providerName: p.name, settings: p.settings, plugin: p.plugin, step, limited, log, signal: ctx.signal, ...(fqdn ? { fqdn } : {}) };
    // A loaded plugin cannot throw the daemon's AppError: its own words go to the log and the challenge row, never to a reply.
    const run = this.catalogue.isShipped(p.plugin) ? fn : withLogDetail(fn, p.name);
    const r = this.running.get(p.plugin) ?? { calls: 0, idle: [] };
    this.running.set(p.plugin, r);
    r.calls += 1;
    try {
      // A plugin that ignores its signal is abandoned, not awaited: neither shutdown nor a caller's deadline waits on the far side.
      return await this.deps.guards.run(call, () => (ctx.signal.aborted ? Promise.reject(ctx.signal.reason) : this.counted(p, step, fqdn, abandonOnAbort(run(ctx), ctx.signal), failureOf)));
    } finally {
      r.calls -= 1;
      if (r.calls === 0) {
        this.running.delete(p.plugin);
        for (const done of r.idle) done();
      }
    }
  }
}
