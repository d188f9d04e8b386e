// The house stays layered (ARCHITECTURE.md#rooms): no import loop between files or between rooms (the top-level
// folders of src/), and the plugin contract imports nothing of the daemon's, so a plugin author's types never change
// with the daemon's insides.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (/\.tsx?$/.test(entry)) out.push(path);
  }
  return out;
}

const files = sourceFiles(SRC);
const known = new Set(files);

/** Each file's imports of other files under src/ (static, dynamic and type-only alike: a type import is a dependency too). */
const imports = new Map<string, string[]>(
  files.map((file) => {
    const text = readFileSync(file, 'utf8');
    const targets: string[] = [];
    for (const m of text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const base = resolve(dirname(file), m[1]!).replace(/\.js$/, '');
      const target = [`${base}.ts`, `${base}.tsx`].find((t) => known.has(t));
      if (target) targets.push(target);
    }
    return [file, targets];
  }),
);

/** A room is a top-level folder of src/; a file directly in src/ is a room of its own. */
function roomOf(file: string): string {
  const parts = relative(SRC, file).split('/');
  return parts.length === 1 ? parts[0]!.replace(/\.tsx?$/, '') : parts[0]!;
}

/** One cycle of the graph, as the path that closes it, or null. */
function findCycle(nodes: Iterable<string>, edges: (n: string) => Iterable<string>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | null => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of edges(n)) {
      if (state.get(m) === 'open') return [...stack.slice(stack.indexOf(m)), m];
      if (!state.has(m)) {
        const found = visit(m);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(n, 'done');
    return null;
  };
  for (const n of nodes) {
    if (state.has(n)) continue;
    const found = visit(n);
    if (found) return found;
  }
  return null;
}

describe('layers', () => {
  it('reads the source tree (the checks below see every file)', () => {
    expect(files.length).toBeGreaterThan(100);
    expect([...imports.values()].flat().length).toBeGreaterThan(500);
  });

  it('no file imports itself back through others', () => {
    const cycle = findCycle(files, (f) => imports.get(f) ?? []);
    expect(cycle?.map((f) => relative(SRC, f)) ?? null).toBeNull();
  });

  it('no room imports itself back through other rooms', () => {
    const roomEdges = new Map<string, Set<string>>();
    for (const [file, targets] of imports) {
      for (const target of targets) {
        const from = roomOf(file);
        const to = roomOf(target);
        if (from !== to) (roomEdges.get(from) ?? roomEdges.set(from, new Set()).get(from)!).add(to);
      }
    }
    expect(findCycle(roomEdges.keys(), (r) => roomEdges.get(r) ?? [])).toBeNull();
  });

  it('the plugin contract (src/plugin-api) imports nothing of the daemon', () => {
    const contract = files.filter((f) => roomOf(f) === 'plugin-api');
    expect(contract.length).toBeGreaterThan(0);
    const outside = contract.flatMap((f) => (imports.get(f) ?? []).filter((t) => roomOf(t) !== 'plugin-api').map((t) => `${relative(SRC, f)} -> ${relative(SRC, t)}`));
    expect(outside).toEqual([]);
  });
});
