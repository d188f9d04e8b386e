#!/usr/bin/env bash
# `npm test`: runs vitest and ends with one plain summary line CI can read: "N passed, N failed[, N skipped]".
set -uo pipefail
cd "$(dirname "$0")/.."
export NO_COLOR=1

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
report="$tmp/vitest.json"

# V8 line coverage of src/ rides along (vitest.config.ts); a narrower run (a file, -t) reports it for what ran.
rm -f .tmp/coverage/coverage-summary.json
npx vitest run --coverage --reporter=default --reporter=json --outputFile.json="$report" "$@"
rc=$?

# A file that fails to load, or whose beforeAll throws, fails no individual test in the JSON report:
# count each such file as one failure so the summary line never reads clean when the run was not.
node - "$report" "$rc" .tmp/coverage/coverage-summary.json "$#" <<'EOF'
const fs = require('node:fs');
const [file, rcText, coverageFile, argCount] = process.argv.slice(2);
// The floor for the daemon's code; only a whole-suite run (no arguments) is held to it.
const MIN_LINE_COVERAGE = 85;
const rc = Number(rcText);
let r;
try {
  r = JSON.parse(fs.readFileSync(file, 'utf8'));
} catch (e) {
  console.log('0 passed, 1 failed');
  console.error(`no vitest JSON report (${e.message}); vitest exited ${rc}`);
  process.exit(rc || 1);
}
const passed = r.numPassedTests ?? 0;
let failed = r.numFailedTests ?? 0;
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
const brokenFiles = (r.testResults ?? []).filter((f) =>
  f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed'));
for (const f of brokenFiles) console.error(`failed outside any test: ${f.name}${f.message ? `: ${f.message.split('\n')[0]}` : ''}`);
failed += brokenFiles.length;
// Global setup or config errors fail the run before any test: still never print "0 failed" for a failed run.
if (rc !== 0 && failed === 0) {
  console.error(`vitest exited ${rc} without a failed test (global setup, config or unhandled error): counted as 1 failure`);
  failed = 1;
}
try {
  const { lines } = JSON.parse(fs.readFileSync(coverageFile, 'utf8')).total;
  console.log(`line coverage of src/: ${lines.pct}% (${lines.covered} of ${lines.total} lines)`);
  if (argCount === '0' && lines.pct < MIN_LINE_COVERAGE) {
    console.error(`line coverage ${lines.pct}% is below ${MIN_LINE_COVERAGE}%: counted as 1 failure`);
    failed += 1;
  }
} catch {
  console.log('line coverage of src/: not measured (no coverage summary)');
}
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
if (passed + failed === 0) console.error('no test ran');
process.exit(rc !== 0 || failed > 0 || passed + failed === 0 ? (rc || 1) : 0);
EOF
