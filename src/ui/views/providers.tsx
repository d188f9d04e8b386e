// Providers: the list with breaker state, create from the type's field specs, edit, test, delete; a provider's
// zone-specific credentials inside its page. A row the config file declares is shown read-only, the file named.
import { Hono } from 'hono';
import { z } from 'zod';
import type { Child } from 'hono/jsx';
import type { TestOutcome } from '../../calls/plugin-calls.js';
import { checkZone, type ZoneCheck } from '../../challenges/resolvers.js';
import type { DnsProviderRow, ProviderCredentialRow } from '../../db/schema.js';
import type { Detection } from '../../detect/detector.js';
import type { AppError } from '../../errors.js';
import { audited, noteAudit } from '../../http/audit.js';
import { credentialInput, credentialInputSchema } from '../../http/wire/credentials.js';
import { providerInput, providerInputSchema, providerPatch, providerPatchSchema } from '../../http/wire/providers.js';
import type { FieldSpec } from '../../plugin-api/index.js';
import { explicitZone } from '../../providers/explicit-zone.js';
import { domainName } from '../../sites/store.js';
import { type UiContext, type UiDeps, type UiEnv } from '../deps.js';
import { Badge, ErrorProblem, Layout, Notice, Table, when } from '../layout.js';
import { checked, CredentialFields, credentialsOf, credentialValues, formError, formOf, keptValues, numberOf, type Form } from './forms.js';
import { BreakerBadge, guardStates, limitUse, type GuardState } from './provider-state.js';

/** The API's detection body (src/http/routes/detect.ts). */
const detectSchema = z.object({ domain: domainName });

const NUMBERS = [
  ['propagation_timeout', 'Propagation timeout (seconds)', 'How long the daemon waits for the record to be seen; empty: the type\'s default'],
  ['polling_interval', 'Polling interval (seconds)', 'How often it looks; empty: the type\'s default'],
] as const;
const SETTINGS = [
  ['rate_limit_per_minute', 'Rate limit (calls a minute)'],
  ['rate_limit_wait_seconds', 'Wait for a free slot (seconds)'],
  ['breaker_threshold', 'Failures in a row that open the breaker'],
  ['breaker_reset_seconds', 'Seconds the breaker stays open'],
  ['ttl', 'TXT record TTL (seconds)'],
] as const;
const FLAGS = [['enabled', 'Enabled'], ['is_default', 'Default provider (for names no site claims)'], ['use_multi_credentials', 'Zone-specific credentials']] as const;

/** The API's create or change body from the posted form (`editing`: an empty secret keeps the stored one, an empty number unsets). */
function providerBody(form: Form, fields: readonly FieldSpec[], editing: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = { name: form.name ?? '', credentials: credentialsOf(form, fields, editing) };
  if (!editing) body.provider_type = form.provider_type ?? '';
  for (const [key] of FLAGS) body[key] = form[key] === 'on';
  for (const [key] of NUMBERS) {
    const n = numberOf(form[key]);
    if (n !== undefined) body[key] = n;
    else if (editing) body[key] = null;
  }
  const settings: Record<string, unknown> = {};
  for (const [key] of SETTINGS) {
    const n = numberOf(form[key]);
    if (n !== undefined) settings[key] = n;
  }
  if (form.caddy_mode) settings.caddy_mode = form.caddy_mode;
  if (form.wait_for_propagation) settings.wait_for_propagation = form.wait_for_propagation === 'yes';
  body.settings = settings;
  return body;
}

/** A stored provider as form values (its secrets left out). */
function rowValues(row: DnsProviderRow, masked: Record<string, unknown> | null, fields: readonly FieldSpec[]): Form {
  const s = row.settings;
  const text = (v: number | null | undefined) => (v === null || v === undefined ? '' : String(v));
  return {
    name: row.name, enabled: row.enabled ? 'on' : '', is_default: row.isDefault ? 'on' : '', use_multi_credentials: row.useMultiCredentials ? 'on' : '',
    propagation_timeout: text(row.propagationTimeout), polling_interval: text(row.pollingInterval),
    rate_limit_per_minute: text(s.rateLimitPerMinute), rate_limit_wait_seconds: text(s.rateLimitWaitSeconds), breaker_threshold: text(s.breakerThreshold),
    breaker_reset_seconds: text(s.breakerResetSeconds), ttl: text(s.ttl), caddy_mode: s.caddyMode ?? '',
    wait_for_propagation: s.waitForPropagation === undefined ? '' : s.waitForPropagation ? 'yes' : 'no',
    ...credentialValues(masked, fields),
  };
}

