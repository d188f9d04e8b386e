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
// ever pauses. One present's record, repeats in a row folded, is its exact path in time order: from the node:http
// listener through the middleware and the route to the plugin and back until the reply reaches the client, including
// every return into a caller and every resumption after an `await`. Presents run one at a time with a fresh name
// each; warm-ups first, then two measured ones that must agree (or the script says they differ).
// Limits: only src/ statements count (hono, zod, drizzle, PGlite and undici are invisible, so a src->library->src
// hop shows as one step); work the daemon does after the client has its reply is left out; a loop over several
// items walks its modules once per item, so turn-backs count loops too (distinct steps do not). Breakpoints slow
// the code a lot, so this measures shape, never time. A CPU-profiler sampling version was tried first and dropped:
// on this loaded machine it got one sample per ~116 µs (asked 20 µs) and saw a median of 9 of a present's 40 modules.
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
const WARM_UP = 5;

/** src-relative path of a frame's script url, or undefined when it is not under src/. */
function srcModule(url: string): string | undefined {
  if (!url.startsWith('file://')) return undefined;
  const path = fileURLToPath(url.split('?')[0]!);
  return path.startsWith(SRC + '/') ? relative(SRC, path) : undefined;
}

function fold<T>(xs: T[]): T[] {
  return xs.filter((x, i) => i === 0 || x !== xs[i - 1]);
}

/** Steps into a module the path has already left: A→B→A counts one. */
function turnBacks(path: string[]): number {
  return path.filter((m, i) => path.indexOf(m) < i).length;
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
    (globalThis as { __measureShape?: string[] }).__measureShape = trace;
    const present = async (): Promise<string[]> => {
      n += 1;
      trace.length = 0;
      const res = await d.internal(`/providers/${id}/present`, { body: { fqdn: `_acme-challenge.m${n}.example.com.`, value: txtValue(n) } });
      await res.text();
      if (res.status !== 200) throw new Error(`present answered ${res.status}`);
      return fold(trace);
    };
    for (let i = 0; i < WARM_UP; i++) await present();

    const scripts: Array<{ scriptId: string; module: string }> = [];
    session.on('Debugger.scriptParsed', ({ params }) => {
      const module = srcModule(params.url);
      if (module) scripts.push({ scriptId: params.scriptId, module });
    });
    await session.post('Debugger.enable');
    let breakpoints = 0;
    for (const { scriptId, module } of scripts) {
      const { locations } = await session.post('Debugger.getPossibleBreakpoints', { start: { scriptId, lineNumber: 0, columnNumber: 0 } });
      const condition = `globalThis.__measureShape.push(${JSON.stringify(module)}), false`;
      for (const { lineNumber, columnNumber } of locations) {
        await session.post('Debugger.setBreakpoint', { location: { scriptId, lineNumber, columnNumber }, condition });
        breakpoints++;
      }
    }
    await present(); // the first present under breakpoints still runs one-time code
    const first = await present();
    const path = await present();
    const same = first.join() === path.join();

    const edges = new Set(path.slice(1).map((m, i) => `${path[i]} → ${m}`));
    const bounces = path.filter((m, i) => i >= 2 && path[i - 2] === m).length;
    const backSteps = new Set(path.map((m, i) => (path.indexOf(m) < i ? `${path[i - 1]} → ${m}` : '')).filter(Boolean));
    console.log('(a) one present: POST /internal/dns-challenge/providers/:id/present (webhook plugin), listener to reply');
    console.log(`    ${breakpoints} break locations in ${scripts.length} loaded src/ modules;`
      + ` two presents ${same ? 'gave the same path' : `DIFFER: ${first.length} and ${path.length} steps`}`);
    console.log(`    modules crossed: ${new Set(path).size}`);
    console.log(`    steps (module changes + 1): ${path.length}; distinct steps (module → module): ${edges.size}`);
    console.log(`    turn-backs (steps into a module the path had left): ${turnBacks(path)}; of those A→B→A: ${bounces};`
      + ` distinct turn-back steps: ${backSteps.size}`);
    console.log(`    modules: ${[...new Set(path)].sort().join(', ')}`);
    const lines: string[] = [];
    for (const m of path) {
      if (!lines.length || lines.at(-1)!.length + m.length > 110) lines.push('');
      lines[lines.length - 1] += `${lines.at(-1) ? ' → ' : ''}${m}`;
    }
    console.log(`    path:\n      ${lines.join('\n      ')}`);
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

console.log(`measure-shape at ${execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim()}`);
await measurePath();
measureFunctions();
measureDuplicates();
