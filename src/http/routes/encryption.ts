// Admin API for encryption at rest (docs/api.md#encryption): key status, an on-demand rotation, and the rotation history.
import { Hono } from 'hono';
import { z } from 'zod';
import { rotationView, type KeyRotation } from '../../crypto/rotation.js';
import type { Keyring } from '../../crypto/keyring.js';
import { parseQuery, queryLimit, queryOf } from '../../db/query.js';
import { audited } from '../audit.js';
import { described } from '../openapi.js';

const historyQuery = z.object({ limit: queryLimit(500, 50) });

export function encryptionRoutes(rotation: KeyRotation, keyring: Keyring): Hono {
  const app = new Hono();
  app.get('/status', described({ summary: 'Keys, rows per key version, unreadable rows and the rotation state', responses: { 200: '`{success, current_version, write_key, keys, rows, columns, rotation}`' } }), async (c) => {
    const counts = await rotation.counts();
    const { state, last } = await rotation.state();
    const write = keyring.writeKey;
    return c.json({
      success: true,
      current_version: write.version,
      write_key: { version: write.version, slot: write.slot },
      keys: counts.versions.map((v) => ({ version: v.version, slot: v.slot, configured: v.slot !== null, writes: v.version === write.version, rows: v.rows })),
      rows: { total: counts.total, current: counts.current, pending: counts.pending, unreadable: counts.unreadable },
      columns: counts.columns,
      rotation: { state, ...(last ? { last: rotationView(last) } : { last: null }) },
    });
  });
  app.post('/rotate', described({ summary: 'Re-encrypt every row under the write key, in the background', responses: { 202: '`{success, rotation}`' } }), audited('encryption.rotate', 'encryption', 'encryption_rotation'), async (c) => c.json({ success: true, rotation: rotationView(await rotation.start('api')) }, 202));
  app.get('/history', described({ summary: 'Past and running rotations, newest first', query: historyQuery, responses: { 200: '`{success, rotations}`' } }), async (c) => {
    const { limit = 50 } = parseQuery(historyQuery, queryOf(c.req.url));
    return c.json({ success: true, rotations: (await rotation.history(limit)).map(rotationView) });
  });
  return app;
}
