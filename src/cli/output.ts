// How the CLI prints: aligned text tables for people, JSON for scripts.

export type Cell = string | number | boolean | null | undefined;

function text(v: Cell): string {
  if (v === null || v === undefined || v === '') return '-';
  return String(v).replace(/[\x00-\x1f\x7f]/g, ' ');
}

/** A header row and one line per row, columns padded to their widest cell. */
export function table(headers: string[], rows: Cell[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(text))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}
