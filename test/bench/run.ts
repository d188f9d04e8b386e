// `npm run bench`: runs every test/bench/*.bench.ts one after another (each starts its own servers), passing arguments on, then prints one summary table.
// The quiet-machine check (machine.ts) is made once, here at the start, and passed on: the benches themselves load the machine.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDaemon, printSummary, quietCheckEnv, quietMachine, readRecorded } from './lib.js';

const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const pass = process.argv.slice(2).filter((a) => a.startsWith('--'));
const benches = readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).filter((f) => !only.length || only.some((o) => f.includes(o))).sort();
const started = performance.now();
const quiet = await quietMachine('npm run bench');
console.log(`npm run bench: ${benches.join(', ')}`);
// One tsc build for every daemon of every bench; the benches report their figures into one file.
const results = mkdtempSync(join(tmpdir(), 'dns01-bench-results-'));
const env = { ...process.env, ...quietCheckEnv(), BENCH_BUILD_DIR: buildDaemon(), BENCH_RESULTS: join(results, 'figures.jsonl') };
let failed = 0;
for (const f of benches) {
  console.log(`\n=== ${f}`);
  // Benches are run one at a time: on a shared 2-core machine two at once would measure each other.
  const t0 = performance.now();
  // Not spawnSync: this process's CPU sampler (machine.ts) keeps sampling meanwhile.
  const status = await new Promise<number | null>((resolve) => spawn(process.execPath, ['--import', 'tsx', join(dir, f), ...pass], { stdio: 'inherit', env }).on('exit', resolve));
  if (status !== 0) failed++;
  console.log(`(${f}: ${((performance.now() - t0) / 1000).toFixed(0)} s${status !== 0 ? ', FAILED' : ''})`);
}
printSummary(`summary of issue #12's figures: median [min-max] over the runs (${((performance.now() - started) / 60_000).toFixed(1)} min)`, readRecorded(env.BENCH_RESULTS));
rmSync(results, { recursive: true, force: true });
quiet.end();
console.log(`\n${benches.length - failed} benches ran, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
