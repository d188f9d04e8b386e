// The shape check a loaded module's plugin object must pass before it is registered: the contract's types, at run time.
import type { z } from 'zod';
import { PLUGIN_INTERFACE_VERSION, type PluginMetadata } from '../plugin-api/index.js';

type Loose = Record<string, unknown> & { metadata?: Partial<PluginMetadata>; defaults?: Record<string, unknown> };

/** What is wrong with a factory's result as a plugin (src/plugin-api); empty when nothing is. */
export function shapeProblems(plugin: unknown): string[] {
  const p = plugin as Loose | null;
  if (!p || typeof p !== 'object') return ['the module did not give a plugin object'];
  const m = p.metadata;
  const problems: string[] = [];
  if (!m || typeof m !== 'object') return ['metadata is missing'];
  if (typeof m.type !== 'string' || !/^[a-z][a-z0-9_-]{0,63}$/.test(m.type)) problems.push('metadata.type must be 1-64 of a-z, 0-9, _ and -, starting with a letter');
  for (const key of ['name', 'description', 'version', 'author'] as const) {
    const v = m[key];
    if (typeof v !== 'string' || v.trim() === '' || v.length > 200) problems.push(`metadata.${key} must be a non-empty string`);
  }
  if (m.documentationUrl !== undefined && (typeof m.documentationUrl !== 'string' || !/^https?:\/\//.test(m.documentationUrl))) {
    problems.push('metadata.documentationUrl must be an http(s) URL');
  }
  if (m.interfaceVersion !== PLUGIN_INTERFACE_VERSION) problems.push(`metadata.interfaceVersion is ${String(m.interfaceVersion)}; this daemon speaks ${PLUGIN_INTERFACE_VERSION}`);
  if (!p.credentials || typeof (p.credentials as z.ZodType).safeParse !== 'function') problems.push('credentials must be a zod schema (use host.z)');
  const d = p.defaults;
  if (!d || ![d.propagationTimeout, d.pollingInterval, d.ttl].every((n) => typeof n === 'number' && n > 0)) problems.push('defaults needs positive propagationTimeout, pollingInterval and ttl');
  for (const fn of ['check', 'test', 'present', 'cleanup', 'caddyConfig', 'timing', 'init', 'close'] as const) {
    if (p[fn] !== undefined && typeof p[fn] !== 'function') problems.push(`${fn} must be a function`);
  }
  if (p.aliases !== undefined && (typeof p.aliases !== 'object' || p.aliases === null || !Object.values(p.aliases).every((v) => typeof v === 'string'))) {
    problems.push('aliases must map names to credential keys');
  }
  if (typeof p.present === 'function' && typeof p.cleanup !== 'function') problems.push('a plugin with present needs cleanup');
  if (typeof p.present !== 'function' && typeof p.caddyConfig !== 'function') problems.push('a plugin needs present/cleanup or caddyConfig');
  return problems;
}
