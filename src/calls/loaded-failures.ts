// How a loaded plugin's failures become the daemon's errors: its own words are log detail, never part of a reply.
import { AppError, isAppError, type Delivery } from '../errors.js';
import type { FailureOptions } from '../plugin-api/index.js';

/** What `host.fail` throws (src/plugin-loader/host.ts): a loaded plugin's failure with what it says was sent. */
export class PluginFailure extends Error {
  readonly delivery: Delivery;
  readonly retryable: boolean;

  constructor(message: string, opts: FailureOptions) {
    super(message);
    this.name = 'PluginFailure';
    // A module written in JavaScript may pass anything: what it does not say clearly counts as "maybe sent".
    this.delivery = opts?.refused === true ? 'refused' : opts?.sent === false ? 'not_sent' : 'maybe';
    this.retryable = typeof opts?.retryable === 'boolean' ? opts.retryable : this.delivery !== 'refused';
  }
}

/**
 * Wraps a loaded plugin's call so its failure becomes PROVIDER_ERROR ("provider <name> failed") with the plugin's
 * message as log detail only: a `host.fail` keeps what it says was sent; a plain Error counts as maybe sent.
 */
export function withLogDetail<C, T>(fn: (ctx: C) => Promise<T>, providerName: string): (ctx: C) => Promise<T> {
  return async (ctx) => {
    try {
      return await fn(ctx);
    } catch (err) {
      if (isAppError(err) || !(err instanceof Error) || err.name === 'AbortError' || (err as { code?: string }).code === 'EOPENBREAKER') throw err;
      const said = err instanceof PluginFailure ? { retryable: err.retryable, delivery: err.delivery } : { retryable: true };
      throw new AppError('PROVIDER_ERROR', `provider ${providerName} failed`, { ...said, cause: err, logDetail: err.message.slice(0, 500) });
    }
  };
}
