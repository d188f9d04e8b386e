// Loadable plugins on the wire: a plugin's row as the admin API shows it.
import { z } from 'zod';
import { PLUGIN_STATUSES, type PluginRow } from '../../db/schema.js';
import { instant, iso, success } from './common.js';

export const pluginSchema = z.strictObject({
  id: z.uuid(),
  name: z.string(),
  type: z.string().nullable(),
  path: z.string(),
  signature: z.string().nullable(),
  enabled: z.boolean(),
  status: z.enum(PLUGIN_STATUSES),
  error: z.string().nullable(),
  version: z.string().nullable(),
  author: z.string().nullable(),
  loaded_at: instant.nullable(),
  created_at: instant,
  updated_at: instant,
});

export function pluginView(row: PluginRow): z.infer<typeof pluginSchema> {
  return {
    id: row.id, name: row.name, type: row.type, path: row.path, signature: row.signature, enabled: row.enabled, status: row.status,
    error: row.error, version: row.version, author: row.author, loaded_at: iso(row.loadedAt),
    created_at: iso(row.createdAt), updated_at: iso(row.updatedAt),
  };
}

export const pluginReplySchema = z.strictObject({ success, plugin: pluginSchema });
export const pluginListReplySchema = z.strictObject({ success, plugins: z.array(pluginSchema) });