function Managed(props: { by: string | null; what: string }) {
  if (!props.by) return null;
  return <p class="notice" role="note">This {props.what} is declared in the config file <code>{props.by}</code>: it is shown read-only here; change it in that file.</p>;
}

function ProvidersPage(props: { csrf: string; rows: DnsProviderRow[]; guards: Map<string, GuardState>; result?: string | undefined; left?: { fqdn: string; value: string }[] }) {
  return (
    <Layout title="Providers" csrf={props.csrf} section="providers">
      <h1>Providers</h1>
      <Notice code={props.result} />
      {props.left?.length ? (
        <div class="notice bad" role="alert">
          <p>These records may remain in DNS; remove them by hand:</p>
          <ul>{props.left.map((r) => <li><code>{r.fqdn}</code> TXT <code>{r.value}</code></li>)}</ul>
        </div>
      ) : null}
      <p><a class="button" href="/ui/providers/new">Add a provider</a></p>
      {props.rows.length === 0 ? <p class="card muted">No provider yet.</p> : (
        <div class="card">
          <Table caption="Providers" head={['Name', 'Type', 'State', 'Breaker', 'Managed by']} rows={props.rows.map((r) => [
            <a class="name" href={`/ui/providers/${r.id}`}>{r.name}</a>,
            r.providerType,
            <>{r.enabled ? <Badge tone="good">enabled</Badge> : <Badge tone="warn">disabled</Badge>}{r.isDefault ? <> <Badge tone="info">default</Badge></> : null}</>,
            <BreakerBadge state={props.guards.get(r.id)!.breaker} />,
            r.managedBy ? <code>{r.managedBy}</code> : <span class="muted">the API</span>,
          ])} />
        </div>
      )}
    </Layout>
  );
}

interface Detected {
  domain: string;
  detection?: Detection;
  suggested?: DnsProviderRow | null;
  error?: AppError;
}

function TypePage(props: { csrf: string; types: { type: string; name: string }[]; detected?: Detected }) {
  const d = props.detected;
  const found = d?.detection;
  const typeName = (t: string) => props.types.find((x) => x.type === t)?.name ?? t;
  return (
    <Layout title="Add a provider" csrf={props.csrf} section="providers">
      <h1>Add a provider</h1>
      <form class="card form" method="get" action="/ui/providers/detect" aria-labelledby="detect-heading">
        <h2 id="detect-heading">For a domain</h2>
        <label for="domain">Domain</label>
        <input id="domain" name="domain" type="text" required value={d?.domain ?? ''} aria-describedby="domain-hint" autocomplete="off" spellcheck={false} />
        <p class="hint" id="domain-hint">Its zone's nameservers tell which type of provider serves it.</p>
        <div class="actions"><button type="submit">Detect the provider</button></div>
      </form>
      {d?.error ? <ErrorProblem error={d.error} /> : null}
      {found ? (
        <section class="card" aria-labelledby="detected-heading" role="status">
          <h2 id="detected-heading">{found.providerType ? `${typeName(found.providerType)} serves ${found.zone}` : `No known provider type serves ${found.zone}`}</h2>
          <p>Nameservers: {found.nameservers.map((n, i) => <>{i ? ', ' : ''}<code>{n}</code></>)}{found.providerType ? ` (confidence ${found.confidence})` : ''}.</p>
          {d?.suggested ? <p>A configured provider of this type: <a href={`/ui/providers/${d.suggested.id}`}>{d.suggested.name}</a>.</p> : null}
          {found.providerType ? <p><a class="button" href={`/ui/providers/new?type=${encodeURIComponent(found.providerType)}`}>{`Add a ${typeName(found.providerType)} provider`}</a></p> : <p class="muted">Choose the type below.</p>}
        </section>
      ) : null}
      <form class="card form" method="get" action="/ui/providers/new" aria-labelledby="type-heading">
        <h2 id="type-heading">By type</h2>
        <label for="type">Provider type</label>
        <select id="type" name="type" required aria-describedby="type-hint">
          {props.types.map((t) => <option value={t.type}>{t.name} ({t.type})</option>)}
        </select>
        <p class="hint" id="type-hint">The next step asks for this type's credentials.</p>
        <div class="actions"><button type="submit" class="primary">Next</button></div>
      </form>
    </Layout>
  );
}

