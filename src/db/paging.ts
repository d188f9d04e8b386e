// Newest-first pages over (created_at, id) with an opaque cursor, and the query-string checks every listing shares.
import { sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import { AppError } from '../errors.js';

export function invalidQuery(field: string, message: string): AppError {
  return new AppError('VALIDATION_ERROR', `query parameter ${field}: ${message}`, { details: { fields: [{ field, message }] } });
}

export const instantText = z.string().describe('an ISO 8601 date or date-time, e.g. 2026-01-31T12:00:00Z');

export function instant(field: string, text: string): Date {
  // Date.parse takes many shapes; an operator's filter should be one people and scripts agree on.
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(text) || Number.isNaN(Date.parse(text))) {
    throw invalidQuery(field, 'expected an ISO 8601 date or date-time, e.g. 2026-01-31T12:00:00Z');
  }
  return new Date(text);
}

export function pageSize(text: string, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > max) throw invalidQuery('limit', `expected a whole number from 1 to ${max}`);
  return n;
}

export interface Cursor {
  createdAt: string;
  id: string;
}

/** `(created_at, id)` of the last row of a page, microseconds kept: a millisecond Date would skip or repeat rows. */
export function encodeCursor(createdAt: string, id: string): string {
  return Buffer.from(`${createdAt}|${id}`).toString('base64url');
}

export function decodeCursor(text: string): Cursor {
  const [createdAt, id, extra] = Buffer.from(text, 'base64url').toString('utf8').split('|');
  if (extra !== undefined || !createdAt || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(createdAt) || !z.uuid().safeParse(id).success) {
    throw invalidQuery('cursor', 'not a cursor this API gave out; start again without it');
  }
  return { createdAt, id: id! };
}

/** The column as the cursor text (UTC, microseconds). */
export function cursorKey(createdAt: PgColumn): SQL<string> {
  return sql<string>`to_char(${createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

/** Rows strictly older than the cursor in (created_at, id) order. */
export function olderThan(createdAt: PgColumn, id: PgColumn, cursor: Cursor): SQL {
  return sql`(${createdAt}, ${id}) < (${cursor.createdAt}::timestamptz, ${cursor.id}::uuid)`;
}
