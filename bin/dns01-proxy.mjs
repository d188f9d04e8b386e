#!/usr/bin/env node
// The dns01-proxy command (`npm start`, package bin): checks the Node version first, then runs the compiled daemon.
import './require-node24.mjs';
import { existsSync } from 'fs';

var main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write("dns01-proxy: dist/main.js is missing: run 'npm run build' first\n");
  process.exit(1);
}
import(main.href).catch(function (err) {
  // e.g. node_modules missing: one line, not a stack trace.
  process.stderr.write('dns01-proxy: cannot load dist/main.js: ' + String(err && err.message).split('\n')[0] + " (run 'npm ci')\n");
  process.exit(1);
});
