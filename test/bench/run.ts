// `npm run bench`: runs every test/bench/*.bench.ts one after another (each starts its own servers), passing arguments on.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const pass = process.argv.slice(2).filter((a) => a.startsWith('--'));
const benches = readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).filter((f) => !only.length || only.some((o) => f.includes(o))).sort();
let failed = 0;
for (const f of benches) {
  console.log(`\n=== ${f}`);
  // Benches are run one at a time: on a shared 2-core machine two at once would measure each other.
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(dir, f), ...pass], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
console.log(`\n${benches.length - failed} benches ran, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
