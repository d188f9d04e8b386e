// Compiles each plugins/<name>/src/<name>.mts with tsc into the one file the loader takes, plugins/<name>/<name>.mjs.
// `--out DIR` writes <DIR>/<name>.mjs instead (the drift test compares that with the committed file).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const at = process.argv.indexOf('--out');
const outDir = at > 0 ? process.argv[at + 1] : undefined;
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

for (const name of readdirSync(join(root, 'plugins')).sort()) {
  const project = join(root, 'plugins', name, 'tsconfig.json');
  if (!existsSync(project)) continue;
  // tsc mirrors the tree under the repo root (dns01-proxy/plugin-api resolves into src/), so build aside and keep one file.
  const build = mkdtempSync(join(tmpdir(), `dns01-plugin-${name}-`));
  try {
    execFileSync(process.execPath, [tsc, '-p', project, '--outDir', build], { stdio: 'inherit' });
    const target = outDir ? join(outDir, `${name}.mjs`) : join(root, 'plugins', name, `${name}.mjs`);
    mkdirSync(join(target, '..'), { recursive: true });
    copyFileSync(join(build, 'plugins', name, 'src', `${name}.mjs`), target);
    console.log(`built ${target}`);
  } finally {
    rmSync(build, { recursive: true, force: true });
  }
}
