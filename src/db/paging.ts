// Newest-first pages over (created_at, id) with an opaque cursor that is checked whole before it reaches SQL.
import { sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import { parseInstant } from './query.js';

export interface Cursor {
  createdAt: string;
  id: string;
}

/** `(created_at, id)` of the last row of a page, microseconds kept: a millisecond Date would skip or repeat rows. */
export function encodeCursor(createdAt: string, id: string): string {
  return Buffer.from(`${createdAt}|${id}`).toString('base64url');
}

/**
 * The cursor `text` holds, or undefined unless it could be one this API gave out: base64url that encodes back to
 * itself (no padding, `+/` or stray characters quietly dropped), a real UTC instant with microseconds, a `|`, a UUID.
 */
export function decodeCursor(text: string): Cursor | undefined {
  if (!/^[\w-]{1,200}$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.toString('base64url') !== text) return undefined;
  const parts = bytes.toString('utf8').split('|');
  if (parts.length !== 2) return undefined;
  const [createdAt, id] = parts as [string, string];
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(createdAt) || !parseInstant(createdAt) || !z.uuid().safeParse(id).success) return undefined;
  return { createdAt, id };
}

const NOT_A_CURSOR = 'not a cursor this API gave out; start again without it';

/** The `cursor` query parameter: the value is the decoded Cursor. */
export const queryCursor = z.string().max(200, NOT_A_CURSOR).refine((t) => decodeCursor(t) !== undefined, NOT_A_CURSOR)
  .transform((t) => decodeCursor(t)!).optional().describe('`next_cursor` of the previous page, unchanged (anything else is refused)');

/** The column as the cursor text (UTC, microseconds). */
export function cursorKey(createdAt: PgColumn): SQL<string> {
  return sql<string>`to_char(${createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

/** Rows strictly older than the cursor in (created_at, id) order. */
export function olderThan(createdAt: PgColumn, id: PgColumn, cursor: Cursor): SQL {
  return sql`(${createdAt}, ${id}) < (${cursor.createdAt}::timestamptz, ${cursor.id}::uuid)`;
}
