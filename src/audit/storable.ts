// What the audit table can hold: PostgreSQL refuses NUL in text and in jsonb, and a lone UTF-16 surrogate in jsonb
// (JSON.stringify writes it as a `\udXXX` escape with no pair). One such value failed its whole multi-row INSERT.

/** A NUL becomes the six characters `\u0000`, so a reader sees one was sent; a lone surrogate becomes U+FFFD. */
export function storableText(value: string): string {
  const text = value.isWellFormed() ? value : value.toWellFormed();
  return text.includes('\u0000') ? text.replaceAll('\u0000', '\\u0000') : text;
}

/** The marker a cut value ends with: the original length, so a reader knows how much is missing. */
const cutMarker = (length: number) => `…[cut: ${length} characters]`;

/**
 * storableText, then at most `max` characters of it followed by cutMarker. Never ends inside a surrogate pair (half of
 * one is itself unstorable).
 */
export function storableCapped(value: string, max: number): string {
  const text = storableText(value);
  if (text.length <= max) return text;
  const end = /[\uD800-\uDBFF]/.test(text[max - 1] ?? '') ? max - 1 : max;
  return `${text.slice(0, end)}${cutMarker(text.length)}`;
}
