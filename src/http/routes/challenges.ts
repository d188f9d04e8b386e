// Admin API for challenges: a filtered, paged list (newest first) and one challenge with its last propagation check.
import { Hono } from 'hono';
import { parseChallengeFilter, type ChallengeListing } from '../../challenges/listing.js';

export function challengeRoutes(listing: ChallengeListing): Hono {
  const app = new Hono();
  app.get('/', async (c) => {
    const page = await listing.list(parseChallengeFilter(c.req.query()));
    return c.json({ success: true, challenges: page.challenges, next_cursor: page.nextCursor });
  });
  app.get('/:id', async (c) => c.json({ success: true, challenge: await listing.show(c.req.param('id')) }));
  return app;
}
