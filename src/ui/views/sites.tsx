// Sites: the domains that need DNS-01 certificates and the provider each uses; add, enable or disable, delete.
// A site the config file declares is shown read-only, the file named.
import { Hono } from 'hono';
import type { DnsProviderRow, SiteRow } from '../../db/schema.js';
import type { AppError } from '../../errors.js';
import { audited, noteAudit } from '../../http/audit.js';
import { siteInput, siteInputSchema } from '../../http/wire/sites.js';
import type { UiContext, UiDeps, UiEnv } from '../deps.js';
import { Badge, ErrorProblem, Layout, Notice, Table } from '../layout.js';
import { checked, formError, formOf, type Form } from './forms.js';

function SitesPage(props: { csrf: string; sites: SiteRow[]; providers: DnsProviderRow[]; result?: string | undefined; error?: AppError; values?: Form }) {
  const names = new Map(props.providers.map((p) => [p.id, p.name]));
  const v = props.values ?? {};
  const action = (site: SiteRow, step: string, label: string, kind?: string) => (
    <form method="post" action={`/ui/sites/${site.id}/${step}`}>
      <input type="hidden" name="csrf" value={props.csrf} />
      <button type="submit" class={kind} aria-label={`${label} ${site.domainNames.join(', ')}`}>{label}</button>
    </form>
  );
  return (
    <Layout title="Sites" csrf={props.csrf} section="sites">
      <h1>Sites</h1>
      <p class="muted">A site names domains and the provider that answers their challenges; names no site claims go to the default provider.</p>
      <Notice code={props.result} />
      {props.error ? <ErrorProblem error={props.error} /> : null}
      {props.sites.length === 0 ? <p class="card muted">No site yet.</p> : (
        <div class="card">
          <Table caption="Sites" head={['Domains', 'Provider', 'State', 'Managed by', 'Actions']} rows={props.sites.map((s) => [
            <span class="name">{s.domainNames.join(', ')}</span>,
            <a class="name" href={`/ui/providers/${s.dnsProviderId}`}>{names.get(s.dnsProviderId) ?? s.dnsProviderId}</a>,
            s.enabled ? <Badge tone="good">enabled</Badge> : <Badge tone="warn">disabled</Badge>,
            s.managedBy ? <code>{s.managedBy}</code> : <span class="muted">the API</span>,
            s.managedBy ? <span class="muted">read-only: change it in the config file</span> : (
              <div class="actions">{action(s, 'toggle', s.enabled ? 'Disable' : 'Enable')}{action(s, 'delete', 'Delete', 'danger')}</div>
            ),
          ])} />
        </div>
      )}
      <form class="card form" method="post" action="/ui/sites" aria-labelledby="site-add-heading">
        <h2 id="site-add-heading">Add a site</h2>
        <input type="hidden" name="csrf" value={props.csrf} />
        <label for="domains">Domain names</label>
        <textarea id="domains" name="domain_names" required aria-describedby="domains-hint" spellcheck={false}>{v.domain_names ?? ''}</textarea>
        <p class="hint" id="domains-hint">One a line, or separated by commas; *.example.com covers the names below example.com.</p>
        <label for="site-provider">Provider</label>
        <select id="site-provider" name="dns_provider_id" required>
          {props.providers.map((p) => <option value={p.id} selected={v.dns_provider_id === p.id}>{p.name} ({p.providerType})</option>)}
        </select>
        <label class="check"><input type="checkbox" name="enabled" checked={(v.enabled ?? 'on') === 'on'} /> Enabled</label>
        <div class="actions"><button type="submit" class="primary">Add site</button></div>
      </form>
    </Layout>
  );
}

export function siteRoutes(deps: UiDeps): Hono<UiEnv> {
  const app = new Hono<UiEnv>();
  const store = deps.sites;
  const render = async (c: UiContext, extra: { error?: AppError; values?: Form } = {}, status = 200) =>
    c.html(<SitesPage csrf={c.get('csrf')} sites={await store.list()} providers={await deps.providers.list()} result={c.req.query('result')} {...extra} />, status as 200);

  app.get('/sites', (c) => render(c));

  app.post('/sites', audited('site.create', 'site'), async (c) => {
    const f = formOf(await c.req.parseBody());
    try {
      const domains = (f.domain_names ?? '').split(/[\s,]+/).filter(Boolean);
      const row = await store.create(siteInput(checked(siteInputSchema, { domain_names: domains, dns_provider_id: f.dns_provider_id ?? '', enabled: f.enabled === 'on' })));
      noteAudit(c, { id: row.id, details: { api: 'ui', domain_names: row.domainNames, provider_id: row.dnsProviderId } });
      return c.redirect('/ui/sites?result=site_created', 303);
    } catch (err) {
      const e = formError(err);
      noteAudit(c, { id: null, details: { api: 'ui', code: e.code } });
      return render(c, { error: e, values: f }, e.status);
    }
  });

  app.post('/sites/:id/toggle', audited('site.update', 'site'), async (c) => {
    const site = await store.get(c.req.param('id'));
    try {
      const row = await store.update(site.id, { enabled: !site.enabled });
      noteAudit(c, { details: { api: 'ui', domain_names: row.domainNames, provider_id: row.dnsProviderId, enabled: row.enabled } });
      return c.redirect('/ui/sites?result=site_updated', 303);
    } catch (err) {
      const e = formError(err);
      noteAudit(c, { details: { api: 'ui', code: e.code } });
      return render(c, { error: e }, e.status);
    }
  });

  app.post('/sites/:id/delete', audited('site.delete', 'site'), async (c) => {
    try {
      await store.remove(c.req.param('id'));
      noteAudit(c, { details: { api: 'ui' } });
      return c.redirect('/ui/sites?result=site_deleted', 303);
    } catch (err) {
      const e = formError(err);
      noteAudit(c, { details: { api: 'ui', code: e.code } });
      return render(c, { error: e }, e.status);
    }
  });
  return app;
}
