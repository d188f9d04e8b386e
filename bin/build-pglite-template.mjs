// Writes dist/pglite-template.tar.gz (or the path given): an initdb'd PGlite data directory that a first start unpacks instead of running initdb.
// initdb inside PGlite peaks at about 1 GiB (a second PostgreSQL and initdb compiled to WebAssembly beside the first);
// unpacking this 4 MiB file peaks where a restart does. The last step of `npm run build`, with the node_modules the daemon uses.
import { writeFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';

const out = process.argv[2] ?? new URL('../dist/pglite-template.tar.gz', import.meta.url);
const pg = await PGlite.create();
try {
  const tarball = await pg.dumpDataDir('gzip');
  writeFileSync(out, new Uint8Array(await tarball.arrayBuffer()));
  console.log(`wrote ${String(out)} (${(tarball.size / 1048576).toFixed(1)} MiB)`);
} finally {
  await pg.close();
}
