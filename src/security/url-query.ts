// A URL's query string often carries a token (`?token=…`, `?key=…`): wherever a URL is shown, its values are masked.

const HTTP_URL = /^https?:\/\/[^?#]*\?/i;

/** One `name=value` piece of a query; a piece without `=` has a null name and is all value. */
interface Piece {
  name: string | null;
  value: string;
}

interface Split {
  /** Everything before the `?`, with it. */
  head: string;
  pieces: Piece[];
  /** The fragment with its `#`, or ''. */
  tail: string;
}

function split(url: string): Split | null {
  if (!HTTP_URL.test(url)) return null;
  const q = url.indexOf('?');
  const hash = url.indexOf('#', q);
  const query = url.slice(q + 1, hash < 0 ? undefined : hash);
  const pieces = query === '' ? [] : query.split('&').map((p): Piece => {
    const eq = p.indexOf('=');
    return eq < 0 ? { name: null, value: p } : { name: p.slice(0, eq), value: p.slice(eq + 1) };
  });
  return { head: url.slice(0, q + 1), pieces, tail: hash < 0 ? '' : url.slice(hash) };
}

function join({ head, pieces, tail }: Split): string {
  return `${head}${pieces.map((p) => (p.name === null ? p.value : `${p.name}=${p.value}`)).join('&')}${tail}`;
}

/**
 * An absolute http(s) URL with every non-empty query value replaced by `mask` (`?token=abc&x=` becomes
 * `?token=<mask>&x=`; a piece without `=` is all value); names, path and fragment stay. Anything else comes back as is.
 */
export function maskQueryValues(value: string, mask: string): string {
  if (!value.includes('?')) return value;
  const parts = split(value);
  if (!parts || parts.pieces.every((p) => p.value === '')) return value;
  return join({ ...parts, pieces: parts.pieces.map((p) => (p.value === '' ? p : { ...p, value: mask })) });
}

/**
 * `sent` with each query value that is exactly `mask` replaced by `stored`'s value of the same parameter (the n-th
 * `token=` takes the n-th stored `token=`), so a URL sent back as it was shown, or with only its host or path
 * changed, keeps its secrets. `missing` names the masked parameters `stored` has no value for.
 */
export function restoreQueryValues(sent: string, stored: unknown, mask: string): { url: string; missing: string[] } {
  const parts = split(sent);
  if (!parts || !parts.pieces.some((p) => p.value === mask)) return { url: sent, missing: [] };
  const old = (typeof stored === 'string' ? split(stored)?.pieces : undefined) ?? [];
  const seen = new Map<string | null, number>();
  const missing: string[] = [];
  const pieces = parts.pieces.map((p) => {
    const n = seen.get(p.name) ?? 0;
    seen.set(p.name, n + 1);
    if (p.value !== mask) return p;
    const match = old.filter((o) => o.name === p.name)[n];
    if (!match) missing.push(p.name ?? '(unnamed)');
    return match ?? p;
  });
  return { url: join({ ...parts, pieces }), missing };
}
