// Admin API for loadable plugins (docs/api.md#plugins): list, show, enable, disable, reload.
import { Hono } from 'hono';
import { AppError } from '../../errors.js';
import type { PluginRow } from '../../db/schema.js';
import type { PluginLoader } from '../../plugin-loader/loader.js';
import { audited, noteAudit } from '../audit.js';
import { described } from '../openapi.js';
import { pluginListReplySchema, pluginReplySchema, pluginView } from '../wire/plugins.js';

/** The refusal of every plugin action while loadable plugins are off (the console answers it too). */
export const pluginsOff = () => new AppError('NOT_FOUND', 'loadable plugins are off; set DNS01_PLUGINS_DIR and DNS01_PLUGINS_CONFIG');

const noted = (row: PluginRow) => ({ name: row.name, type: row.type, status: row.status, enabled: row.enabled, version: row.version });

/** `loader` is null when DNS01_PLUGINS_DIR is unset: the list is empty and a reload says how to turn plugins on. */
export function pluginRoutes(loader: PluginLoader | null): Hono {
  const app = new Hono();
  const need = () => {
    if (!loader) throw pluginsOff();
    return loader;
  };
  app.get('/', described({ summary: 'Every loadable plugin', responses: { 200: { description: 'the plugins', schema: pluginListReplySchema } } }),
    async (c) => c.json({ success: true, plugins: loader ? (await loader.list()).map(pluginView) : [] }));
  app.post('/reload', described({ summary: 'Read the plugins directory again', responses: { 200: { description: 'the plugins', schema: pluginListReplySchema } } }),
    audited('plugin.reload', 'plugin'), async (c) => {
      const rows = await need().reload();
      const count = (status: string) => rows.filter((r) => r.status === status).length;
      noteAudit(c, { details: { plugins: rows.length, loaded: count('loaded'), error: count('error'), disabled: count('disabled') } });
      return c.json({ success: true, plugins: rows.map(pluginView) });
    });
  app.get('/:id', described({ summary: 'One loadable plugin', responses: { 200: { description: 'the plugin', schema: pluginReplySchema } } }),
    async (c) => c.json({ success: true, plugin: pluginView(await need().get(c.req.param('id'))) }));
  app.post('/:id/enable', described({ summary: 'Enable a plugin', responses: { 200: { description: 'the plugin', schema: pluginReplySchema } } }),
    audited('plugin.enable', 'plugin'), async (c) => {
      const row = await need().enable(c.req.param('id'));
      noteAudit(c, { details: noted(row) });
      return c.json({ success: true, plugin: pluginView(row) });
    });
  app.post('/:id/disable', described({ summary: 'Disable a plugin', responses: { 200: { description: 'the plugin', schema: pluginReplySchema } } }),
    audited('plugin.disable', 'plugin'), async (c) => {
      const row = await need().disable(c.req.param('id'));
      noteAudit(c, { details: noted(row) });
      return c.json({ success: true, plugin: pluginView(row) });
    });
  return app;
}
