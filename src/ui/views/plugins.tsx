// Plugins: every provider type, the ones that ship with the daemon and the loaded ones (docs/plugins.md); a loaded
// plugin's state (loaded, disabled, or refused with the reason) and the API's actions on it: enable, disable, reload.
import { Hono } from 'hono';
import type { RegisteredType } from '../../calls/catalogue.js';
import type { PluginRow } from '../../db/schema.js';
import type { AppError } from '../../errors.js';
import { audited, noteAudit } from '../../http/audit.js';
import { pluginsOff } from '../../http/routes/plugins.js';
import type { UiContext, UiDeps, UiEnv } from '../deps.js';
import { Badge, ErrorProblem, Layout, Notice, Table, when } from '../layout.js';
import { formError } from './forms.js';

/** The catalogue's category in words (src/calls/catalogue.ts): who writes a shipped type's records. */
const KIND = { built_in: "built in: Caddy's module writes the records", custom: 'built in: the daemon writes the records', plugin: 'loaded plugin' } as const;

function State(props: { row: PluginRow }) {
  const { row } = props;
  const status = row.status === 'loaded' ? <Badge tone="good">loaded</Badge> : row.status === 'disabled' ? <Badge tone="warn">disabled</Badge> : <Badge tone="bad">refused</Badge>;
  return (
    <>
      {row.enabled ? <Badge tone="info">enabled</Badge> : <Badge tone="warn">disabled</Badge>} {status}
      {row.error ? <p><span class="muted">Reason: </span>{row.error}</p> : null}
    </>
  );
}

function PluginsPage(props: { csrf: string; on: boolean; rows: PluginRow[]; types: RegisteredType[]; result?: string | undefined; error?: AppError }) {
  const names = new Map(props.types.map((t) => [t.plugin.metadata.type, t.plugin.metadata.name]));
  const action = (row: PluginRow, step: 'enable' | 'disable') => (
    <form method="post" action={`/ui/plugins/${row.id}/${step}`}>
      <input type="hidden" name="csrf" value={props.csrf} />
      <button type="submit" class={step === 'disable' ? 'danger' : undefined} aria-label={`${step === 'enable' ? 'Enable' : 'Disable'} plugin ${row.name}`}>
        {step === 'enable' ? 'Enable' : 'Disable'}
      </button>
    </form>
  );
  return (
    <Layout title="Plugins" csrf={props.csrf} section="plugins">
      <h1>Plugins</h1>
      <p class="muted">The provider types this daemon serves: those that ship with it, and the modules it loads from its plugin directory when the allow-list names their hash.</p>
      <Notice code={props.result} />
      {props.error ? <ErrorProblem error={props.error} /> : null}
      <section class="card" aria-labelledby="loaded-heading">
        <h2 id="loaded-heading">Loaded plugins</h2>
        {props.on ? null : <p class="muted">Loadable plugins are off: set DNS01_PLUGINS_DIR and DNS01_PLUGINS_CONFIG (docs/plugins.md).</p>}
        {props.on && props.rows.length === 0 ? <p class="muted">No module in the plugin directory or on the allow-list.</p> : null}
        {props.rows.length > 0 ? (
          <Table caption="Loaded plugins" head={['Plugin', 'Type', 'Version', 'Author', 'State', 'Loaded at', 'Actions']} rows={props.rows.map((r) => [
            <><span class="name">{r.name}</span>{r.type && names.get(r.type) ? <><br /><span class="muted">{names.get(r.type)}</span></> : null}</>,
            r.type ? <code>{r.type}</code> : <span class="muted">–</span>,
            r.version ?? '–',
            r.author ?? "–",
            <State row={r} />,
            when(r.loadedAt),
            <div class="actions">{action(r, r.enabled ? 'disable' : 'enable')}</div>,
          ])} />
        ) : null}
        <form method="post" action="/ui/plugins/reload" class="actions">
          <input type="hidden" name="csrf" value={props.csrf} />
          <button type="submit" class="primary">Reload plugins</button>
        </form>
        <p class="hint">Reload reads the allow-list and the directory again: a changed module is swapped in, a refused one keeps the loaded version serving.</p>
      </section>
      <section class="card" aria-labelledby="shipped-heading">
        <h2 id="shipped-heading">Types that ship with the daemon</h2>
        <Table caption="Types that ship with the daemon" head={['Type', 'Name', 'Kind', 'Version', 'State']} rows={props.types.filter((t) => t.category !== 'plugin').map((t) => [
          <code>{t.plugin.metadata.type}</code>,
          t.plugin.metadata.name,
          KIND[t.category],
          t.plugin.metadata.version,
          <Badge tone="good">always on</Badge>,
        ])} />
      </section>
    </Layout>
  );
}

export function pluginRoutes(deps: UiDeps): Hono<UiEnv> {
  const app = new Hono<UiEnv>();
  const { loader } = deps;
  const render = async (c: UiContext, error?: AppError, status = 200) =>
    c.html(
      <PluginsPage csrf={c.get('csrf')} on={loader !== null} rows={loader ? await loader.list() : []} types={deps.calls.catalogue.types()}
        result={c.req.query('result')} {...(error ? { error } : {})} />,
      status as 200,
    );

  app.get('/plugins', (c) => render(c));

  app.post('/plugins/reload', audited('plugin.reload', 'plugin'), async (c) => {
    try {
      if (!loader) throw pluginsOff();
      const rows = await loader.reload();
      const count = (status: string) => rows.filter((r) => r.status === status).length;
      noteAudit(c, { details: { api: 'ui', plugins: rows.length, loaded: count('loaded'), error: count('error'), disabled: count('disabled') } });
      return c.redirect('/ui/plugins?result=plugins_reloaded', 303);
    } catch (err) {
      const e = formError(err);
      noteAudit(c, { details: { api: 'ui', code: e.code } });
      return render(c, e, e.status);
    }
  });

  for (const step of ['enable', 'disable'] as const) {
    app.post(`/plugins/:id/${step}`, audited(`plugin.${step}`, 'plugin'), async (c) => {
      try {
        if (!loader) throw pluginsOff();
        const row = await loader[step](c.req.param('id'));
        noteAudit(c, { details: { api: 'ui', name: row.name, type: row.type, status: row.status, enabled: row.enabled, version: row.version } });
        return c.redirect(`/ui/plugins?result=plugin_${step}d`, 303);
      } catch (err) {
        const e = formError(err);
        noteAudit(c, { details: { api: 'ui', code: e.code } });
        return render(c, e, e.status);
      }
    });
  }
  return app;
}
