// Admin API for client tokens: create (the token shown once), list, read, revoke.
import { Hono } from 'hono';
import type { ClientTokenStore } from '../../clients/tokens.js';
import { readBody } from '../body.js';
import { audited, noteAudit } from '../audit.js';
import { described } from '../openapi.js';
import {
  clientTokenCreatedReplySchema, clientTokenInput, clientTokenInputSchema, clientTokenListReplySchema, clientTokenReplySchema, clientTokenView,
} from '../wire/client-tokens.js';

export function clientTokenRoutes(store: ClientTokenStore): Hono {
  const app = new Hono();
  app.post('/', described({
    summary: 'Create a client token for the internal API; the token is in this reply only', body: clientTokenInputSchema,
    responses: { 201: { description: 'the token and its secret', schema: clientTokenCreatedReplySchema } },
  }), audited('client_token.create', 'client_token'), async (c) => {
    const { row, token, tsigKey } = await store.create(clientTokenInput(await readBody(c, clientTokenInputSchema)));
    const view = clientTokenView(row);
    noteAudit(c, { id: row.id, details: {
      name: row.name, allowed_domains: view.allowed_domains, allowed_cidrs: view.allowed_cidrs, providers: view.providers,
      ...(tsigKey ? { tsig_key: tsigKey.name, tsig_algorithm: tsigKey.algorithm } : {}),
    } });
    return c.json({ success: true, client_token: view, token, ...(tsigKey ? { tsig_key: tsigKey } : {}) }, 201);
  });
  app.get('/', described({ summary: 'Every client token (never the token itself)', responses: { 200: { description: 'the tokens', schema: clientTokenListReplySchema } } }), async (c) => c.json({ success: true, client_tokens: (await store.list()).map(clientTokenView) }));
  app.get('/:id', described({ summary: 'One client token', responses: { 200: { description: 'the token', schema: clientTokenReplySchema } } }), async (c) => c.json({ success: true, client_token: clientTokenView(await store.get(c.req.param('id'))) }));
  app.delete('/:id', described({ summary: 'Revoke a client token (again is no error)', responses: { 200: { description: 'the token, with `revoked_at`', schema: clientTokenReplySchema } } }), audited('client_token.revoke', 'client_token'), async (c) => {
    const row = await store.revoke(c.req.param('id'));
    noteAudit(c, { id: row.id, details: { name: row.name } });
    return c.json({ success: true, client_token: clientTokenView(row) });
  });
  return app;
}