function ProviderForm(props: { csrf: string; type: string; typeName: string; fields: readonly FieldSpec[]; values: Form; row?: DnsProviderRow; error?: AppError | undefined }) {
  const editing = props.row !== undefined;
  const v = props.values;
  const action = editing ? `/ui/providers/${props.row!.id}` : '/ui/providers';
  return (
    <Layout title={editing ? `Edit ${props.row!.name}` : `Add a ${props.typeName} provider`} csrf={props.csrf} section="providers">
      <h1>{editing ? <>Edit <span class="name">{props.row!.name}</span></> : `Add a ${props.typeName} provider`}</h1>
      {props.error ? <ErrorProblem error={props.error} /> : null}
      {props.error && props.fields.some((f) => f.secret) ? <p class="muted">{editing ? 'Secret fields left empty keep their stored values.' : 'Secret fields are never sent back: enter them again.'}</p> : null}
      <form class="card form" method="post" action={action}>
        <input type="hidden" name="csrf" value={props.csrf} />
        {editing ? null : <input type="hidden" name="provider_type" value={props.type} />}
        <label for="name">Name</label>
        <input id="name" name="name" type="text" required value={v.name ?? ''} aria-describedby="name-hint" autocomplete="off" />
        <p class="hint" id="name-hint">Letters, digits, space and _ . @ -. Type: {props.type}{editing ? ' (a type is changed through the API)' : ''}.</p>
        <fieldset>
          <legend>Credentials</legend>
          {props.fields.length ? <CredentialFields fields={props.fields} values={v} editing={editing} /> : <p class="muted">This type takes none.</p>}
        </fieldset>
        <fieldset>
          <legend>Use</legend>
          {FLAGS.map(([key, label]) => <label class="check"><input type="checkbox" name={key} checked={(v[key] ?? (key === 'enabled' && !editing ? 'on' : '')) === 'on'} /> {label}</label>)}
        </fieldset>
        {/* Open when it holds a value or the form came back refused: nothing set is hidden. */}
        <details open={Boolean(props.error) || [...NUMBERS, ...SETTINGS].some(([key]) => v[key]) || Boolean(v.caddy_mode || v.wait_for_propagation)}>
          <summary>Timing, limits and Caddy</summary>
          <fieldset>
            <legend>Empty: the default</legend>
            {[...NUMBERS.map(([key, label]) => [key, label] as const), ...SETTINGS].map(([key, label]) => (
              <><label for={key}>{label}</label><input id={key} name={key} type="number" min="0" value={v[key] ?? ''} /></>
            ))}
            <label for="caddy_mode">Caddy mode</label>
            <select id="caddy_mode" name="caddy_mode">
              {[['', 'the type\'s default'], ['native', 'native: Caddy\'s own module writes the records'], ['proxied', 'proxied: Caddy asks this daemon']].map(([value, label]) => (
                <option value={value} selected={(v.caddy_mode ?? '') === value}>{label}</option>
              ))}
            </select>
            <label for="wait_for_propagation">Wait for propagation before answering</label>
            <select id="wait_for_propagation" name="wait_for_propagation">
              {[['', 'the daemon\'s setting'], ['yes', 'yes'], ['no', 'no']].map(([value, label]) => <option value={value} selected={(v.wait_for_propagation ?? '') === value}>{label}</option>)}
            </select>
          </fieldset>
        </details>
        <div class="actions">
          <button type="submit" class="primary">{editing ? 'Save changes' : 'Add provider'}</button>
          <a class="button" href={editing ? `/ui/providers/${props.row!.id}` : '/ui/providers'}>Cancel</a>
        </div>
      </form>
    </Layout>
  );
}

