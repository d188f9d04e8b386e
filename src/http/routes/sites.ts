// Admin API for sites (domains that need DNS-01 certificates and their provider).
import { Hono } from 'hono';
import type { SiteStore } from '../../sites/store.js';
import { readBody } from '../body.js';
import { audited, noteAudit } from '../audit.js';
import { described } from '../openapi.js';
import { deletedReplySchema } from '../wire/common.js';
import { siteInput, siteInputSchema, siteListReplySchema, sitePatch, sitePatchSchema, siteReplySchema, siteView } from '../wire/sites.js';

export function siteRoutes(store: SiteStore): Hono {
  const app = new Hono();
  app.get('/', described({ summary: 'Every site', responses: { 200: { description: 'the sites', schema: siteListReplySchema } } }),
    async (c) => c.json({ success: true, sites: (await store.list()).map(siteView) }));
  app.post('/', described({ summary: 'Add a site', body: siteInputSchema, responses: { 201: { description: 'the site', schema: siteReplySchema } } }), audited('site.create', 'site'), async (c) => {
    const row = await store.create(siteInput(await readBody(c, siteInputSchema)));
    noteAudit(c, { id: row.id, details: { domain_names: row.domainNames, provider_id: row.dnsProviderId } });
    return c.json({ success: true, site: siteView(row) }, 201);
  });
  app.get('/:id', described({ summary: 'One site', responses: { 200: { description: 'the site', schema: siteReplySchema } } }),
    async (c) => c.json({ success: true, site: siteView(await store.get(c.req.param('id'))) }));
  app.put('/:id', described({
    summary: 'Change a site; a field left out keeps its value', body: sitePatchSchema, responses: { 200: { description: 'the site', schema: siteReplySchema } },
  }), audited('site.update', 'site'), async (c) => {
    const row = await store.update(c.req.param('id'), sitePatch(await readBody(c, sitePatchSchema)));
    noteAudit(c, { id: row.id, details: { domain_names: row.domainNames, provider_id: row.dnsProviderId, enabled: row.enabled } });
    return c.json({ success: true, site: siteView(row) });
  });
  app.delete('/:id', described({ summary: 'Remove a site', responses: { 200: { description: 'deleted', schema: deletedReplySchema } } }), audited('site.delete', 'site'), async (c) => {
    await store.remove(c.req.param('id'));
    return c.json({ success: true, status: 'deleted' });
  });
  return app;
}
