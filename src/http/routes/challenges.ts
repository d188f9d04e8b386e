// Admin API for challenges: a filtered, paged list (newest first) and one challenge with its last propagation check.
import { Hono } from 'hono';
import { challengeQuerySchema, parseChallengeFilter, type ChallengeListing } from '../../challenges/listing.js';
import { queryOf } from '../../db/query.js';
import { described } from '../openapi.js';
import { challengeDetail, challengeDetailReplySchema, challengeListReplySchema } from '../wire/challenges.js';

export function challengeRoutes(listing: ChallengeListing): Hono {
  const app = new Hono();
  app.get('/', described({
    summary: 'Challenges, newest first, filtered and paged', query: challengeQuerySchema,
    responses: { 200: { description: 'a page of challenges', schema: challengeListReplySchema } },
  }), async (c) => {
    const page = await listing.list(parseChallengeFilter(queryOf(c.req.url)));
    return c.json({ success: true, challenges: page.challenges.map(challengeDetail), next_cursor: page.nextCursor });
  });
  app.get('/:id', described({ summary: 'One challenge, its last propagation check and time left', responses: { 200: { description: 'the challenge', schema: challengeDetailReplySchema } } }),
    async (c) => c.json({ success: true, challenge: challengeDetail(await listing.show(c.req.param('id'))) }));
  return app;
}