interface Tested { what: string; result: TestOutcome; zone?: ZoneCheck | undefined }

function TestResult(props: { t: Tested }) {
  const { result: r, zone } = props.t;
  const tone = !r.tested ? 'info' : r.ok ? 'good' : 'bad';
  return (
    <div class={`notice ${tone}`} role="status">
      <p>{props.t.what}: {r.tested ? (r.ok ? `test passed. ${r.message}` : `test failed. ${r.message}`) : r.reason}</p>
      {zone ? <p>Zone check ({zone.resolver}): {zone.ok ? 'found. ' : 'not found. '}{zone.message}</p> : null}
    </div>
  );
}

interface ProviderPageProps {
  csrf: string;
  row: DnsProviderRow;
  masked: Record<string, unknown> | null;
  guard: GuardState;
  stats: { successCount: number; failureCount: number; lastUsedAt: Date | null; lastError: string | null };
  fields: readonly FieldSpec[];
  creds: { row: ProviderCredentialRow; stats: { successCount: number; failureCount: number; lastError: string | null } }[];
  result?: string | undefined;
  tested?: Tested;
  error?: AppError | undefined;
  /** The add-credential form as posted, when it was refused. */
  credValues?: Form;
}

function ProviderPage(p: ProviderPageProps) {
  const { row } = p;
  const writable = !row.managedBy;
  const creds = Object.entries(p.masked ?? {});
  const facts: [string, Child][] = [
    ['Type', row.providerType],
    ['State', <>{row.enabled ? <Badge tone="good">enabled</Badge> : <Badge tone="warn">disabled</Badge>}{row.isDefault ? <> <Badge tone="info">default</Badge></> : null}</>],
    ['Breaker', <BreakerBadge state={p.guard.breaker} />],
    ['Rate limit', `${limitUse(p.guard)}; ${p.guard.limitRefusals} refused by it since start`],
    ['Calls', `${p.stats.successCount} ok, ${p.stats.failureCount} failed; last ${when(p.stats.lastUsedAt)}`],
    ['Last error', p.stats.lastError ?? '–'],
    ['Credentials', p.masked === null ? <Badge tone="bad">no configured key opens them</Badge> : creds.length === 0 ? '–' : (
      <>{creds.map(([k, v], i) => <>{i ? <br /> : null}<span class="muted">{k}</span>: <code>{typeof v === 'string' ? v : JSON.stringify(v)}</code></>)}</>
    )],
    ['Key version', row.keyVersion],
    ['Created', when(row.createdAt)],
    ['Updated', when(row.updatedAt)],
  ];
  const base = `/ui/providers/${row.id}`;
  return (
    <Layout title={`Provider ${row.name}`} csrf={p.csrf} section="providers">
      <h1>Provider <span class="name">{row.name}</span></h1>
      <Notice code={p.result} />
      {p.tested ? <TestResult t={p.tested} /> : null}
      {p.error ? <ErrorProblem error={p.error} /> : null}
      <Managed by={row.managedBy} what="provider" />
      <section class="card" aria-label="The provider">
        <dl class="facts">{facts.map(([k, v]) => <><dt>{k}</dt><dd>{v}</dd></>)}</dl>
      </section>
      <div class="actions">
        <form method="post" action={`${base}/test`}><input type="hidden" name="csrf" value={p.csrf} /><button type="submit" class="primary">Test credentials</button></form>
        {writable ? <a class="button" href={`${base}/edit`}>Edit</a> : null}
        <a class="button" href={`/ui/challenges?provider=${row.id}`}>Its challenges</a>
      </div>
      {row.useMultiCredentials ? <ZoneCredentials {...p} /> : null}
      {writable ? (
        <form class="card form" method="post" action={`${base}/delete`} aria-labelledby="delete-heading">
          <h2 id="delete-heading">Delete</h2>
          <input type="hidden" name="csrf" value={p.csrf} />
          <label class="check"><input type="checkbox" name="force" /> Delete even while challenges are active (their records may stay in DNS)</label>
          <div class="actions"><button type="submit" class="danger">Delete provider</button></div>
        </form>
      ) : null}
      <p><a href="/ui/providers">All providers</a></p>
    </Layout>
  );
}

