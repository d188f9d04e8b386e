// Admin API for client tokens: create (the token shown once), list, read, revoke.
import { Hono } from 'hono';
import { clientTokenInputSchema, clientTokenView, type ClientTokenStore } from '../../clients/tokens.js';
import { readBody } from '../body.js';

export function clientTokenRoutes(store: ClientTokenStore): Hono {
  const app = new Hono();
  app.post('/', async (c) => {
    const { row, token } = await store.create(await readBody(c, clientTokenInputSchema));
    return c.json({ success: true, client_token: clientTokenView(row), token }, 201);
  });
  app.get('/', async (c) => c.json({ success: true, client_tokens: (await store.list()).map(clientTokenView) }));
  app.get('/:id', async (c) => c.json({ success: true, client_token: clientTokenView(await store.get(c.req.param('id'))) }));
  app.delete('/:id', async (c) => c.json({ success: true, client_token: clientTokenView(await store.revoke(c.req.param('id'))) }));
  return app;
}
