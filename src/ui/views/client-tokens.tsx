// Client tokens: the list, create (the token and its TSIG secret shown once, in the POST's own response, never in an
// address), revoke, and the TSIG key's new secret (shown once the same way) and removal. As src/http/routes/client-tokens.ts
// does it: the same store calls, wire schema and audit actions. Rows the config file or the Caddy sync keep are read-only.
import { Hono } from 'hono';
import { DOOR_TSIG_ALGORITHMS, type CreatedTsigKey } from '../../clients/tokens.js';
import type { ClientTokenRow, DnsProviderRow } from '../../db/schema.js';
import type { AppError } from '../../errors.js';
import { audited, noteAudit } from '../../http/audit.js';
import { clientTokenInput, clientTokenInputSchema, clientTokenView, clientTokenViews, type ClientTokenView } from '../../http/wire/client-tokens.js';
import { MANAGED_BY_CADDY_SYNC } from '../../providers/managed.js';
import type { UiContext, UiDeps, UiEnv } from '../deps.js';
import { Badge, ErrorProblem, Layout, Table, when } from '../layout.js';
import { checked, formError, formOf, type Form } from './forms.js';
import { CopyField } from './manual.js';

/** Fixed texts for this view's outcome codes: nothing from the query string is echoed. */
const RESULTS: Record<string, string> = {
  revoked: 'Client token revoked: it is refused from now on.',
  tsig_deleted: 'TSIG key removed: the DNS UPDATE door answers BADKEY for its name from now on.',
};

const whenIso = (iso: string | null) => when(iso ? new Date(iso) : null);
const lines = (text: string | undefined) => (text ?? '').split(/[\s,]+/).filter(Boolean);

/** A `datetime-local` value (no zone) is read as UTC, as the form says; anything else goes to the schema as typed. */
function expiryOf(text: string | undefined): string | null {
  const t = (text ?? '').trim();
  if (t === '') return null;
  return /^\d{4}-\d\d-\d\dT\d\d:\d\d$/.test(t) ? `${t}:00Z` : /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?$/.test(t) ? `${t}Z` : t;
}

function readOnlyReason(managedBy: string): string {
  return managedBy === MANAGED_BY_CADDY_SYNC
    ? 'read-only: the Caddy sync\'s own token; the daemon mints, scopes and rotates it'
    : `read-only: declared in the config file ${managedBy}; change it there`;
}