function ZoneCredentials(p: ProviderPageProps) {
  const base = `/ui/providers/${p.row.id}/credentials`;
  const writable = !p.row.managedBy;
  const v = p.credValues ?? {};
  return (
    <section class="card" aria-labelledby="creds-heading">
      <h2 id="creds-heading">Zone-specific credentials</h2>
      <p class="muted">The first enabled credential whose zone filter covers a name is used; an empty filter covers every name.</p>
      {p.creds.length === 0 ? <p class="muted">None yet.</p> : (
        <Table caption="Zone-specific credentials" head={['Label', 'Zones', 'State', 'Calls', 'Actions']} rows={p.creds.map(({ row: c, stats }) => [
          <span class="name">{c.label}</span>,
          c.zoneFilter ? <code>{c.zoneFilter}</code> : <span class="muted">every name</span>,
          c.enabled ? <Badge tone="good">enabled</Badge> : <Badge tone="warn">disabled</Badge>,
          <>{stats.successCount} ok, {stats.failureCount} failed{stats.lastError ? <><br /><span class="muted">{stats.lastError}</span></> : null}</>,
          <div class="actions">
            <form method="post" action={`${base}/${c.id}/test`}><input type="hidden" name="csrf" value={p.csrf} /><button type="submit" aria-label={`Test ${c.label}`}>Test</button></form>
            {writable ? <form method="post" action={`${base}/${c.id}/delete`}><input type="hidden" name="csrf" value={p.csrf} /><button type="submit" class="danger" aria-label={`Delete ${c.label}`}>Delete</button></form> : null}
          </div>,
        ])} />
      )}
      {writable ? (
        <form class="form" method="post" action={base} aria-labelledby="cred-add-heading">
          <h3 id="cred-add-heading">Add a credential</h3>
          <input type="hidden" name="csrf" value={p.csrf} />
          <label for="zc-label">Label</label>
          <input id="zc-label" name="label" type="text" required value={v.label ?? ''} autocomplete="off" />
          <label for="zc-zones">Zone filter (optional)</label>
          <input id="zc-zones" name="zone_filter" type="text" value={v.zone_filter ?? ''} aria-describedby="zc-zones-hint" autocomplete="off" />
          <p class="hint" id="zc-zones-hint">Comma-separated zones or wildcard patterns, e.g. example.com, *.example.org</p>
          <CredentialFields fields={p.fields} values={v} editing={false} prefix="zc" />
          <label class="check"><input type="checkbox" name="enabled" checked={(v.enabled ?? 'on') === 'on'} /> Enabled</label>
          <div class="actions"><button type="submit">Add credential</button></div>
        </form>
      ) : null}
    </section>
  );
}

