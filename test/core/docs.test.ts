// Keeps docs in step with the code: every error code, environment variable and credential field is documented.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES } from '../../src/config.js';
import { ERROR_CODES } from '../../src/errors.js';
import { shippedPlugins } from '../../src/plugins/index.js';
import { fieldsOf } from '../../src/calls/field-specs.js';

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).map((f) => join(dir, f)).flatMap((p) => (statSync(p).isDirectory() ? markdownFiles(p) : p.endsWith('.md') ? [p] : []));
}

function allDocs(): string {
  return markdownFiles('docs').map((p) => readFileSync(p, 'utf8')).join('\n');
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

  // One name for the admin token on every page, set on the page before its first use, so a command copied from any
  // page works alone: `ADMIN_TOKEN=$(cat data/admin-token)` (the file the daemon generates), never $ADMIN or
  // $DNS01_ADMIN_TOKEN (the daemon's own setting, which a reader's shell does not have).
  const pages = ['README.md', ...markdownFiles('docs'), ...readdirSync('plugins').map((d) => join('plugins', d, 'README.md')).filter((p) => existsSync(p))];

  it.each(pages)('%s names the admin token $ADMIN_TOKEN, set on the page before its first use', (page) => {
    const text = readFileSync(page, 'utf8');
    const bearers = [...text.matchAll(/Bearer \$\{?([A-Za-z0-9_]+)/g)].map((m) => m[1]).filter((v) => v !== 'ADMIN_TOKEN');
    // Only the internal token may be another variable, and every page passes that one inline from its file.
    expect(bearers, 'Bearer with another variable than $ADMIN_TOKEN').toEqual([]);
    expect(text.match(/^\s*[A-Za-z0-9_]+=\$\(cat [^)]*admin-token\)/gm)?.filter((l) => !l.trim().startsWith('ADMIN_TOKEN=')) ?? []).toEqual([]);
    expect(text, 'an admin token from $DNS01_ADMIN_TOKEN').not.toMatch(/\$\{?DNS01_ADMIN_TOKEN\b/);
    const firstUse = text.indexOf('$ADMIN_TOKEN');
    if (firstUse >= 0) expect(text.slice(0, firstUse), 'ADMIN_TOKEN=$(cat data/admin-token) before the first $ADMIN_TOKEN').toMatch(/^\s*ADMIN_TOKEN=\$\(cat data\/admin-token\)/m);
  });
});

