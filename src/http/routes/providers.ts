// Admin API for DNS providers and provider types; credentials only ever leave masked.
import { Hono } from 'hono';
import type { Logger } from 'pino';
import { z } from 'zod';
import { parseQuery, queryChoice, queryOf } from '../../db/query.js';
import type { RegisteredType } from '../../calls/catalogue.js';
import type { PluginCalls } from '../../calls/plugin-calls.js';
import { providerInputSchema, providerPatchSchema, type ProviderStore } from '../../providers/store.js';
import { readBody } from '../body.js';
import { audited, noteAudit } from '../audit.js';
import { described } from '../openapi.js';

const CREDENTIALS = 'The keys of `credentials` depend on `provider_type`: GET /api/v1/dns-providers/types/{type}/fields lists them.';
const removeQuery = z.object({ force: queryChoice(['true', 'false'], '`true`: delete even with active challenges; their records may stay in DNS') });

/** The provider type object of docs/api.md#provider-types, with what this daemon adds after `fields`. */
function typeView({ plugin: p, category, fields }: RegisteredType) {
  const m = p.metadata;
  return {
    type: m.type, name: m.name, description: m.description, is_built_in: category === 'built_in', category,
    documentation_url: m.documentationUrl ?? null, interface_version: m.interfaceVersion, version: m.version, author: m.author,
    fields,
    // true: the daemon writes the records (Caddy sends challenges to it); false: Caddy's own module does.
    proxied: Boolean(p.present), defaults: p.defaults, can_test: Boolean(p.test),
  };
}

export function providerRoutes(store: ProviderStore, calls: PluginCalls, log: Logger): Hono {
  const app = new Hono();

  // Registered before /dns-providers/:id, which would otherwise take "types" for an id.
  app.get('/dns-providers/types', described({ summary: 'The provider types and their credential fields', responses: { 200: '`{success, types}`' } }),
    (c) => c.json({ success: true, types: calls.catalogue.types().map(typeView) }));
  app.get('/dns-providers/types/:type/fields', described({
    summary: 'One provider type\'s credential fields', responses: { 200: '`{success, type, fields}`' },
  }), (c) => {
    const type = c.req.param('type');
    calls.catalogue.plugin(type);
    return c.json({ success: true, type, fields: calls.catalogue.fields(type) });
  });

  app.get('/dns-providers', described({ summary: 'Every provider, credentials masked', responses: { 200: '`{success, providers}`' } }),
    async (c) => c.json({ success: true, providers: (await store.list()).map((r) => store.toPublic(r)) }));
  app.post('/dns-providers', described({
    summary: 'Add a provider', description: CREDENTIALS, body: providerInputSchema, responses: { 201: '`{success, provider}`' },
  }), audited('dns_provider.create', 'dns_provider'), async (c) => {
    const row = await store.create(await readBody(c, providerInputSchema));
    noteAudit(c, { id: row.id, details: { name: row.name, provider_type: row.providerType } });
    return c.json({ success: true, provider: store.toPublic(row) }, 201);
  });
  app.get('/dns-providers/:id', described({ summary: 'One provider, credentials masked', responses: { 200: '`{success, provider}`' } }),
    async (c) => c.json({ success: true, provider: store.toPublic(await store.get(c.req.param('id'))) }));
  app.put('/dns-providers/:id', described({
    summary: 'Change a provider; a field left out keeps its value', description: CREDENTIALS, body: providerPatchSchema,
    responses: { 200: '`{success, provider}`' },
  }), audited('dns_provider.update', 'dns_provider'), async (c) => {
    const patch = await readBody(c, providerPatchSchema);
    // Which fields changed, never their values: a credentials change is `credentials` in the list.
    noteAudit(c, { details: { fields: Object.keys(patch) } });
    const row = await store.update(c.req.param('id'), patch);
    noteAudit(c, { details: { name: row.name, provider_type: row.providerType, fields: Object.keys(patch) } });
    return c.json({ success: true, provider: store.toPublic(row) });
  });
  app.delete('/dns-providers/:id', described({
    summary: 'Remove a provider', query: removeQuery, responses: { 200: '`{success, status: "deleted"}`' },
  }), audited('dns_provider.delete', 'dns_provider'), async (c) => {
    const force = parseQuery(removeQuery, queryOf(c.req.url)).force === 'true';
    const { abandoned } = await store.remove(c.req.param('id'), { force });
    noteAudit(c, { details: { force, records_possibly_left: abandoned.length } });
    if (abandoned.length > 0) log.warn({ provider: c.req.param('id'), records: abandoned }, 'provider force-deleted; these records may remain in DNS');
    return c.json({ success: true, status: 'deleted', ...(abandoned.length > 0 ? { records_possibly_left: abandoned } : {}) });
  });
  app.post('/dns-providers/:id/test', described({
    summary: 'Test a provider\'s credentials',
    responses: { 200: '`{success, result}`; `result.tested: false` when the type has nothing to test' },
  }), audited('dns_provider.test', 'dns_provider'), async (c) => {
    const row = await store.get(c.req.param('id'));
    const result = await calls.test(await store.runtime(row, 'test'));
    noteAudit(c, { details: { name: row.name, tested: result.tested, ...(result.tested ? { ok: result.ok } : {}) } });
    return c.json({ success: true, result });
  });
  return app;
}