function TokensPage(props: { csrf: string; tokens: ClientTokenView[]; providers: DnsProviderRow[]; result?: string | undefined; error?: AppError; values?: Form }) {
  const names = new Map(props.providers.map((p) => [p.id, p.name]));
  const v = props.values ?? {};
  const picked = new Set(lines(v.providers));
  const result = props.result ? RESULTS[props.result] : undefined;
  const action = (t: ClientTokenView, step: string, label: string, kind?: string) => (
    <form method="post" action={`/ui/client-tokens/${t.id}/${step}`}>
      <input type="hidden" name="csrf" value={props.csrf} />
      <button type="submit" class={kind} aria-label={`${label}: ${t.name}`}>{label}</button>
    </form>
  );
  // One form a line (no flex row): three buttons side by side would widen the table past the page.
  const actions = (t: ClientTokenView) => {
    if (t.managed_by) return <span class="muted">{readOnlyReason(t.managed_by)}</span>;
    if (t.state === 'revoked') return <span class="muted">revoked {whenIso(t.revoked_at)}</span>;
    return (
      <div>
        {t.tsig_key ? action(t, 'tsig-key', 'New TSIG secret') : null}
        {t.tsig_key ? action(t, 'tsig-key/delete', 'Remove TSIG key') : null}
        {action(t, 'revoke', 'Revoke', 'danger')}
      </div>
    );
  };
  return (
    <Layout title="Client tokens" csrf={props.csrf} section="client-tokens">
      <h1>Client tokens</h1>
      <p class="muted">A client token lets an ACME client (Caddy, lego, certbot…) ask for challenges on the internal API, for the domains, networks and providers it lists; its TSIG key lets it use the DNS UPDATE door.</p>
      {result ? <p class="notice info" role="status">{result}</p> : null}
      {props.error ? <ErrorProblem error={props.error} /> : null}
      {props.tokens.length === 0 ? <p class="card muted">No client token yet.</p> : (
        <div class="card">
          <Table caption="Client tokens" head={['Name', 'State', 'Allowed', 'Expires', 'TSIG key', 'Managed by', 'Actions']} rows={props.tokens.map((t) => [
            <span class="name">{t.name}</span>,
            <Badge tone={t.state === 'active' ? 'good' : 'warn'}>{t.state}</Badge>,
            <>
              <div class="name">{t.allowed_domains.join(', ')}</div>
              <div>networks: {t.allowed_cidrs ? t.allowed_cidrs.join(', ') : <span class="muted">any</span>}</div>
              <div>providers: {t.providers ? t.providers.map((id) => names.get(id) ?? id).join(', ') : <span class="muted">any</span>}</div>
            </>,
            t.expires_at ? whenIso(t.expires_at) : <span class="muted">never</span>,
            t.tsig_key ? <><code>{t.tsig_key.name}</code> {t.tsig_key.algorithm}</> : <span class="muted">none</span>,
            t.managed_by ? <code>{t.managed_by}</code> : <span class="muted">the API</span>,
            actions(t),
          ])} />
        </div>
      )}
      <form class="card form" method="post" action="/ui/client-tokens" aria-labelledby="token-add-heading">
        <h2 id="token-add-heading">Create a client token</h2>
        <input type="hidden" name="csrf" value={props.csrf} />
        <label for="token-name">Name</label>
        <input id="token-name" name="name" type="text" required value={v.name ?? ''} autocomplete="off" spellcheck={false} aria-describedby="token-name-hint" />
        <p class="hint" id="token-name-hint">1-64 letters, digits, dot, hyphen or underscore.</p>
        <label for="token-domains">Domains</label>
        <textarea id="token-domains" name="allowed_domains" required spellcheck={false} aria-describedby="token-domains-hint">{v.allowed_domains ?? ''}</textarea>
        <p class="hint" id="token-domains-hint">One a line, or separated by commas; *.example.com covers the names below example.com.</p>
        <label for="token-cidrs">Networks (optional)</label>
        <textarea id="token-cidrs" name="allowed_cidrs" spellcheck={false} aria-describedby="token-cidrs-hint">{v.allowed_cidrs ?? ''}</textarea>
        <p class="hint" id="token-cidrs-hint">CIDR ranges such as 10.0.0.0/8, one a line; empty: any network.</p>
        <fieldset aria-describedby="token-providers-hint">
          <legend>Providers</legend>
          {props.providers.map((p) => (
            <label class="check"><input type="checkbox" name="providers" value={p.id} checked={picked.has(p.id)} /> {p.name} ({p.providerType})</label>
          ))}
          <p class="hint" id="token-providers-hint">None ticked: any provider.</p>
        </fieldset>
        <label for="token-expires">Expires (UTC, optional)</label>
        <input id="token-expires" name="expires_at" type="datetime-local" value={v.expires_at ?? ''} aria-describedby="token-expires-hint" />
        <p class="hint" id="token-expires-hint">Empty: never.</p>
        <label for="token-tsig">TSIG key for the DNS UPDATE door (optional)</label>
        <select id="token-tsig" name="tsig_algorithm">
          <option value="">none</option>
          {DOOR_TSIG_ALGORITHMS.map((a) => <option value={a} selected={v.tsig_algorithm === a}>{a}</option>)}
        </select>
        <div class="actions"><button type="submit" class="primary">Create client token</button></div>
      </form>
    </Layout>
  );
}

/** The TSIG key as BIND's nsupdate and named.conf read it. */
const keyClause = (k: CreatedTsigKey) => `key "${k.name}" {\n  algorithm ${k.algorithm};\n  secret "${k.secret}";\n};`;

/** The one page that shows a token's secret and/or its TSIG secret: the POST's own response, never stored or cached. */
function ShownOncePage(props: { csrf: string; token: ClientTokenView; secret?: string; tsigKey?: CreatedTsigKey; rotated?: boolean }) {
  const title = props.secret ? 'Client token created' : props.rotated ? 'New TSIG secret' : 'TSIG key created';
  return (
    <Layout title={title} csrf={props.csrf} section="client-tokens">
      <h1>{title}: <span class="name">{props.token.name}</span></h1>
      <p class="notice bad" role="alert">
        <strong>Shown once.</strong> Copy {props.secret && props.tsigKey ? 'the token and the TSIG secret' : props.secret ? 'the token' : 'the TSIG secret'} now:
        the daemon keeps {props.secret ? 'only a hash of the token' : 'the secret encrypted'}{props.secret && props.tsigKey ? ' and the TSIG secret encrypted,' : ''} and no page shows {props.secret && props.tsigKey ? 'them' : 'it'} again.
        {props.rotated ? ' The old secret stopped working just now.' : ''}
      </p>
      <div class="card">
        {props.secret ? <CopyField id="token-secret" label="Token" value={props.secret} /> : null}
        {props.tsigKey ? (
          <>
            <dl class="facts">
              <dt>TSIG key name</dt><dd><code>{props.tsigKey.name}</code></dd>
              <dt>Algorithm</dt><dd>{props.tsigKey.algorithm}</dd>
            </dl>
            <CopyField id="tsig-secret" label="TSIG secret (base64)" value={props.tsigKey.secret} />
            <CopyField id="tsig-clause" label="TSIG key for nsupdate -k or named.conf" value={keyClause(props.tsigKey)} />
          </>
        ) : null}
      </div>
      <p><a href="/ui/client-tokens">Back to the client tokens</a></p>
    </Layout>
  );
}

