// Phase timing (src/phases.ts) at the challenge service's seams: each collaborator is wrapped once where the service is
// built, so the service body reads as its steps and the Server-Timing phases still add up.
import type { Database } from '../db/client.js';
import { spend, timed, type Phase } from '../phases.js';

type AsyncMethod = (...args: never[]) => Promise<unknown>;

/** `target`'s methods `names`, each call counted to `phase`. */
export function timedMethods<T extends object, K extends keyof T>(phase: Phase, target: T, names: readonly K[]): Pick<T, K> {
  const out: Partial<Record<K, unknown>> = {};
  for (const name of names) {
    const fn = target[name] as unknown as (...args: unknown[]) => Promise<unknown>;
    out[name] = (...args: unknown[]) => timed(phase, () => fn.apply(target, args));
  }
  return out as Pick<T, K>;
}

/** Prepared statements whose every execute counts to `db`. */
export function timedStatements<Q extends Record<string, { execute: AsyncMethod }>>(q: Q): Q {
  return Object.fromEntries(Object.entries(q).map(([name, statement]) => [name, timedMethods('db', statement, ['execute'])])) as Q;
}

/** The database's name lock; the time spent taking and releasing it (not the time inside) is the `lock` phase. */
export function timedLock(database: Database): <T>(key: string, fn: () => Promise<T>) => Promise<T> {
  return async (key, fn) => {
    const started = performance.now();
    let inside = 0;
    try {
      return await database.withLock(key, async () => {
        const entered = performance.now();
        try {
          return await fn();
        } finally {
          inside = performance.now() - entered;
        }
      });
    } finally {
      spend('lock', performance.now() - started - inside);
    }
  };
}
