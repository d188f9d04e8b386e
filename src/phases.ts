// Where one request's time goes (auth, database, lock, plugin I/O...), kept per request for the opt-in Server-Timing header.
import { AsyncLocalStorage } from 'node:async_hooks';

/** The phases a Server-Timing header names, in the order it lists them. */
export type Phase = 'auth' | 'validate' | 'provider' | 'zone' | 'lock' | 'db' | 'limiter' | 'plugin' | 'readback';

class Phases {
  readonly spent = new Map<Phase, number>();
  add(phase: Phase, ms: number): void {
    this.spent.set(phase, (this.spent.get(phase) ?? 0) + ms);
  }
}

const current = new AsyncLocalStorage<Phases>();

/**
 * Runs `fn` with its phases recorded, then returns them as a Server-Timing value. Outside such a run `timed`
 * costs one store lookup, so the daemon pays nothing when the header is off.
 */
export async function recordPhases(fn: () => Promise<void>): Promise<string> {
  const phases = new Phases();
  const started = performance.now();
  await current.run(phases, fn);
  const total = performance.now() - started;
  return [...phases.spent].map(([name, ms]) => `${name};dur=${ms.toFixed(3)}`).concat(`total;dur=${total.toFixed(3)}`).join(', ');
}

/** Counts `fn`'s time to `phase`; with `within`, takes it out of that enclosing phase (read-back inside the plugin call). */
export async function timed<T>(phase: Phase, fn: () => Promise<T>, within?: Phase): Promise<T> {
  const phases = current.getStore();
  if (!phases) return fn();
  const started = performance.now();
  try {
    return await fn();
  } finally {
    const ms = performance.now() - started;
    phases.add(phase, ms);
    if (within) phases.add(within, -ms);
  }
}

/** Counts `ms` already measured. */
export function spend(phase: Phase, ms: number): void {
  current.getStore()?.add(phase, ms);
}

type AsyncMethod = (...args: never[]) => Promise<unknown>;

/**
 * `target`'s methods `names`, each call counted to `phase`: a service's collaborators are wrapped once where it is
 * built, so its body reads as its steps and the phases still add up.
 */
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

type WithLock = <T>(key: string, fn: () => Promise<T>) => Promise<T>;

/** A lock whose taking and releasing (not the time inside) is the `lock` phase. */
export function timedLock(withLock: WithLock): WithLock {
  return async (key, fn) => {
    const started = performance.now();
    let inside = 0;
    try {
      return await withLock(key, async () => {
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
