// Prints three measures of the code's shape (issue #21), for comparing the tree before and after a restructure:
//   (a) the src/ modules one `present` runs through, from the HTTP route Caddy calls
//       (POST /internal/dns-challenge/providers/:id/present) to the plugin and back to the reply;
//   (b) the ten longest functions in src/;
//   (c) the pairs of repeated blocks in src/, as the `duplicates` command counts them.
// Run from the repository root: bash scripts/node24.sh npx tsx scripts/measure-shape.ts
//
// (a) Method: an in-process daemon (test/support/daemon.ts, on PGlite) with a webhook provider pointed at a local
// node:http server. Through the inspector (same thread), every possible break location (statement, call, return) of
// every loaded src/ script gets a breakpoint whose condition records the script's module and answers false, so nothing
// ever pauses. One present's record, repeats in a row folded, is its exact path in time order, including every return
// into a caller and every resumption after an `await`. Two spans are reported: the whole request (from the node:http
// listener through the middleware, the route and the plugin, until the client has the reply) and the route span (from
// the first to the last step in the module of the route's handler, which is looked up in hono's route table by ROUTE,
// so no src/ path is written here). Presents run one at a time with a fresh name each: warm-ups, then MEASURED ones.
// Limits: only src/ statements count (hono, zod, drizzle, PGlite and undici are invisible, so a src->library->src hop
// is one step); async interleaving (a log flush, the webhook's reply) moves a step or two between runs, hence the
// [min-max]; a loop walks its modules once per item, so steps and turn-backs count loops (distinct steps do not).
// Breakpoints slow the code a lot: this measures shape, never time. A CPU-profiler sampling version was tried first
// and dropped: on this loaded machine it got one sample per ~116 µs (asked 20 µs) and saw a median of 9 of a
// present's 40 modules, so one request's path was mostly missing.
// (b) Method: the TypeScript 7 API (typescript/unstable/sync; `import ts from 'typescript'` gives only a version)
// parses every src/ file; a function's length runs from its first token (after comments) to its end, inclusive, and
// an outer function's length includes the functions nested in it.
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { Session } from 'node:inspector/promises';
import { readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { API } from 'typescript/unstable/sync';
import { SyntaxKind, isFunctionLikeDeclaration, type Node, type SourceFile } from 'typescript/unstable/ast';
import { startTestDaemon, txtValue } from '../test/support/daemon.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const SRC = join(ROOT, 'src');
/** The route Caddy's acmeproxy module calls for one provider; the entry point is looked up by it. */
const ROUTE = /^\/internal\/dns-challenge\/providers\/:[^/]+\/present$/;
const WARM_UP = 5;
const MEASURED = 7;

/** src-relative path of a script's url, or undefined when it is not under src/. */
function srcModule(url: string): string | undefined {
  if (!url.startsWith('file://')) return undefined;
  const path = fileURLToPath(url.split('?')[0]!);
  return path.startsWith(SRC + '/') ? relative(SRC, path) : undefined;
}

function fold<T>(xs: T[]): T[] {
  return xs.filter((x, i) => i === 0 || x !== xs[i - 1]);
}

/** The figures of one folded path. A turn-back is a step into a module the path had already left (A→B→A: one). */
function shapeOf(path: string[]): Record<string, number> {
  const steps = path.slice(1).map((m, k) => `${path[k]} → ${m}`);
  const back = steps.filter((_, k) => path.indexOf(path[k + 1]!) <= k);
  return {
    'modules crossed': new Set(path).size,
    'steps (module changes)': steps.length,
    'distinct steps (module → module)': new Set(steps).size,
    'turn-backs (steps into a module the path had left)': back.length,
    'turn-backs of the form A→B→A': path.filter((m, k) => k >= 2 && path[k - 2] === m).length,
    'distinct turn-back steps': new Set(back).size,
  };
}

/** The path as lines of about 110 characters. */
function wrap(path: string[]): string {
  const lines: string[] = [];
  for (const m of path) {
    if (!lines.length || lines.at(-1)!.length + m.length > 110) lines.push('');
    lines[lines.length - 1] += `${lines.at(-1) ? ' → ' : ''}${m}`;
  }
  return lines.join('\n      ');
}

async function measurePath(): Promise<void> {
  const hook = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"success":true,"record_id":"r1"}'));
  });
  await new Promise<void>((ok) => hook.listen(0, '127.0.0.1', ok));
  const hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/hook`;
  const d = await startTestDaemon({ db: 'pglite' });
  const session = new Session();
  session.connect();
  try {
    const id = await d.addProvider({
      name: 'measure', provider_type: 'webhook', credentials: { create_url: hookUrl, max_retries: 0 },
      settings: { rate_limit_per_minute: 10_000 },
    });
    let n = 0;
    const trace: string[] = [];
    const global = globalThis as { __measureShape?: string[]; __measureHandler?: unknown };
    global.__measureShape = trace;
    const present = async (): Promise<string[]> => {
      n += 1;
      trace.length = 0;
      const res = await d.internal(`/providers/${id}/present`, { body: { fqdn: `_acme-challenge.m${n}.example.com.`, value: txtValue(n) } });
      await res.text();
      if (res.status !== 200) throw new Error(`present answered ${res.status}`);
      return fold(trace);
    };
    for (let i = 0; i < WARM_UP; i++) await present();

    const scripts = new Map<string, string>();
    session.on('Debugger.scriptParsed', ({ params }) => {
      const module = srcModule(params.url);
      if (module) scripts.set(params.scriptId, module);
    });
    await session.post('Debugger.enable');
    let breakpoints = 0;
    for (const [scriptId, module] of scripts) {
      const { locations } = await session.post('Debugger.getPossibleBreakpoints', { start: { scriptId, lineNumber: 0, columnNumber: 0 } });
      const condition = `globalThis.__measureShape.push(${JSON.stringify(module)}), false`;
      for (const { lineNumber, columnNumber } of locations) {
        await session.post('Debugger.setBreakpoint', { location: { scriptId, lineNumber, columnNumber }, condition });
        breakpoints++;
      }
    }

    // The route's module: where the last handler hono holds for the route is defined.
    const route = d.daemon.app.routes.filter((r) => r.method === 'POST' && ROUTE.test(r.path)).at(-1);
    if (!route) throw new Error('no POST route for /internal/dns-challenge/providers/:id/present');
    global.__measureHandler = route.handler;
    const { result } = await session.post('Runtime.evaluate', { expression: 'globalThis.__measureHandler' });
    const { internalProperties } = await session.post('Runtime.getProperties', { objectId: result.objectId!, ownProperties: true });
    const where = internalProperties?.find((p) => p.name === '[[FunctionLocation]]')?.value?.value as { scriptId: string } | undefined;
    const routeModule = where && scripts.get(where.scriptId);
    if (!routeModule) throw new Error(`the handler of ${route.path} is not in a src/ module`);

    await present(); // the first present under breakpoints still runs one-time code
    const paths: string[][] = [];
    for (let i = 0; i < MEASURED; i++) paths.push(await present());
    paths.sort((x, y) => x.length - y.length);
    const path = paths[Math.floor(MEASURED / 2)]!;
    const span = (p: string[]) => p.slice(p.indexOf(routeModule), p.lastIndexOf(routeModule) + 1);

    console.log(`(a) one present: POST ${route.path} with a webhook provider, ${MEASURED} measured one at a time,`
      + ` the median (by steps) shown, [min-max] of all ${MEASURED} where they differ`);
    console.log(`    ${breakpoints} break locations in ${scripts.size} loaded src/ modules; the route's handler is in ${routeModule}`);
    console.log(`    ${'whole request: node:http listener to reply | route span: first to last step in the route\'s module'}`);
    const figures = (f: (p: string[]) => string[], key: string) => {
      const all = paths.map((p) => shapeOf(f(p))[key]!);
      const [lo, hi] = [Math.min(...all), Math.max(...all)];
      return `${shapeOf(f(path))[key]}${lo === hi ? '' : ` [${lo}-${hi}]`}`;
    };
    for (const key of Object.keys(shapeOf(path))) {
      console.log(`    ${key.padEnd(52)} ${figures((p) => p, key).padEnd(14)} | ${figures(span, key)}`);
    }
    console.log(`    modules (whole request): ${[...new Set(path)].sort().join(', ')}`);
    console.log(`    path (whole request):\n      ${wrap(path)}`);
  } finally {
    await session.post('Debugger.disable');
    session.disconnect();
    await d.stop();
    await new Promise((ok) => hook.close(ok));
  }
}

function srcFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? srcFiles(join(dir, e.name)) : /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [join(dir, e.name)] : []);
}

function functionName(node: Node): string {
  const named = (n: Node) => (n as { name?: Node }).name?.getText();
  const own = named(node) ?? (node.kind === SyntaxKind.Constructor ? 'constructor' : undefined);
  const holder = node.parent;
  const where = holder.kind === SyntaxKind.ClassDeclaration || holder.kind === SyntaxKind.ClassExpression ? `${named(holder) ?? '<class>'}.` : '';
  return own ? where + own : named(holder) ?? '<anonymous>';
}

function measureFunctions(): void {
  const api = new API({ cwd: ROOT });
  try {
    const program = api.updateSnapshot({ openProjects: [join(ROOT, 'tsconfig.json')] }).getProjects()[0]!.program;
    const found: Array<{ file: string; name: string; lines: number }> = [];
    for (const file of srcFiles(SRC)) {
      const sf: SourceFile | undefined = program.getSourceFile(file);
      if (!sf) throw new Error(`${file} is not in tsconfig.json's program`);
      const line = (pos: number) => sf.getLineAndCharacterOfPosition(pos).line;
      const visit = (node: Node): void => {
        if (isFunctionLikeDeclaration(node) && (node as { body?: Node }).body) {
          found.push({ file: relative(SRC, file), name: functionName(node), lines: line(node.getEnd()) - line(node.getStart(sf)) + 1 });
        }
        node.forEachChild(visit);
      };
      visit(sf);
    }
    found.sort((a, b) => b.lines - a.lines);
    console.log(`(b) longest functions in src/ (${found.length} functions with a body):`);
    for (const f of found.slice(0, 10)) console.log(`    ${String(f.lines).padStart(4)} lines  ${f.name}  (${f.file})`);
  } finally {
    api.close();
  }
}

function measureDuplicates(): void {
  const out = execFileSync('duplicates', ['--repo', SRC, '--seconds', '120'], { cwd: ROOT, encoding: 'utf8' });
  const first = out.split('\n')[0]!;
  const pairs = /^(\d+) pairs? /.exec(first)?.[1] ?? (first.startsWith('no duplicates') ? '0' : '?');
  console.log(`(c) repeated blocks in src/: ${pairs} pairs  (duplicates --repo src: "${first}")`);
  const incomplete = out.split('\n').filter((l) => l.startsWith('incomplete:'));
  if (incomplete.length) console.log(`    ${incomplete.join('\n    ')}`);
}

let head = 'a tree outside git';
try {
  head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' }).trim();
} catch {
  // an exported tree (git archive) is measured all the same
}
console.log(`measure-shape at ${head}`);
await measurePath();
measureFunctions();
measureDuplicates();
