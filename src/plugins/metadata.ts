// Metadata shared by the built-in plugins: they ship with the daemon, so they carry its version and interface.
import { PLUGIN_INTERFACE_VERSION, type PluginMetadata } from '../plugin-api/index.js';

/** The daemon's own release; built-in plugins are versioned with it. */
export const DAEMON_VERSION = '0.1.0';

export function builtin(type: string, name: string, description: string, documentationUrl?: string): PluginMetadata {
  return {
    type, name, description, version: DAEMON_VERSION, author: 'dns01-proxy', interfaceVersion: PLUGIN_INTERFACE_VERSION,
    ...(documentationUrl ? { documentationUrl } : {}),
  };
}
