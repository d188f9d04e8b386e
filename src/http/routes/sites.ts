// Admin API for sites (domains that need DNS-01 certificates and their provider).
import { Hono } from 'hono';
import { siteInputSchema, sitePatchSchema, siteView, type SiteStore } from '../../sites/store.js';
import { readBody } from '../body.js';

export function siteRoutes(store: SiteStore): Hono {
  const app = new Hono();
  app.get('/', async (c) => c.json({ success: true, sites: (await store.list()).map(siteView) }));
  app.post('/', async (c) => c.json({ success: true, site: siteView(await store.create(await readBody(c, siteInputSchema))) }, 201));
  app.get('/:id', async (c) => c.json({ success: true, site: siteView(await store.get(c.req.param('id'))) }));
  app.put('/:id', async (c) => c.json({ success: true, site: siteView(await store.update(c.req.param('id'), await readBody(c, sitePatchSchema))) }));
  app.delete('/:id', async (c) => {
    await store.remove(c.req.param('id'));
    return c.json({ success: true, status: 'deleted' });
  });
  return app;
}