export function providerRoutes(deps: UiDeps): Hono<UiEnv> {
  const app = new Hono<UiEnv>();
  const store = deps.providers;
  const catalogue = deps.calls.catalogue;
  const rowOf = (c: UiContext) => store.get(c.req.param('id') ?? '');
  const form = async (c: UiContext) => formOf(await c.req.parseBody());

  const page = async (c: UiContext, row: DnsProviderRow, extra: Partial<ProviderPageProps> = {}, status = 200) => {
    const [guards, credRows] = await Promise.all([guardStates(deps, [row]), row.useMultiCredentials ? store.zoneCredentials.list(row) : []]);
    let fields: readonly FieldSpec[] = [];
    try {
      fields = catalogue.fields(row.providerType);
    } catch {
      fields = [];
    }
    return c.html(<ProviderPage
      csrf={c.get('csrf')} row={row} masked={store.publicCredentials(row)} guard={guards.get(row.id)!} stats={store.stats.current(row)} fields={fields}
      creds={credRows.map((r) => ({ row: r, stats: store.zoneCredentials.stats.current(r) }))} result={c.req.query('result')} {...extra}
    />, status as 200);
  };

  app.get('/providers', async (c) => {
    const rows = await store.list();
    return c.html(<ProvidersPage csrf={c.get('csrf')} rows={rows} guards={await guardStates(deps, rows)} result={c.req.query('result')} />);
  });

  const types = () => catalogue.types().map((t) => ({ type: t.plugin.metadata.type, name: t.plugin.metadata.name }));

  // "Add a provider for this domain": the API's detection (POST /api/v1/dns-providers/detect), then the type's form.
  app.get('/providers/detect', async (c) => {
    const domain = c.req.query('domain') ?? '';
    try {
      // A wildcard's zone is its base name's.
      const name = checked(detectSchema, { domain }).domain.replace(/^\*\./, '');
      const { detection, suggested } = await deps.detector.detect(name);
      return c.html(<TypePage csrf={c.get('csrf')} types={types()} detected={{ domain, detection, suggested }} />);
    } catch (err) {
      const e = formError(err);
      return c.html(<TypePage csrf={c.get('csrf')} types={types()} detected={{ domain, error: e }} />, e.status as 400);
    }
  });

  app.get('/providers/new', (c) => {
    const type = c.req.query('type');
    if (!type) return c.html(<TypePage csrf={c.get('csrf')} types={types()} />);
    const plugin = catalogue.plugin(type);
    return c.html(<ProviderForm csrf={c.get('csrf')} type={type} typeName={plugin.metadata.name} fields={catalogue.fields(type)} values={{}} />);
  });

  app.post('/providers', audited('dns_provider.create', 'dns_provider'), async (c) => {
    const f = await form(c);
    const type = f.provider_type ?? '';
    const plugin = catalogue.plugin(type);
    const fields = catalogue.fields(type);
    try {
      const row = await store.create(providerInput(checked(providerInputSchema, providerBody(f, fields, false))));
      noteAudit(c, { id: row.id, details: { api: 'ui', name: row.name, provider_type: row.providerType } });
      return c.redirect(`/ui/providers/${row.id}?result=provider_created`, 303);
    } catch (err) {
      const e = formError(err);
      noteAudit(c, { id: null, details: { api: 'ui', provider_type: type, code: e.code } });
      return c.html(<ProviderForm csrf={c.get('csrf')} type={type} typeName={plugin.metadata.name} fields={fields} values={keptValues(f, fields)} error={e} />, e.status as 400);
    }
  });

  app.get('/providers/:id', async (c) => page(c, await rowOf(c)));

  app.get('/providers/:id/edit', async (c) => {
    const row = await rowOf(c);
    const fields = catalogue.fields(row.providerType);
    return c.html(<ProviderForm csrf={c.get('csrf')} type={row.providerType} typeName={catalogue.plugin(row.providerType).metadata.name} fields={fields} values={rowValues(row, store.publicCredentials(row), fields)} row={row} />);
  });

  app.post('/providers/:id', audited('dns_provider.update', 'dns_provider'), async (c) => {
    const row = await rowOf(c);
    const f = await form(c);
    const fields = catalogue.fields(row.providerType);
    try {
      const patch = checked(providerPatchSchema, providerBody(f, fields, true));
      const updated = await store.update(row.id, providerPatch(patch));
      noteAudit(c, { details: { api: 'ui', name: updated.name, provider_type: updated.providerType, fields: Object.keys(patch) } });
      return c.redirect(`/ui/providers/${row.id}?result=provider_updated`, 303);
    } catch (err) {
      const e = formError(err);
      noteAudit(c, { details: { api: 'ui', name: row.name, code: e.code } });
      return c.html(<ProviderForm csrf={c.get('csrf')} type={row.providerType} typeName={catalogue.plugin(row.providerType).metadata.name} fields={fields} values={keptValues(f, fields)} row={row} error={e} />, e.status as 400);
    }
  });

  app.post('/providers/:id/test', audited('dns_provider.test', 'dns_provider'), async (c) => {
    const row = await rowOf(c);
    const runtime = await store.runtime(row, 'test');
    const result = await deps.calls.test(runtime);
    // As the API's test: a zone the credentials name must also be found through the resolvers the checker asks.
    const zone = explicitZone(runtime.credentials);
    const zoneCheck = zone ? await checkZone(deps.resolvers, zone) : undefined;
    noteAudit(c, { details: { api: 'ui', name: row.name, tested: result.tested, ...(result.tested ? { ok: result.ok } : {}), ...(zoneCheck ? { zone_found: zoneCheck.ok } : {}) } });
    return page(c, row, { tested: { what: `Provider ${row.name}`, result, zone: zoneCheck } });
  });

  app.post('/providers/:id/delete', audited('dns_provider.delete', 'dns_provider'), async (c) => {
    const row = await rowOf(c);
    const force = (await form(c)).force === 'on';
    try {
      const { abandoned } = await store.remove(row.id, { force });
      noteAudit(c, { details: { api: 'ui', force, records_possibly_left: abandoned.length } });
      if (abandoned.length === 0) return c.redirect('/ui/providers?result=provider_deleted', 303);
      deps.log.warn({ provider: row.id, records: abandoned }, 'provider force-deleted; these records may remain in DNS');
      const rows = await store.list();
      return c.html(<ProvidersPage csrf={c.get('csrf')} rows={rows} guards={await guardStates(deps, rows)} result="provider_deleted" left={abandoned} />);
    } catch (err) {
      const e = formError(err);
      noteAudit(c, { details: { api: 'ui', force, code: e.code } });
      return page(c, row, { error: e }, e.status);
    }
  });

  app.post('/providers/:id/credentials', audited('credential.create', 'credential'), async (c) => {
    const row = await rowOf(c);
    const f = await form(c);
    const fields = catalogue.fields(row.providerType);
    try {
      const body = { label: f.label ?? '', zone_filter: f.zone_filter ?? '', enabled: f.enabled === 'on', credentials: credentialsOf(f, fields, false) };
      const cred = await store.zoneCredentials.create(row, credentialInput(checked(credentialInputSchema, body)));
      noteAudit(c, { id: cred.id, details: { api: 'ui', provider_id: row.id, label: cred.label, zone_filter: cred.zoneFilter } });
      return c.redirect(`/ui/providers/${row.id}?result=credential_created`, 303);
    } catch (err) {
      const e = formError(err);
      noteAudit(c, { id: null, details: { api: 'ui', provider_id: row.id, code: e.code } });
      return page(c, row, { error: e, credValues: keptValues(f, fields) }, e.status);
    }
  });

  app.post('/providers/:id/credentials/:credId/delete', audited('credential.delete', 'credential'), async (c) => {
    const row = await rowOf(c);
    const credId = c.req.param('credId');
    noteAudit(c, { id: credId, details: { api: 'ui', provider_id: row.id } });
    try {
      await store.zoneCredentials.remove(row, credId);
      return c.redirect(`/ui/providers/${row.id}?result=credential_deleted`, 303);
    } catch (err) {
      const e = formError(err);
      noteAudit(c, { id: credId, details: { api: 'ui', provider_id: row.id, code: e.code } });
      return page(c, row, { error: e }, e.status);
    }
  });

  app.post('/providers/:id/credentials/:credId/test', audited('credential.test', 'credential'), async (c) => {
    const row = await rowOf(c);
    const cred = await store.zoneCredentials.get(row, c.req.param('credId'));
    noteAudit(c, { id: cred.id, details: { api: 'ui', provider_id: row.id } });
    const result = await deps.calls.test(store.zoneCredentials.runtime(row, cred));
    return page(c, row, { tested: { what: `Credential ${cred.label}`, result } });
  });
  return app;
}
