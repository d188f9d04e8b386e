// Admin API for a provider's zone-specific credentials (docs/api.md#zone-specific-credentials); secrets only ever leave masked.
import { Hono } from 'hono';
import type { PluginCalls } from '../../calls/plugin-calls.js';
import type { ProviderStore } from '../../providers/store.js';
import type { DnsProviderRow, ProviderCredentialRow } from '../../db/schema.js';
import { readBody } from '../body.js';
import { audited, noteAudit } from '../audit.js';
import { described } from '../openapi.js';
import { deletedReplySchema } from '../wire/common.js';
import {
  credentialInput, credentialInputSchema, credentialListReplySchema, credentialPatch, credentialPatchSchema, credentialReplySchema, credentialView,
} from '../wire/credentials.js';
import { testReply, testReplySchema } from '../wire/providers.js';

export function credentialRoutes(store: ProviderStore, calls: PluginCalls): Hono {
  const app = new Hono();
  const creds = store.zoneCredentials;
  const base = '/dns-providers/:id/credentials';
  const view = (provider: DnsProviderRow, row: ProviderCredentialRow) => credentialView(row, creds.publicCredentials(provider, row), creds.stats.current(row));

  app.get(base, described({ summary: "A provider's zone-specific credentials, secrets masked", responses: { 200: { description: 'the credentials, oldest first', schema: credentialListReplySchema } } }), async (c) => {
    const provider = await store.get(c.req.param('id'));
    return c.json({ success: true, credentials: (await creds.list(provider)).map((r) => view(provider, r)) });
  });
  app.post(base, described({
    summary: 'Add a zone-specific credential (the provider must have use_multi_credentials)', body: credentialInputSchema, responses: { 201: { description: 'the credential', schema: credentialReplySchema } },
  }), audited('credential.create', 'credential'), async (c) => {
    noteAudit(c, { id: null, details: { provider_id: c.req.param('id') } });
    const provider = await store.get(c.req.param('id'));
    const row = await creds.create(provider, credentialInput(await readBody(c, credentialInputSchema)));
    noteAudit(c, { id: row.id, details: { provider_id: provider.id, label: row.label, zone_filter: row.zoneFilter } });
    return c.json({ success: true, credential: view(provider, row) }, 201);
  });
  app.get(`${base}/:credId`, described({ summary: 'One zone-specific credential, secrets masked', responses: { 200: { description: 'the credential', schema: credentialReplySchema } } }), async (c) => {
    const provider = await store.get(c.req.param('id'));
    return c.json({ success: true, credential: view(provider, await creds.get(provider, c.req.param('credId'))) });
  });
  app.put(`${base}/:credId`, described({
    summary: 'Change a zone-specific credential; a field left out keeps its value', body: credentialPatchSchema, responses: { 200: { description: 'the credential', schema: credentialReplySchema } },
  }), audited('credential.update', 'credential'), async (c) => {
    noteAudit(c, { id: c.req.param('credId'), details: { provider_id: c.req.param('id') } });
    const provider = await store.get(c.req.param('id'));
    const patch = await readBody(c, credentialPatchSchema);
    const row = await creds.update(provider, c.req.param('credId'), credentialPatch(patch));
    noteAudit(c, { id: row.id, details: { provider_id: provider.id, label: row.label, fields: Object.keys(patch) } });
    return c.json({ success: true, credential: view(provider, row) });
  });
  app.delete(`${base}/:credId`, described({ summary: 'Remove a zone-specific credential no live challenge uses', responses: { 200: { description: 'deleted', schema: deletedReplySchema } } }), audited('credential.delete', 'credential'), async (c) => {
    noteAudit(c, { id: c.req.param('credId'), details: { provider_id: c.req.param('id') } });
    const provider = await store.get(c.req.param('id'));
    await creds.remove(provider, c.req.param('credId'));
    return c.json({ success: true, status: 'deleted' });
  });
  app.post(`${base}/:credId/test`, described({
    summary: "Check one credential against the provider's service without changing DNS", responses: { 200: { description: '`result`: `{tested: true, ok, message}` or `{tested: false, reason}`', schema: testReplySchema } },
  }), audited('credential.test', 'credential'), async (c) => {
    noteAudit(c, { id: c.req.param('credId'), details: { provider_id: c.req.param('id') } });
    const provider = await store.get(c.req.param('id'));
    const result = await calls.test(creds.runtime(provider, await creds.get(provider, c.req.param('credId'))));
    return c.json(testReply(result));
  });
  return app;
}
