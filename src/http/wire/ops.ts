// The operations endpoints on the wire: /health, /ready and the OpenAPI document itself.
import { z } from 'zod';

export const healthReplySchema = z.strictObject({
  status: z.enum(['ok', 'unhealthy']),
  reason: z.string().optional().describe('why not: a background loop stopped ticking'),
});

export const readyReplySchema = z.strictObject({
  status: z.enum(['ready', 'not_ready']),
  checks: z.record(z.string(), z.looseObject({ ok: z.boolean() })).describe('one entry per check (database, migrations, keys, caddy, …); `ok: false` says which failed'),
});

export const openApiReplySchema = z.looseObject({
  openapi: z.string(), info: z.looseObject({ title: z.string(), version: z.string() }), paths: z.record(z.string(), z.unknown()),
});
