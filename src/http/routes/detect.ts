// Admin API: POST /dns-providers/detect guesses a domain's DNS provider from its zone's nameservers.
import { Hono } from 'hono';
import { z } from 'zod';
import type { Detector } from '../../detect/detector.js';
import { domainName } from '../../sites/store.js';
import { readBody } from '../body.js';
import { described } from '../openapi.js';
import { detectReply, detectReplySchema } from '../wire/detect.js';

const detectSchema = z.object({ domain: domainName }).strict();

export function detectRoutes(detector: Detector): Hono {
  const app = new Hono();
  app.post('/dns-providers/detect', described({
    summary: "Guess a domain's DNS provider from its zone's nameservers", body: detectSchema,
    responses: { 200: { description: 'what the nameservers say', schema: detectReplySchema } },
  }), async (c) => {
    // A wildcard's zone is its base name's.
    const domain = (await readBody(c, detectSchema)).domain.replace(/^\*\./, '');
    const { detection, suggested } = await detector.detect(domain);
    return c.json(detectReply(detection, suggested));
  });
  return app;
}
