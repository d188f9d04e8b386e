// Rows declared in the config file (DNS01_CONFIG, src/declared/) carry its path in `managed_by`: only the file changes them.
import { AppError } from '../errors.js';

/** Who writes: the config file's apply names its path; the API and the page name nothing. */
export interface Writer {
  /** Set by the config file's apply: the write is the file's, and the row is marked managed by it. */
  managedBy?: string;
}

/** `managed_by` of the rows the daemon keeps itself: the Caddy sync's client token (src/caddy/token.ts). */
export const MANAGED_BY_CADDY_SYNC = 'caddy-sync';

/**
 * Throws MANAGED_BY_CONFIG when a row the config file declares is written by anyone but the file, and
 * MANAGED_BY_DAEMON for a row the daemon keeps itself, whoever asks.
 */
export function assertWritable(row: { managedBy: string | null }, what: string, by: Writer = {}): void {
  if (row.managedBy === MANAGED_BY_CADDY_SYNC) {
    throw new AppError('MANAGED_BY_DAEMON', `${what} is the Caddy sync's own token: the daemon mints, scopes and rotates it (docs/api.md, "Caddy's own client token")`, {
      details: { managed_by: row.managedBy },
    });
  }
  if (row.managedBy === null || by.managedBy !== undefined) return;
  throw new AppError('MANAGED_BY_CONFIG', `${what} is managed by the config file ${row.managedBy}: change it there and apply it (SIGHUP or dns01-proxy apply)`, {
    details: { managed_by: row.managedBy },
  });
}
