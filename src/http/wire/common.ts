// Pieces every reply shares: timestamps as ISO text, the `success: true` envelope, the `{success, status: "deleted"}` reply.
import { z } from 'zod';

/** A timestamp as the daemon writes it (Date#toISOString). */
export const instant = z.string().describe('an ISO 8601 time');

export const success = z.literal(true);

/** A row the config file declares names it (docs/config-file.md); the API refuses to change such a row. */
export const managedBy = z.string().nullable().describe('the config file (DNS01_CONFIG) that declares this row, which the API then refuses to change; null: made through the API');

export const deletedReplySchema = z.strictObject({ success, status: z.literal('deleted') });

export function iso(d: Date): string;
export function iso(d: Date | null): string | null;
export function iso(d: Date | null): string | null {
  return d?.toISOString() ?? null;
}
