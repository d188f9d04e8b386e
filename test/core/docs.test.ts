// Keeps docs in step with the code: every error code and every environment variable is documented.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES } from '../../src/config.js';
import { ERROR_CODES } from '../../src/errors.js';

function allDocs(dir = 'docs'): string {
  return readdirSync(dir)
    .map((f) => join(dir, f))
    .map((p) => (statSync(p).isDirectory() ? allDocs(p) : p.endsWith('.md') ? readFileSync(p, 'utf8') : ''))
    .join('\n');
}

describe('docs', () => {
  it('docs/errors.md lists every error code with its HTTP status', () => {
    const doc = readFileSync('docs/errors.md', 'utf8');
    const missing = Object.entries(ERROR_CODES).filter(([code, status]) => !new RegExp(`\\| \`${code}\` \\| ${status} \\|`).test(doc));
    expect(missing).toEqual([]);
  });

  it('docs/errors.md documents no code the code does not have', () => {
    const doc = readFileSync('docs/errors.md', 'utf8');
    const documented = [...doc.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect(documented.filter((c) => !(c! in ERROR_CODES))).toEqual([]);
  });

  it('every environment variable the daemon reads appears in docs/', () => {
    const docs = allDocs();
    const missing = CONFIG_VARIABLES.filter((v) => !docs.includes(v.replace(/_V\d+$/, '_V1')));
    expect(missing).toEqual([]);
  });
});
