// Admin API for DNS providers and provider types; credentials only ever leave masked.
import { Hono } from 'hono';
import type { Logger } from 'pino';
import type { ProviderRegistry } from '../../providers/registry.js';
import { providerInputSchema, providerPatchSchema, type ProviderStore } from '../../providers/store.js';
import { readBody } from '../body.js';

export function providerRoutes(store: ProviderStore, registry: ProviderRegistry, log: Logger): Hono {
  const app = new Hono();

  app.get('/provider-types', (c) =>
    c.json({
      success: true,
      provider_types: registry.types().map(({ plugin: p, category, fields }) => ({
        type: p.metadata.type, name: p.metadata.name, description: p.metadata.description, version: p.metadata.version,
        author: p.metadata.author, documentation_url: p.metadata.documentationUrl ?? null, interface_version: p.metadata.interfaceVersion,
        category,
        // true: the daemon writes the records (Caddy sends challenges to it); false: Caddy's own module does.
        proxied: Boolean(p.present), fields, defaults: p.defaults, can_test: Boolean(p.test),
      })),
    }),
  );

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
