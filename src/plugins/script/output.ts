// Keeps a bounded tail of a script's stdout/stderr and redacts the provider's secrets from it.

export const REDACTED = '[REDACTED]';

/** Keeps the last `limit` bytes written; a chatty or hostile script cannot grow the daemon's memory. */
export class BoundedTail {
  private buf = Buffer.alloc(0);
  private dropped = false;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.buf = Buffer.concat([this.buf, chunk]);
    // Trim only once twice the limit is held, so a stream of small chunks is not copied every time.
    if (this.buf.length > 2 * this.limit) {
      this.buf = Buffer.from(this.buf.subarray(this.buf.length - this.limit));
      this.dropped = true;
    }
  }

  /** The kept text and whether its beginning was cut off. */
  read(): { text: string; truncated: boolean } {
    const truncated = this.dropped || this.buf.length > this.limit;
    const bytes = this.buf.length > this.limit ? this.buf.subarray(this.buf.length - this.limit) : this.buf;
    return { text: bytes.toString('utf8'), truncated };
  }
}

/**
 * Replaces every secret in `text` with [REDACTED], longest first so a secret that contains
 * another is not half-replaced. When the text's beginning was cut off, a secret may have been
 * cut in two: its tail at the very start is redacted too (over-redacting a few characters is
 * the safe side). Secrets printed in another form (base64, URL-encoded) cannot be recognised.
 */
export function redact(text: string, secrets: readonly string[], cutAtStart = false): string {
  const list = [...new Set(secrets.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
  // Whole secrets first: a cut-off tail matched before them could eat half of a whole one.
  let out = text;
  for (const s of list) out = out.split(s).join(REDACTED);
  if (cutAtStart) {
    // A multi-byte character cut in half decodes to U+FFFD; it is no part of the script's text.
    out = out.replace(/^\uFFFD+/, '');
    let cut = 0;
    for (const s of list) {
      for (let k = s.length - 1; k > cut; k--) {
        if (out.startsWith(s.slice(s.length - k))) {
          cut = k;
          break;
        }
      }
    }
    if (cut > 0) out = REDACTED + out.slice(cut);
  }
  return out;
}

/** The last `max` characters of already redacted text. */
export function tail(text: string, max: number): string {
  return text.length <= max ? text : text.slice(text.length - max);
}
