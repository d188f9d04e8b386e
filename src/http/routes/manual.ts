// Admin API for manual challenges: status, poll, verify now, cancel, and the list of pending ones.
import { Hono } from 'hono';
import type { ManualChallenges } from '../../challenges/manual.js';
import { audited, noteAudit } from '../audit.js';
import { described } from '../openapi.js';
import {
  cancelNote, cancelReply, cancelReplySchema, manualListReplySchema, manualReplySchema, manualView, pollReplySchema, pollView, verifyNote,
  verifyReply, verifyReplySchema,
} from '../wire/manual.js';

export function manualRoutes(manual: ManualChallenges): Hono {
  const app = new Hono();
  app.get('/manual-challenges', described({
    summary: 'Every pending manual challenge, with its instructions', responses: { 200: { description: 'the pending challenges', schema: manualListReplySchema } },
  }), async (c) => c.json({ success: true, challenges: (await manual.pending()).map((m) => manualView(m)) }));

  const base = '/dns-providers/:id/manual-challenge/:challengeId';
  app.get(base, described({
    summary: 'One manual challenge: the record to create and the time left', responses: { 200: { description: 'the challenge', schema: manualReplySchema } },
  }), async (c) => c.json({ success: true, ...manualView(await manual.live(c.req.param('challengeId'), c.req.param('id'))) }));
  app.get(`${base}/poll`, described({
    summary: 'Whether the record is seen yet',
    responses: { 200: { description: 'the state of the challenge', schema: pollReplySchema } },
  }), async (c) => c.json(pollView(await manual.live(c.req.param('challengeId'), c.req.param('id')))));
  app.post(`${base}/verify`, described({
    summary: 'Check DNS for the record now',
    responses: { 200: { description: 'found, or the `DNS_NOT_PROPAGATED` error body', schema: verifyReplySchema } },
  }), audited('challenge.verify', 'challenge', 'challenge', 'challengeId'), async (c) => {
    // Noted first, so a refused verify names the provider the path did.
    noteAudit(c, { details: { api: 'admin', provider_id: c.req.param('id') } });
    const v = await manual.verify(c.req.param('challengeId'), c.req.param('id'));
    noteAudit(c, { details: { api: 'admin', ...verifyNote(v) } });
    return c.json(verifyReply(v));
  });
  app.delete(base, described({ summary: 'Cancel a manual challenge', responses: { 200: { description: 'cancelled', schema: cancelReplySchema } } }),
    audited('challenge.cancel', 'challenge', 'challenge', 'challengeId'), async (c) => {
      noteAudit(c, { details: { api: 'admin', provider_id: c.req.param('id') } });
      const done = await manual.cancel(c.req.param('challengeId'), c.req.param('id'));
      noteAudit(c, { details: { api: 'admin', ...cancelNote(done) } });
      return c.json(cancelReply(done));
    });
  return app;
}
