// Keeps docs in step with the code: every error code, environment variable and credential field is documented.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES } from '../../src/config.js';
import { ERROR_CODES } from '../../src/errors.js';
import { shippedPlugins } from '../../src/plugins/index.js';
import { fieldsOf } from '../../src/calls/field-specs.js';

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

  // The credential schema is the one source: docs/plugins.md must name exactly its fields, with the same required ones.
  const pluginsDoc = readFileSync('docs/plugins.md', 'utf8');
  const proxied = shippedPlugins.filter((p) => p.present);
  const native = shippedPlugins.filter((p) => !p.present);

  it.each(proxied.map((p) => [p.metadata.type, p] as const))('docs/plugins.md documents every credential field of %s', (type, plugin) => {
    const section = pluginsDoc.split(/^## /m).find((s) => s.startsWith(`${type}\n`)) ?? '';
    const rows = [...section.matchAll(/^\| `([a-z_]+)` \| [^|]+ \| (yes|no) \|/gm)].map((m) => ({ name: m[1], required: m[2] === 'yes' }));
    expect(rows).toEqual(fieldsOf(plugin).map((f) => ({ name: f.name, required: f.required })));
  });

  it('docs/plugins.md lists every Caddy-native type with its fields, required ones in bold and secret ones marked', () => {
    const section = pluginsDoc.split(/^## /m).find((s) => s.startsWith('Caddy-native types\n')) ?? '';
    for (const plugin of native) {
      const row = section.split('\n').find((l) => l.startsWith(`| \`${plugin.metadata.type}\` |`)) ?? '';
      const cell = row.split(' | ')[1] ?? '';
      const documented = [...cell.matchAll(/(\*\*)?`([a-z_]+)`(\*\*)?(†)?/g)].map((m) => ({ name: m[2], required: Boolean(m[1]), secret: Boolean(m[4]) }));
      const expected = fieldsOf(plugin).map((f) => ({ name: f.name, required: f.required, secret: f.secret }));
      // A field's first mention is its entry; later ones are prose.
      const entries = documented.filter((d, i) => expected.some((e) => e.name === d.name) && documented.findIndex((x) => x.name === d.name) === i);
      expect(entries, plugin.metadata.type).toEqual(expected);
    }
  });
});
