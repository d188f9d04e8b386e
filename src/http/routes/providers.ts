// Admin API for DNS providers and provider types; credentials only ever leave masked.
import { Hono } from 'hono';
import type { Logger } from 'pino';
import { z } from 'zod';
import { parseQuery, queryChoice, queryOf } from '../../db/query.js';
import type { PluginCalls } from '../../calls/plugin-calls.js';
import type { ZoneCheck } from '../../challenges/resolvers.js';
import type { DnsProviderRow } from '../../db/schema.js';
import { explicitZone } from '../../providers/explicit-zone.js';
import type { ProviderStore } from '../../providers/store.js';
import { readBody } from '../body.js';
import { audited, noteAudit } from '../audit.js';
import { described } from '../openapi.js';
import {
  providerDeletedReplySchema, providerInput, providerInputSchema, providerListReplySchema, providerPatch, providerPatchSchema, providerReplySchema,
  providerTypeView, providerView, testReply, testReplySchema, typeFieldsReplySchema, typeListReplySchema,
} from '../wire/providers.js';

const CREDENTIALS = 'The keys of `credentials` depend on `provider_type`: GET /api/v1/dns-providers/types/{type}/fields lists them.';
const removeQuery = z.object({ force: queryChoice(['true', 'false'], '`true`: delete even with active challenges; their records may stay in DNS') });

/** `checkZone`: whether a zone is found through the resolvers challenge discovery asks (challenges/resolvers.ts). */
export function providerRoutes(store: ProviderStore, calls: PluginCalls, log: Logger, checkZone: (zone: string) => Promise<ZoneCheck>): Hono {
  const app = new Hono();
  const view = (row: DnsProviderRow) => providerView(row, store.publicCredentials(row), store.stats.current(row));

  // Registered before /dns-providers/:id, which would otherwise take "types" for an id.
  app.get('/dns-providers/types', described({ summary: 'The provider types and their credential fields', responses: { 200: { description: 'the types', schema: typeListReplySchema } } }),
    (c) => c.json({ success: true, types: calls.catalogue.types().map(providerTypeView) }));
  app.get('/dns-providers/types/:type/fields', described({
    summary: 'One provider type\'s credential fields', responses: { 200: { description: 'the fields', schema: typeFieldsReplySchema } },
  }), (c) => {
    const type = c.req.param('type');
    calls.catalogue.plugin(type);
    return c.json({ success: true, type, fields: calls.catalogue.fields(type) });
  });

  app.get('/dns-providers', described({ summary: 'Every provider, credentials masked', responses: { 200: { description: 'the providers, by name', schema: providerListReplySchema } } }),
    async (c) => c.json({ success: true, providers: (await store.list()).map(view) }));
  app.post('/dns-providers', described({
    summary: 'Add a provider', description: CREDENTIALS, body: providerInputSchema, responses: { 201: { description: 'the provider', schema: providerReplySchema } },
  }), audited('dns_provider.create', 'dns_provider'), async (c) => {
    const row = await store.create(providerInput(await readBody(c, providerInputSchema)));
    noteAudit(c, { id: row.id, details: { name: row.name, provider_type: row.providerType } });
    return c.json({ success: true, provider: view(row) }, 201);
  });
  app.get('/dns-providers/:id', described({ summary: 'One provider, credentials masked', responses: { 200: { description: 'the provider', schema: providerReplySchema } } }),
    async (c) => c.json({ success: true, provider: view(await store.get(c.req.param('id'))) }));
  app.put('/dns-providers/:id', described({
    summary: 'Change a provider; a field left out keeps its value', description: CREDENTIALS, body: providerPatchSchema,
    responses: { 200: { description: 'the provider', schema: providerReplySchema } },
  }), audited('dns_provider.update', 'dns_provider'), async (c) => {
    const patch = await readBody(c, providerPatchSchema);
    // Which fields changed, never their values: a credentials change is `credentials` in the list.
    noteAudit(c, { details: { fields: Object.keys(patch) } });
    const row = await store.update(c.req.param('id'), providerPatch(patch));
    noteAudit(c, { details: { name: row.name, provider_type: row.providerType, fields: Object.keys(patch) } });
    return c.json({ success: true, provider: view(row) });
  });
  app.delete('/dns-providers/:id', described({
    summary: 'Remove a provider', query: removeQuery, responses: { 200: { description: 'deleted', schema: providerDeletedReplySchema } },
  }), audited('dns_provider.delete', 'dns_provider'), async (c) => {
    const force = parseQuery(removeQuery, queryOf(c.req.url)).force === 'true';
    const { abandoned } = await store.remove(c.req.param('id'), { force });
    noteAudit(c, { details: { force, records_possibly_left: abandoned.length } });
    if (abandoned.length > 0) log.warn({ provider: c.req.param('id'), records: abandoned }, 'provider force-deleted; these records may remain in DNS');
    return c.json({ success: true, status: 'deleted', ...(abandoned.length > 0 ? { records_possibly_left: abandoned } : {}) });
  });
  app.post('/dns-providers/:id/test', described({
    summary: 'Test a provider\'s credentials',
    responses: { 200: { description: '`result.tested: false` when the type has nothing to test; `zone_check` when the credentials name a zone', schema: testReplySchema } },
  }), audited('dns_provider.test', 'dns_provider'), async (c) => {
    const row = await store.get(c.req.param('id'));
    const runtime = await store.runtime(row, 'test');
    const result = await calls.test(runtime);
    // A zone the provider can write but the checker's resolvers cannot find never verifies: said here, not at the first challenge.
    const zone = explicitZone(runtime.credentials);
    const zoneCheck = zone ? await checkZone(zone) : undefined;
    noteAudit(c, { details: { name: row.name, tested: result.tested, ...(result.tested ? { ok: result.ok } : {}), ...(zoneCheck ? { zone_found: zoneCheck.ok } : {}) } });
    return c.json(testReply(result, zoneCheck));
  });
  return app;
}
