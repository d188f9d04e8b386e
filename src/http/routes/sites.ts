// Admin API for sites (domains that need DNS-01 certificates and their provider).
import { Hono } from 'hono';
import { siteInputSchema, sitePatchSchema, siteView, type SiteStore } from '../../sites/store.js';
import { readBody } from '../body.js';
import { described } from '../openapi.js';

export function siteRoutes(store: SiteStore): Hono {
  const app = new Hono();
  app.get('/', described({ summary: 'Every site', responses: { 200: '`{success, sites}`' } }),
    async (c) => c.json({ success: true, sites: (await store.list()).map(siteView) }));
  app.post('/', described({ summary: 'Add a site', body: siteInputSchema, responses: { 201: '`{success, site}`' } }),
    async (c) => c.json({ success: true, site: siteView(await store.create(await readBody(c, siteInputSchema))) }, 201));
  app.get('/:id', described({ summary: 'One site', responses: { 200: '`{success, site}`' } }),
    async (c) => c.json({ success: true, site: siteView(await store.get(c.req.param('id'))) }));
  app.put('/:id', described({
    summary: 'Change a site; a field left out keeps its value', body: sitePatchSchema, responses: { 200: '`{success, site}`' },
  }), async (c) => c.json({ success: true, site: siteView(await store.update(c.req.param('id'), await readBody(c, sitePatchSchema))) }));
  app.delete('/:id', described({ summary: 'Remove a site', responses: { 200: '`{success, status: "deleted"}`' } }), async (c) => {
    await store.remove(c.req.param('id'));
    return c.json({ success: true, status: 'deleted' });
  });
  return app;
}
