// Zone filters of zone-specific credentials: parsing one, and choosing the credential for a name (exact > wildcard > catch-all).
import { EXACT, coverage, isDnsName, normaliseName } from '../dns/names.js';
import { AppError } from '../errors.js';

const MAX_ENTRIES = 100;

/**
 * A filter as stored: entries trimmed, lower-cased, without trailing dots, de-duplicated, joined by ','. Blank is
 * the catch-all (''). Anything else that is not `zone` or `*.zone` (empty entries, `*` elsewhere, bad labels) is a
 * VALIDATION_ERROR naming the entry; nothing is stored then.
 */
export function parseZoneFilter(raw: string): string {
  if (raw.trim() === '') return '';
  const problems: { field: string; message: string }[] = [];
  const entries: string[] = [];
  const parts = raw.split(',');
  if (parts.length > MAX_ENTRIES) problems.push({ field: 'zone_filter', message: `at most ${MAX_ENTRIES} entries` });
  else {
    for (const part of parts) {
      const entry = normaliseName(part.trim());
      const base = entry.startsWith('*.') ? entry.slice(2) : entry;
      if (!isDnsName(base)) problems.push({ field: 'zone_filter', message: `"${part.trim().slice(0, 64)}" is not a zone (example.com) or a wildcard (*.example.com)` });
      else if (!entries.includes(entry)) entries.push(entry);
    }
  }
  if (problems.length > 0) throw new AppError('VALIDATION_ERROR', `invalid zone_filter: ${problems[0]!.message}`, { details: { fields: problems } });
  return entries.join(',');
}

export interface ZoneCandidate {
  id: string;
  zoneFilter: string;
  enabled: boolean;
}

/**
 * The credential for `name` (a domain such as `app.example.com`; `*.` and a trailing dot are ignored): an enabled
 * one naming it exactly, else the one whose `*.zone` is deepest among those covering it (a wildcard covers its zone
 * itself and every name below), else the first catch-all. Ties go to the earlier candidate, so callers pass them in
 * a stable order (oldest first). Null when none fits.
 */
export function chooseCredential<T extends ZoneCandidate>(candidates: readonly T[], name: string): T | null {
  const n = normaliseName(name.trim()).replace(/^\*\./, '');
  let wildcard: { c: T; depth: number } | null = null;
  let catchAll: T | null = null;
  for (const c of candidates) {
    if (!c.enabled) continue;
    if (c.zoneFilter === '') {
      catchAll ??= c;
      continue;
    }
    for (const entry of c.zoneFilter.split(',')) {
      const depth = coverage(entry, n);
      if (depth >= EXACT) return c;
      if (depth >= 0 && (!wildcard || depth > wildcard.depth)) wildcard = { c, depth };
    }
  }
  return wildcard?.c ?? catchAll;
}
