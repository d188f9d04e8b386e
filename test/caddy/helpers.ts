// Helpers for the Caddy tests: a log that records, a client that counts pushes, raw admin reads, and polling.
import { CaddyAdminClient } from '../../src/caddy/admin-client.js';
import type { CaddySyncClient, SyncLogger } from '../../src/caddy/sync.js';
import type { CaddyPolicy } from '../../src/caddy/types.js';
import { caddyAdmin } from '../support/caddy.js';

export interface LogLine { level: string; obj: object; msg: string }

export function recordingLog(): SyncLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: string) => (obj: object, msg: string) => { lines.push({ level, obj, msg }); };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn') };
}

/** The real admin client, counting how often the sync asked it to write. */
export function countingClient(inner: CaddyAdminClient): CaddySyncClient & { pushes: number; reads: number } {
  const c = {
    pushes: 0,
    reads: 0,
    readOwnedPolicies: async () => { c.reads++; return inner.readOwnedPolicies(); },
    replaceOwnedPolicies: async (p: CaddyPolicy[]) => { c.pushes++; return inner.replaceOwnedPolicies(p); },
  };
  return c;
}

/** GET a config path straight from Caddy (no client code in between). */
export async function caddyGet(adminUrl: string, path: string): Promise<unknown> {
  const { status, text } = await caddyAdmin(adminUrl, `/config/${path}`);
  if (status !== 200) throw new Error(`GET ${path}: ${status} ${text}`);
  return JSON.parse(text);
}

/** Polls until `check` returns true; fails with `what` after a generous limit (this waits, it does not time). */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, limitMs = 30_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A policy stock Caddy accepts (no dns.providers module): enough to exercise the sync and the client. */
export function internalPolicy(id: string, subjects: string[]): CaddyPolicy {
  return { '@id': `dns01-proxy-${id}`, subjects, issuers: [{ module: 'internal' }] };
}

export const OPERATOR_POLICY = { '@id': 'operator-policy', subjects: ['operator.example.com'], issuers: [{ module: 'internal' }] };

/** An HTTP server nothing connects to: port 0, so no port picked beforehand can be taken meanwhile. */
export const OPERATOR_LISTEN = '127.0.0.1:0';

/** Caddy's own config that the sync must leave alone: an HTTP server and someone else's policy. */
export function operatorConfig(): Record<string, unknown> {
  return {
    apps: {
      http: {
        servers: {
          web: {
            listen: [OPERATOR_LISTEN],
            routes: [{ handle: [{ handler: 'static_response', body: 'operator' }] }],
          },
        },
      },
      tls: { automation: { policies: [OPERATOR_POLICY] } },
    },
  };
}

/** The acmeproxy passwords in these policies: the Caddy sync's client token (src/caddy/token.ts). */
export function acmeproxyPasswords(policies: unknown[]): string[] {
  const found = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.name === 'acmeproxy' && typeof o.password === 'string') found.add(o.password);
      Object.values(o).forEach(walk);
    }
  };
  walk(policies);
  return [...found];
}

/** What GET /api/v1/caddy/config shows for policies Caddy holds: each of `secrets` masked. */
export function masked<T>(value: T, secrets: string[]): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return secrets.includes(v) ? '********' : v;
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}
