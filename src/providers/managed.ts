// Rows declared in the config file (DNS01_CONFIG, src/declared/) carry its path in `managed_by`: only the file changes them.
import { AppError } from '../errors.js';

/** Who writes: the config file's apply names its path; the API and the page name nothing. */
export interface Writer {
  /** Set by the config file's apply: the write is the file's, and the row is marked managed by it. */
  managedBy?: string;
}

/** Throws MANAGED_BY_CONFIG when a row the config file declares is written by anyone but the file. */
export function assertWritable(row: { managedBy: string | null }, what: string, by: Writer = {}): void {
  if (row.managedBy === null || by.managedBy !== undefined) return;
  throw new AppError('MANAGED_BY_CONFIG', `${what} is managed by the config file ${row.managedBy}: change it there and apply it (SIGHUP or dns01-proxy apply)`, {
    details: { managed_by: row.managedBy },
  });
}
