// The zone a provider's own settings name, which wins over the daemon's SOA walk.
import { normaliseName } from '../dns/names.js';

/** Today: a string `zone` field of the parsed credentials (rfc2136 has one); empty means unset. */
export function explicitZone(credentials: unknown): string | undefined {
  const zone = (credentials as { zone?: unknown } | null | undefined)?.zone;
  const name = typeof zone === 'string' ? normaliseName(zone.trim()) : '';
  return name !== '' ? name : undefined;
}
