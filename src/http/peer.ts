// The source address of a request: the TCP peer as the socket reports it; headers such as X-Forwarded-For are never trusted.
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

/** Empty when there is no socket (a request handed to app.fetch directly): no allow-list matches it. */
export function peerAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? '';
  } catch {
    return '';
  }
}
