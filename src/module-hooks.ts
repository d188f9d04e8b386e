// Resolves drizzle-orm's own relative imports directly: Node re-parses its 130 KB exports map for each of them otherwise.
import { registerHooks } from 'node:module';

// Node 24.21's ESM resolver looks up the package scope of every file it loads and, by spreading the cached
// package.json, JSON-parses that package's `exports` each time. drizzle-orm lists 447 entry points there and
// loads a few hundred files, so the daemon spent about 1 s and 200 MiB of garbage (left in RSS) at start on
// it. drizzle-orm is "type": "module" and its .js files are all ES modules, so its relative imports need no
// lookup at all.
const DRIZZLE = '/node_modules/drizzle-orm/';

registerHooks({
  resolve(specifier, context, next) {
    if (specifier.startsWith('.') && specifier.endsWith('.js') && context.parentURL?.startsWith('file:') && context.parentURL.includes(DRIZZLE)) {
      return { url: new URL(specifier, context.parentURL).href, format: 'module', shortCircuit: true };
    }
    return next(specifier, context);
  },
});
