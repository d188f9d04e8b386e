// Writes dist/main.js (or the path given) as one file: the daemon and the packages it imports, bundled by esbuild.
// Run by `npm run build` after tsc, over tsc's dist/main.js. Node's ESM loader spends most of a start resolving and
// compiling a few hundred separate modules (package.json scopes, exports maps); one file starts in a fraction of that
// (docs/deployment.md, "Start-up"). PGlite stays a package of its own: it loads its WebAssembly and data files from
// beside its module, and is imported only in embedded mode. ioredis is imported only when a Redis is configured.
import { builtinModules } from 'node:module';
import { build } from 'esbuild';

// Node's built-ins are loaded with require(), not import: importing one builds an ES module facade that reads every
// export, and node:http's lazy WebSocket getters then load Node's internal undici (about 60 ms of a start).
const BUILTIN = new RegExp(`^(node:)?(${builtinModules.map((m) => m.replace(/[/]/g, '\\/')).join('|')})$`);
const builtinsByRequire = {
  name: 'builtins-by-require',
  setup(b) {
    b.onResolve({ filter: BUILTIN }, (args) => (args.namespace === 'builtin' ? { path: args.path, external: true } : { path: args.path, namespace: 'builtin' }));
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
  },
};

// src/module-hooks.ts speeds up Node's resolving of drizzle-orm's files; in the bundle there are none to resolve.
const withoutModuleHooks = {
  name: 'without-module-hooks',
  setup(b) {
    b.onResolve({ filter: /\/module-hooks\.js$/ }, () => ({ path: 'module-hooks', namespace: 'empty' }));
    b.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({ contents: '', loader: 'js' }));
  },
};

const out = process.argv[2] ?? new URL('../dist/main.js', import.meta.url).pathname;
await build({
  entryPoints: [new URL('../src/main.ts', import.meta.url).pathname],
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  external: ['@electric-sql/pglite', '@electric-sql/pglite/*', 'ioredis'],
  // The CommonJS packages inside (pino, prom-client, opossum, ...) call require() for Node's built-ins.
  banner: { js: "import { createRequire as __bundleCreateRequire } from 'node:module'; const require = __bundleCreateRequire(import.meta.url);" },
  plugins: [builtinsByRequire, withoutModuleHooks],
  logLevel: 'warning', minifyWhitespace: true, minifySyntax: true,
});
