// Admin API for client tokens: create (the token shown once), list, read, revoke; a TSIG key's new secret (shown once) and its removal.
import { Hono } from 'hono';
import type { ClientTokenStore } from '../../clients/tokens.js';
import type { ClientTokenRow } from '../../db/schema.js';
import { readBody } from '../body.js';
import { audited, noteAudit } from '../audit.js';
import { described } from '../openapi.js';
import {
  clientTokenCreatedReplySchema, clientTokenInput, clientTokenInputSchema, clientTokenListReplySchema, clientTokenReplySchema, clientTokenView, clientTokenViews,
  tsigKeyDeletedReplySchema, tsigKeyInputSchema, tsigKeyReplySchema,
} from '../wire/client-tokens.js';

export function clientTokenRoutes(store: ClientTokenStore): Hono {
  const app = new Hono();
  const view = async (row: ClientTokenRow) => (await clientTokenViews(store, [row]))[0]!;
  app.post('/', described({
    summary: 'Create a client token for the internal API; the token is in this reply only', body: clientTokenInputSchema,
    responses: { 201: { description: 'the token and its secret', schema: clientTokenCreatedReplySchema } },
  }), audited('client_token.create', 'client_token'), async (c) => {
    const { row, token, tsigKey } = await store.create(clientTokenInput(await readBody(c, clientTokenInputSchema)));
    const view = clientTokenView(row, tsigKey ? { name: tsigKey.name, algorithm: tsigKey.algorithm } : null);
    noteAudit(c, { id: row.id, details: {
      name: row.name, allowed_domains: view.allowed_domains, allowed_cidrs: view.allowed_cidrs, providers: view.providers,
      // Detail keys naming a key or TSIG are redacted whole (src/audit/redact.ts): the key's name and algorithm go as these.
      ...(tsigKey ? { door_name: tsigKey.name, algorithm: tsigKey.algorithm } : {}),
    } });
    return c.json({ success: true, client_token: view, token, ...(tsigKey ? { tsig_key: tsigKey } : {}) }, 201);
  });
  app.get('/', described({ summary: 'Every client token (never the token itself)', responses: { 200: { description: 'the tokens', schema: clientTokenListReplySchema } } }), async (c) => c.json({ success: true, client_tokens: await clientTokenViews(store, await store.list()) }));
  app.get('/:id', described({ summary: 'One client token', responses: { 200: { description: 'the token', schema: clientTokenReplySchema } } }), async (c) => c.json({ success: true, client_token: await view(await store.get(c.req.param('id'))) }));
  app.delete('/:id', described({ summary: 'Revoke a client token (again is no error)', responses: { 200: { description: 'the token, with `revoked_at`', schema: clientTokenReplySchema } } }), audited('client_token.revoke', 'client_token'), async (c) => {
    const row = await store.revoke(c.req.param('id'));
    noteAudit(c, { id: row.id, details: { name: row.name } });
    return c.json({ success: true, client_token: await view(row) });
  });
  app.post('/:id/tsig-key', described({
    summary: 'A new secret for the token\'s TSIG key (same name; the old secret stops working at once), or a first key; the secret is in this reply only',
    body: tsigKeyInputSchema, bodyOptional: true,
    responses: { 200: { description: 'the key had a secret before: the new one', schema: tsigKeyReplySchema }, 201: { description: 'the token had no key: its first', schema: tsigKeyReplySchema } },
  }), audited('client_token.tsig_rotate', 'client_token'), async (c) => {
    const body = (await c.req.arrayBuffer()).byteLength === 0 ? tsigKeyInputSchema.parse({}) : await readBody(c, tsigKeyInputSchema);
    const { row, tsigKey, created } = await store.setTsigKey(c.req.param('id'), body.tsig_algorithm ? { algorithm: body.tsig_algorithm } : {});
    noteAudit(c, { id: row.id, details: { name: row.name, door_name: tsigKey.name, algorithm: tsigKey.algorithm, created } });
    return c.json({ success: true, client_token: clientTokenView(row, { name: tsigKey.name, algorithm: tsigKey.algorithm }), tsig_key: tsigKey }, created ? 201 : 200);
  });
  app.delete('/:id/tsig-key', described({
    summary: 'Remove the token\'s TSIG key: the DNS UPDATE door answers BADKEY for its name from now on',
    responses: { 200: { description: 'the token and the name of the key removed', schema: tsigKeyDeletedReplySchema } },
  }), audited('client_token.tsig_delete', 'client_token'), async (c) => {
    const { row, name } = await store.deleteTsigKey(c.req.param('id'));
    noteAudit(c, { id: row.id, details: { name: row.name, door_name: name } });
    return c.json({ success: true, client_token: clientTokenView(row, null), deleted_tsig_key: name });
  });
  return app;
}
