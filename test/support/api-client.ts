// HTTP calls against a running daemon's internal and admin APIs, shared by the in-process and child-process harnesses.
import { providerReplySchema } from '../../src/http/wire/providers.js';

export interface ApiClient {
  /** fetch against the internal API with the internal token as basic password (as acmeproxy clients send it). */
  internal(path: string, init?: { method?: string; body?: unknown; raw?: string; headers?: Record<string, string> }): Promise<Response>;
  /** fetch against /api/v1 with the admin bearer token. */
  admin(path: string, init?: { method?: string; body?: unknown }): Promise<Response>;
  /** Creates a provider through the admin API; returns its id. */
  addProvider(body: Record<string, unknown>): Promise<string>;
}

export function apiClient(url: string, internalToken: string, adminToken: string): ApiClient {
  const basic = `Basic ${Buffer.from(`caddy:${internalToken}`).toString('base64')}`;
  const admin: ApiClient['admin'] = (path, init = {}) =>
    fetch(`${url}/api/v1${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
  return {
    internal: (path, init = {}) =>
      fetch(`${url}/internal/dns-challenge${path}`, {
        method: init.method ?? 'POST',
        headers: { authorization: basic, 'content-type': 'application/json', ...init.headers },
        ...(init.raw !== undefined ? { body: init.raw } : init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      }),
    admin,
    addProvider: async (body) => {
      const res = await admin('/dns-providers', { method: 'POST', body });
      const json: unknown = await res.json();
      const reply = providerReplySchema.safeParse(json);
      if (res.status !== 201 || !reply.success) throw new Error(`addProvider failed: ${res.status} ${JSON.stringify(json)}`);
      return reply.data.provider.id;
    },
  };
}
