// What a loaded module's factory is handed: the daemon's libraries and the way to fail that the daemon understands.
import { z } from 'zod';
import { PluginFailure } from '../calls/loaded-failures.js';
import { PLUGIN_INTERFACE_VERSION, type FailureOptions, type PluginHost } from '../plugin-api/index.js';

export function pluginHost(): PluginHost {
  return {
    interfaceVersion: PLUGIN_INTERFACE_VERSION,
    z,
    fail(message: string, opts: FailureOptions): never {
      throw new PluginFailure(String(message), opts);
    },
  };
}
