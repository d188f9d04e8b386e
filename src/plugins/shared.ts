// What the built-in plugins share: their metadata (they ship with the daemon, so they carry its version and
// interface) and credential pieces, such as numbers that clients also send as strings ("30").
import { z } from 'zod';
import { PLUGIN_INTERFACE_VERSION, type PluginMetadata } from '../plugin-api/index.js';

/** The daemon's own release; built-in plugins are versioned with it. */
export const DAEMON_VERSION = '0.1.0';

export function builtin(type: string, name: string, description: string, documentationUrl?: string): PluginMetadata {
  return {
    type, name, description, version: DAEMON_VERSION, author: 'dns01-proxy', interfaceVersion: PLUGIN_INTERFACE_VERSION,
    ...(documentationUrl ? { documentationUrl } : {}),
  };
}

/** A number checked by `schema`, also accepted as a decimal string; the stored form is the number. */
export function numeric(schema: z.ZodNumber) {
  return z.union([z.number(), z.string().trim().regex(/^-?\d+(\.\d+)?$/, 'must be a number').transform(Number)]).pipe(schema);
}