export function clientTokenRoutes(deps: UiDeps): Hono<UiEnv> {
  const app = new Hono<UiEnv>();
  const store = deps.clientTokens;
  const render = async (c: UiContext, extra: { error?: AppError; values?: Form } = {}, status = 200) => {
    const tokens = await clientTokenViews(store, await store.list());
    return c.html(<TokensPage csrf={c.get('csrf')} tokens={tokens} providers={await deps.providers.list()} result={c.req.query('result')} {...extra} />, status as 200);
  };
  const viewOf = async (row: ClientTokenRow) => (await clientTokenViews(store, [row]))[0]!;
  /** The form as it was posted, less the CSRF token; the several `providers` boxes kept as one list. */
  const valuesOf = (body: Record<string, unknown>): Form => {
    const { csrf: _, ...f } = formOf(body);
    return { ...f, providers: [body.providers ?? []].flat().filter((p) => typeof p === 'string').join(' ') };
  };

  app.get('/client-tokens', (c) => render(c));

  app.post('/client-tokens', audited('client_token.create', 'client_token'), async (c) => {
    const f = valuesOf(await c.req.parseBody({ all: true }));
    try {
      const providers = lines(f.providers);
      const body = checked(clientTokenInputSchema, {
        name: f.name ?? '', allowed_domains: lines(f.allowed_domains),
        allowed_cidrs: lines(f.allowed_cidrs).length > 0 ? lines(f.allowed_cidrs) : null,
        providers: providers.length > 0 ? providers : null, expires_at: expiryOf(f.expires_at),
        ...(f.tsig_algorithm ? { tsig_algorithm: f.tsig_algorithm } : {}),
      });
      const { row, token, tsigKey } = await store.create(clientTokenInput(body));
      const view = clientTokenView(row, tsigKey ? { name: tsigKey.name, algorithm: tsigKey.algorithm } : null);
      noteAudit(c, { id: row.id, details: {
        api: 'ui', name: row.name, allowed_domains: view.allowed_domains, allowed_cidrs: view.allowed_cidrs, providers: view.providers,
        // Detail keys naming a key or TSIG are redacted whole (src/audit/redact.ts): the key's name and algorithm go as these.
        ...(tsigKey ? { door_name: tsigKey.name, algorithm: tsigKey.algorithm } : {}),
      } });
      return c.html(<ShownOncePage csrf={c.get('csrf')} token={view} secret={token} {...(tsigKey ? { tsigKey } : {})} />, 201);
    } catch (err) {
      const e = formError(err);
      noteAudit(c, { id: null, details: { api: 'ui', code: e.code } });
      return render(c, { error: e, values: f }, e.status);
    }
  });

  app.post('/client-tokens/:id/revoke', audited('client_token.revoke', 'client_token'), async (c) => {
    try {
      const row = await store.revoke(c.req.param('id'));
      noteAudit(c, { id: row.id, details: { api: 'ui', name: row.name } });
      return c.redirect('/ui/client-tokens?result=revoked', 303);
    } catch (err) {
      const e = formError(err);
      noteAudit(c, { details: { api: 'ui', code: e.code } });
      return render(c, { error: e }, e.status);
    }
  });

  // A new secret for the key the token has (the form offers it only then; the API also makes a first key).
  app.post('/client-tokens/:id/tsig-key', audited('client_token.tsig_rotate', 'client_token'), async (c) => {
    try {
      const { row, tsigKey, created } = await store.setTsigKey(c.req.param('id'), {});
      noteAudit(c, { id: row.id, details: { api: 'ui', name: row.name, door_name: tsigKey.name, algorithm: tsigKey.algorithm, created } });
      return c.html(<ShownOncePage csrf={c.get('csrf')} token={await viewOf(row)} tsigKey={tsigKey} rotated={!created} />, created ? 201 : 200);
    } catch (err) {
      const e = formError(err);
      noteAudit(c, { details: { api: 'ui', code: e.code } });
      return render(c, { error: e }, e.status);
    }
  });

  app.post('/client-tokens/:id/tsig-key/delete', audited('client_token.tsig_delete', 'client_token'), async (c) => {
    try {
      const { row, name } = await store.deleteTsigKey(c.req.param('id'));
      noteAudit(c, { id: row.id, details: { api: 'ui', name: row.name, door_name: name } });
      return c.redirect('/ui/client-tokens?result=tsig_deleted', 303);
    } catch (err) {
      const e = formError(err);
      noteAudit(c, { details: { api: 'ui', code: e.code } });
      return render(c, { error: e }, e.status);
    }
  });
  return app;
}
