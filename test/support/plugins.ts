// A plugin directory as an operator sets one up: the module copied in (0600, directory 0700) and an allow-list naming its hash.
import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

/** The committed PowerDNS example module. */
export const POWERDNS_MODULE = fileURLToPath(new URL('../../plugins/powerdns/powerdns.mjs', import.meta.url));

export interface PluginDir {
  /** DNS01_PLUGINS_DIR and DNS01_PLUGINS_CONFIG for the daemon. */
  env: Record<string, string>;
  dir: string;
  remove(): Promise<void>;
}

/** `sha256:<hex>` of a file, as `sha256sum` prints it and the allow-list wants it. */
export async function signatureOf(path: string): Promise<string> {
  return `sha256:${createHash('sha256').update(await readFile(path)).digest('hex')}`;
}

/** Copies each module (named `<type>.mjs`) into a fresh directory and lists it, enabled, in a plugins.yaml beside it. */
export async function pluginDir(modules: string[]): Promise<PluginDir> {
  const root = await mkdtemp(join(tmpdir(), 'dns01-plugins-'));
  const dir = join(root, 'plugins');
  await mkdir(dir, { mode: 0o700 });
  await chmod(dir, 0o700);
  const plugins: Record<string, { enabled: boolean; signature: string }> = {};
  for (const module of modules) {
    const target = join(dir, basename(module));
    await copyFile(module, target);
    await chmod(target, 0o600);
    plugins[basename(module, '.mjs')] = { enabled: true, signature: await signatureOf(target) };
  }
  const config = join(root, 'plugins.yaml');
  await writeFile(config, stringify({ plugins }), { mode: 0o600 });
  return {
    env: { DNS01_PLUGINS_DIR: dir, DNS01_PLUGINS_CONFIG: config },
    dir,
    remove: () => rm(root, { recursive: true, force: true }),
  };
}
