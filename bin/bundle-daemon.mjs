// Writes dist/main.js (or the path given) and dist/chunks/: the daemon and the packages it imports, bundled by esbuild.
// Run by `npm run build` after tsc, over tsc's dist/main.js. Node's ESM loader spends most of a start resolving and
// compiling a few hundred separate modules (package.json scopes, exports maps); a bundle starts in a fraction of that
// (docs/deployment.md, "Start-up"). PGlite stays a package of its own: it loads its WebAssembly and data files from
// beside its module, and is imported only in embedded mode. ioredis is imported only when a Redis is configured.
import { readFileSync, rmSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
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

// zod's `z.locales` namespace holds every language's messages (about 15 ms to evaluate); the daemon speaks English only.
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => (/[\\/]zod[\\/]v4[\\/](classic|core)[\\/]/.test(args.importer)
      ? { path: new URL('../locales/en.js', `file://${args.importer}`).pathname, namespace: 'zod-locales' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({ contents: `export { default as en } from ${JSON.stringify(args.path)};`, loader: 'js', resolveDir: '/' }));
  },
};

// @hono/node-server imports node:http2 (about 15 ms to load) only to recognise HTTP/2 requests. The daemon serves
// HTTP/1.1 (node:http, http/listener.ts): no request is an Http2ServerRequest, and the stand-in class below matches none.
const honoWithoutHttp2 = {
  name: 'hono-without-http2',
  setup(b) {
    b.onResolve({ filter: /^(node:)?http2$/ }, (args) => (/[\\/]@hono[\\/]node-server[\\/]/.test(args.importer) ? { path: 'http2', namespace: 'hono-http2' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'hono-http2' }, () => ({ contents: 'export class Http2ServerRequest {} export const constants = {};', loader: 'js' }));
  },
};

// With splitting, esbuild gives a dynamic import() of a CommonJS package (undici, yaml) a `default` export only, its
// module.exports; Node gives the named exports too, which the daemon's code uses. Such an import goes through a module
// that names them, read from the package itself here.
const namedCommonJsExports = {
  name: 'named-commonjs-exports',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      const r = await b.resolve(args.path, { kind: 'import-statement', resolveDir: args.resolveDir, importer: args.importer });
      if (r.errors.length || r.external || !isCommonJs(r.path)) return undefined;
      return { path: r.path, namespace: 'named-commonjs' };
    });
    b.onLoad({ filter: /.*/, namespace: 'named-commonjs' }, (args) => {
      const names = Object.keys(createRequire(args.path)(args.path)).filter((k) => /^[A-Za-z_$][\w$]*$/.test(k) && k !== 'default');
      const spec = JSON.stringify(args.path);
      return { contents: `import m from ${spec}; export default m; export const { ${names.join(', ')} } = m;`, loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

/** As Node decides: .cjs, or .js under a package.json whose type is not "module". */
function isCommonJs(file) {
  if (file.endsWith('.cjs')) return true;
  if (!file.endsWith('.js')) return false;
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).type !== 'module';
    } catch (err) {
      if (err.code !== 'ENOENT') throw err;
    }
  }
  return true;
}

const out = process.argv[2] ?? new URL('../dist/main.js', import.meta.url).pathname;
// Chunks are named by their content's hash: a rebuild's would sit beside the last one's.
rmSync(join(dirname(out), 'chunks'), { recursive: true, force: true });
await build({
  entryPoints: [new URL('../src/main.ts', import.meta.url).pathname],
  outdir: dirname(out),
  entryNames: basename(out, '.js'),
  // What the daemon imports only when needed (undici at the first outbound call, yaml with plugins) is a file of
  // its own in dist/chunks/, read and compiled then rather than at every start.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  external: ['@electric-sql/pglite', '@electric-sql/pglite/*', 'ioredis'],
  // The CommonJS packages inside (pino, prom-client, opossum, ...) call require() for Node's built-ins.
  banner: { js: "import { createRequire as __bundleCreateRequire } from 'node:module'; const require = __bundleCreateRequire(import.meta.url);" },
  plugins: [namedCommonJsExports, honoWithoutHttp2, zodEnglishOnly, builtinsByRequire, withoutModuleHooks],
  logLevel: 'warning', minifyWhitespace: true, minifySyntax: true,
});
