#!/usr/bin/env node
// The dns01-proxy command (`npm start`, package bin): checks the Node version, then runs the compiled daemon
// (no arguments, or `serve`) or the operator CLI (any other arguments; docs/cli.md).
import './require-node24.mjs';
import { spawn } from 'child_process';
import { existsSync } from 'fs';
import module from 'module';
import { fileURLToPath } from 'url';

var first = process.argv[2];
var daemon = first === undefined || first === 'serve';
var main = new URL(daemon ? '../dist/main.js' : '../dist/cli/main.js', import.meta.url);
var shown = daemon ? 'dist/main.js' : 'dist/cli/main.js';
if (!existsSync(main)) {
  process.stderr.write('dns01-proxy: ' + shown + " is missing: run 'npm run build' first\n");
  process.exit(1);
}
if (daemon && first === 'serve' && process.argv.length > 3) {
  process.stderr.write('dns01-proxy: serve takes no arguments; the daemon is configured by environment variables (docs/configuration.md)\n');
  process.exit(2);
}
// The daemon runs with the image's V8 flags (Dockerfile's CMD; docs/deployment.md, "Memory"): without --liftoff-only a
// first start on PGlite peaks near 900 MiB instead of about 270. Most of them are refused in NODE_OPTIONS and too late
// for v8.setFlagsFromString, so a node started without them runs this file again in a child that has them; a flag
// given on the command line or in NODE_OPTIONS (e.g. --max-semi-space-size=8) is kept as given.
var V8_FLAGS = ['--max-semi-space-size=2', '--heap-growing-percent=20', '--liftoff-only'];
var given = process.execArgv.concat((process.env.NODE_OPTIONS || '').split(/\s+/));
var missing = daemon ? V8_FLAGS.filter(function (f) {
  var name = f.split('=')[0];
  return !given.some(function (g) { return g.split('=')[0] === name; });
}) : [];
if (missing.length > 0) {
  var child = spawn(process.execPath, missing.concat(process.execArgv, [fileURLToPath(import.meta.url)], process.argv.slice(2)), { stdio: 'inherit' });
  // The child is the daemon: a stop signal is its to handle (it drains), and its exit is ours.
  ['SIGTERM', 'SIGINT', 'SIGHUP'].forEach(function (signal) {
    process.on(signal, function () { child.kill(signal); });
  });
  child.on('exit', function (code, signal) {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    }
    process.exit(code === null ? 1 : code);
  });
} else {
  run();
}

function run() {
  // V8's code for dist/main.js kept in the temp dir (as NODE_COMPILE_CACHE does in the image): a restart skips compiling it.
  module.enableCompileCache();
  import(main.href).catch(function (err) {
    // e.g. node_modules missing: one line, not a stack trace.
    process.stderr.write('dns01-proxy: cannot load ' + shown + ': ' + String(err && err.message).split('\n')[0] + " (run 'npm ci')\n");
    process.exit(1);
  });
}
