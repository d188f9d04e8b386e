// Every provider type that ships with the daemon, as the catalogue takes them. A new one is a folder
// (src/plugins/<type>/index.ts, default-exporting its plugin) and one line in ./list.ts.
import type { AnyProviderPlugin } from '../plugin-api/index.js';
import * as list from './list.js';

export const shippedPlugins: readonly AnyProviderPlugin[] = Object.values(list);
