// Encryption at rest on the wire: the key status (keys, rows per key version, the rotation state) and one rotation run.
import { z } from 'zod';
import type { EncryptionCounts, RotationState } from '../../crypto/rotation.js';
import { ROTATION_OUTCOMES, type EncryptionRotationRow } from '../../db/schema.js';
import { instant, iso, success } from './common.js';

export const rotationSchema = z.strictObject({
  id: z.uuid(),
  trigger: z.string(),
  replica: z.string(),
  outcome: z.enum(ROTATION_OUTCOMES),
  from_versions: z.array(z.string()),
  to_version: z.string(),
  rows_total: z.number().int(),
  rows_done: z.number().int(),
  rows_unreadable: z.number().int(),
  rows_skipped: z.number().int(),
  progress: z.number().min(0).max(1),
  error: z.string().nullable(),
  started_at: instant,
  finished_at: instant.nullable(),
});
export type RotationView = z.infer<typeof rotationSchema>;

export function rotationView(r: EncryptionRotationRow): RotationView {
  return {
    id: r.id, trigger: r.trigger, replica: r.replica, outcome: r.outcome,
    from_versions: r.fromVersions, to_version: r.toVersion,
    rows_total: r.rowsTotal, rows_done: r.rowsDone, rows_unreadable: r.rowsUnreadable, rows_skipped: r.rowsSkipped,
    progress: r.rowsTotal === 0 ? (r.outcome === 'completed' ? 1 : 0) : Math.min(1, r.rowsDone / r.rowsTotal),
    error: r.error, started_at: iso(r.startedAt), finished_at: iso(r.finishedAt),
  };
}

const rowCounts = { total: z.number().int(), current: z.number().int(), pending: z.number().int(), unreadable: z.number().int() };

export const encryptionStatusReplySchema = z.strictObject({
  success,
  current_version: z.string(),
  write_key: z.strictObject({ version: z.string(), slot: z.string() }),
  keys: z.array(z.strictObject({
    version: z.string(), slot: z.string().nullable().describe('null: no configured key has this fingerprint'), configured: z.boolean(),
    writes: z.boolean(), rows: z.number().int(),
  })),
  rows: z.strictObject(rowCounts),
  columns: z.array(z.strictObject({ name: z.string(), ...rowCounts })),
  rotation: z.strictObject({ state: z.enum(['idle', 'running', 'interrupted']), last: rotationSchema.nullable() }),
});

export function encryptionStatus(
  write: { version: string; slot: string }, counts: EncryptionCounts, state: RotationState, last: EncryptionRotationRow | null,
): z.infer<typeof encryptionStatusReplySchema> {
  return {
    success: true,
    current_version: write.version,
    write_key: { version: write.version, slot: write.slot },
    keys: counts.versions.map((v) => ({ version: v.version, slot: v.slot, configured: v.slot !== null, writes: v.version === write.version, rows: v.rows })),
    rows: { total: counts.total, current: counts.current, pending: counts.pending, unreadable: counts.unreadable },
    columns: counts.columns,
    rotation: { state, last: last ? rotationView(last) : null },
  };
}

export const rotationReplySchema = z.strictObject({ success, rotation: rotationSchema });
export const rotationHistoryReplySchema = z.strictObject({ success, rotations: z.array(rotationSchema) });
