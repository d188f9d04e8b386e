// Stable JSON (sorted keys) and its hash, so equal configs compare and hash equal however they were assembled.
import { createHash } from 'node:crypto';

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/**
 * JSON with object keys sorted at every depth. Caddy re-encodes its config from Go maps, which
 * also sorts keys, so what we push and what Caddy hands back compare equal as strings.
 */
export function canonicalJson(value: unknown, indent?: number): string {
  return JSON.stringify(sortKeys(value), null, indent);
}

/** SHA-256 (hex) of the canonical JSON; a fingerprint, safe to log even though the config holds secrets. */
export function configHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}
