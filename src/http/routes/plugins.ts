// Admin API for loadable plugins (seed 001 §8): list, show, enable, disable, reload.
import { Hono } from 'hono';
import { AppError } from '../../errors.js';
import { pluginView, type PluginLoader } from '../../plugins/loader.js';

/** `loader` is null when DNS01_PLUGINS_DIR is unset: the list is empty and a reload says how to turn plugins on. */
export function pluginRoutes(loader: PluginLoader | null): Hono {
  const app = new Hono();
  const need = () => {
    if (!loader) throw new AppError('NOT_FOUND', 'loadable plugins are off; set DNS01_PLUGINS_DIR and DNS01_PLUGINS_CONFIG');
    return loader;
  };
  app.get('/', async (c) => c.json({ success: true, plugins: loader ? (await loader.list()).map(pluginView) : [] }));
  app.post('/reload', async (c) => c.json({ success: true, plugins: (await need().reload()).map(pluginView) }));
  app.get('/:id', async (c) => c.json({ success: true, plugin: pluginView(await need().get(c.req.param('id'))) }));
  app.post('/:id/enable', async (c) => c.json({ success: true, plugin: pluginView(await need().enable(c.req.param('id'))) }));
  app.post('/:id/disable', async (c) => c.json({ success: true, plugin: pluginView(await need().disable(c.req.param('id'))) }));
  return app;
}
