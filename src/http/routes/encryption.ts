// Admin API for encryption at rest (docs/api.md#encryption): key status, an on-demand rotation, and the rotation history.
import { Hono } from 'hono';
import { z } from 'zod';
import type { KeyRotation } from '../../crypto/rotation.js';
import type { Keyring } from '../../crypto/keyring.js';
import { parseQuery, queryLimit, queryOf } from '../../db/query.js';
import { audited } from '../audit.js';
import { described } from '../openapi.js';
import { encryptionStatus, encryptionStatusReplySchema, rotationHistoryReplySchema, rotationReplySchema, rotationView } from '../wire/encryption.js';

const historyQuery = z.object({ limit: queryLimit(500, 50) });

export function encryptionRoutes(rotation: KeyRotation, keyring: Keyring): Hono {
  const app = new Hono();
  app.get('/status', described({ summary: 'Keys, rows per key version, unreadable rows and the rotation state', responses: { 200: { description: 'the status', schema: encryptionStatusReplySchema } } }), async (c) => {
    const counts = await rotation.counts();
    const { state, last } = await rotation.state();
    return c.json(encryptionStatus(keyring.writeKey, counts, state, last));
  });
  app.post('/rotate', described({ summary: 'Re-encrypt every row under the write key, in the background', responses: { 202: { description: 'the rotation, started', schema: rotationReplySchema } } }), audited('encryption.rotate', 'encryption', 'encryption_rotation'), async (c) => c.json({ success: true, rotation: rotationView(await rotation.start('api')) }, 202));
  app.get('/history', described({ summary: 'Past and running rotations, newest first', query: historyQuery, responses: { 200: { description: 'the rotations', schema: rotationHistoryReplySchema } } }), async (c) => {
    const { limit = 50 } = parseQuery(historyQuery, queryOf(c.req.url));
    return c.json({ success: true, rotations: (await rotation.history(limit)).map(rotationView) });
  });
  return app;
}
