// Admin API for DNS providers and provider types; credentials only ever leave masked.
import { Hono } from 'hono';
import type { Logger } from 'pino';
import type { ProviderRegistry, RegisteredType } from '../../providers/registry.js';
import { providerInputSchema, providerPatchSchema, type ProviderStore } from '../../providers/store.js';
import { readBody } from '../body.js';

/** Seed 001 section 3.1 and seed 002 section 7.4's type object, with what this daemon adds after `fields`. */
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

export function providerRoutes(store: ProviderStore, registry: ProviderRegistry, log: Logger): Hono {
  const app = new Hono();

  // Registered before /dns-providers/:id, which would otherwise take "types" for an id.
  app.get('/dns-providers/types', (c) => c.json({ success: true, types: registry.types().map(typeView) }));
  app.get('/dns-providers/types/:type/fields', (c) => {
    const type = c.req.param('type');
    registry.plugin(type);
    return c.json({ success: true, type, fields: registry.fields(type) });
  });

  app.get('/dns-providers', async (c) => c.json({ success: true, providers: (await store.list()).map((r) => store.toPublic(r)) }));
  app.post('/dns-providers', async (c) => {
    const row = await store.create(await readBody(c, providerInputSchema));
    return c.json({ success: true, provider: store.toPublic(row) }, 201);
  });
  app.get('/dns-providers/:id', async (c) => c.json({ success: true, provider: store.toPublic(await store.get(c.req.param('id'))) }));
  app.put('/dns-providers/:id', async (c) => {
    const row = await store.update(c.req.param('id'), await readBody(c, providerPatchSchema));
    return c.json({ success: true, provider: store.toPublic(row) });
  });
  app.delete('/dns-providers/:id', async (c) => {
    const { abandoned } = await store.remove(c.req.param('id'), { force: c.req.query('force') === 'true' });
    if (abandoned.length > 0) log.warn({ provider: c.req.param('id'), records: abandoned }, 'provider force-deleted; these records may remain in DNS');
    return c.json({ success: true, status: 'deleted', ...(abandoned.length > 0 ? { records_possibly_left: abandoned } : {}) });
  });
  app.post('/dns-providers/:id/test', async (c) => {
    const row = await store.get(c.req.param('id'));
    const result = await registry.test(await store.runtime(row));
    return c.json({ success: true, result });
  });
  return app;
}
