// The operations endpoints on the wire: /health, /ready and the OpenAPI document itself.
import { z } from 'zod';

export const healthReplySchema = z.strictObject({
  status: z.enum(['ok', 'unhealthy']),
  service: z.literal('dns01-proxy').describe('which daemon answered: a client checks it before it sends a token'),
  version: z.string(),
  instance: z.string().describe('random per process: a new value means a restart or another replica'),
  reason: z.string().optional().describe('why not: a background loop stopped ticking'),
});

export const readyReplySchema = z.strictObject({
  status: z.enum(['ready', 'not_ready']),
  checks: z.record(z.string(), z.looseObject({ ok: z.boolean() })).describe('one entry per check (database, migrations, keys, caddy, …); `ok: false` says which failed'),
});

export const homeReplySchema = z.strictObject({
  service: z.literal('dns01-proxy'),
  version: z.string(),
  page: z.string().describe('the operator page (signs in with the admin token)'),
  api_docs: z.string().describe('this API as an OpenAPI document'),
  health: z.string(),
  cli: z.string().describe('a first CLI command (docs/cli.md)'),
});

export const openApiReplySchema = z.looseObject({
  openapi: z.string(), info: z.looseObject({ title: z.string(), version: z.string() }), paths: z.record(z.string(), z.unknown()),
});
