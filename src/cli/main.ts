// Entry point of the operator CLI (`dns01-proxy <command>`, `npm run cli -- <command>`).
import { runCli } from './run.js';

process.exitCode = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  stdout: process.stdout,
  err: (text) => process.stderr.write(text),
  env: process.env,
});
