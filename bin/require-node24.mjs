// Stops with one line on a Node older than 24, before anything needs it. Plain old syntax on purpose:
// this file must parse and run on the old Node it turns away (npm scripts run it first; the launcher imports it).
import { existsSync } from 'fs';
import { relative } from 'path';
import { fileURLToPath } from 'url';

var version = process.versions.node;
if (Number(version.split('.')[0]) < 24) {
  var event = process.env.npm_lifecycle_event;
  var command = !event ? 'node ' + relative(process.cwd(), process.argv[1] || 'bin/dns01-proxy.mjs')
    : event === 'start' || event === 'test' ? 'npm ' + event : 'npm run ' + event;
  var script = fileURLToPath(new URL('../scripts/node24.sh', import.meta.url));
  // An installed package (npm install -g) has no scripts/: only a Node 24 helps there.
  process.stderr.write('dns01-proxy needs Node.js 24 (this is ' + version + '): ' + (existsSync(script)
    ? "run it through 'bash " + relative(process.cwd(), script) + ' ' + command + "' or install Node 24\n" : 'install Node 24\n'));
  process.exit(1);
}
