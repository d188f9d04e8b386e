// The committed loadable plugins are exactly what `npm run build:plugins` makes of their sources, and run with nothing but node:* built-ins.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PLUGINS = readdirSync(join(ROOT, 'plugins'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && readdirSync(join(ROOT, 'plugins', d.name)).includes('tsconfig.json'))
  .map((d) => d.name);
const out = mkdtempSync(join(tmpdir(), 'dns01-plugin-build-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Every module specifier a file names: static imports, re-exports, dynamic imports and require calls. */
function specifiers(code: string): string[] {
  const found = [
    ...code.matchAll(/^\s*(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/gm),
    ...code.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm),
    ...code.matchAll(/\b(?:import|require)\s*\(\s*([^)]*)\)/g),
  ];
  return found.map((m) => m[1]!.replace(/^['"`]|['"`]$/g, ''));
}

describe('loadable plugins as committed', () => {
  it('lists the PowerDNS example', () => {
    expect(PLUGINS).toContain('powerdns');
  });

  it('builds each plugin into a file identical to the committed one', () => {
    execFileSync(process.execPath, [join(ROOT, 'bin/build-plugins.mjs'), '--out', out], { cwd: ROOT, stdio: 'pipe' });
    for (const name of PLUGINS) {
      const built = readFileSync(join(out, `${name}.mjs`), 'utf8');
      const committed = readFileSync(join(ROOT, 'plugins', name, `${name}.mjs`), 'utf8');
      expect(committed, `plugins/${name}/${name}.mjs differs from its source: run npm run build:plugins`).toBe(built);
    }
  });

  it('imports nothing but node:* built-ins', () => {
    expect(specifiers("import a from 'zod';\nexport { b } from \"./x.js\";\nawait import('pino');")).toEqual(['zod', './x.js', 'pino']);
    for (const name of PLUGINS) {
      const code = readFileSync(join(ROOT, 'plugins', name, `${name}.mjs`), 'utf8');
      expect(specifiers(code).filter((s) => !s.startsWith('node:')), name).toEqual([]);
    }
  });

  it('runs in plain Node from a directory without node_modules, given zod by the host', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dns01-plugin-alone-'));
    try {
      for (const name of PLUGINS) {
        copyFileSync(join(ROOT, 'plugins', name, `${name}.mjs`), join(dir, `${name}.mjs`));
        const script = `
          const { z } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'node_modules/zod/index.js')).href)});
          const plugin = await (await import(${JSON.stringify(pathToFileURL(join(dir, `${name}.mjs`)).href)})).default({ interfaceVersion: 1, z });
          process.stdout.write(JSON.stringify(plugin.metadata));`;
        const metadata = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, encoding: 'utf8' })) as { type: string };
        expect(metadata.type).toBe(name);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
