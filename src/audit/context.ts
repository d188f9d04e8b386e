// Who is acting right now: the request's actor, peer and user agent, carried through async calls to whatever records an event.
import { AsyncLocalStorage } from 'node:async_hooks';

export interface AuditScope {
  /** `admin`, `internal`, `client:<token name>`, `janitor`, `anonymous` (not yet authenticated); `daemon` outside any scope. */
  actor: string;
  sourceIp?: string;
  userAgent?: string;
}

const storage = new AsyncLocalStorage<AuditScope>();

/** Runs `fn` with `scope` as the actor of every event recorded inside it (and in work it starts). */
export function withAuditScope<T>(scope: AuditScope, fn: () => T): T {
  return storage.run(scope, fn);
}

/** The scope events recorded now belong to; the daemon itself outside any request or job. */
export function currentScope(): AuditScope {
  return storage.getStore() ?? { actor: 'daemon' };
}

/** Once a request has authenticated: the actor its events name from now on. */
export function setActor(actor: string): void {
  const scope = storage.getStore();
  if (scope) scope.actor = actor;
}
