#!/usr/bin/env node
// The dns01-proxy command (`npm start`, package bin): checks the Node version, then runs the compiled daemon
// (no arguments, or `serve`) or the operator CLI (any other arguments; docs/cli.md).
import './require-node24.mjs';
import { existsSync } from 'fs';
import module from 'module';

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
// V8's code for dist/main.js kept in the temp dir (as NODE_COMPILE_CACHE does in the image): a restart skips compiling it.
module.enableCompileCache();
import(main.href).catch(function (err) {
  // e.g. node_modules missing: one line, not a stack trace.
  process.stderr.write('dns01-proxy: cannot load ' + shown + ': ' + String(err && err.message).split('\n')[0] + " (run 'npm ci')\n");
  process.exit(1);
});
