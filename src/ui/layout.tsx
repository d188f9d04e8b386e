// The console's frame: the page layout with its navigation, the outcome notices, the login and error pages.
import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';
import type { AppError } from '../errors.js';
import { CSS, SCRIPT } from './assets.js';

/** The console's sections, in the navigation's order; a view names its own as `section`. */
export const SECTIONS = [
  { key: 'overview', href: '/ui/overview', label: 'Overview' },
  { key: 'challenges', href: '/ui/challenges', label: 'Challenges' },
  { key: 'providers', href: '/ui/providers', label: 'Providers' },
  { key: 'sites', href: '/ui/sites', label: 'Sites' },
  { key: 'client-tokens', href: '/ui/client-tokens', label: 'Client tokens' },
  { key: 'plugins', href: '/ui/plugins', label: 'Plugins' },
  { key: 'audit', href: '/ui/audit', label: 'Audit log' },
  { key: 'encryption', href: '/ui/encryption', label: 'Encryption' },
] as const;
export type Section = (typeof SECTIONS)[number]['key'];

/** The page a login lands on and the brand links to. */
export const HOME = SECTIONS[0].href;

/** Fixed texts for the outcome codes an action redirects with: nothing from the query string is echoed. */
const RESULTS: Record<string, { text: string; tone: 'good' | 'bad' | 'info' }> = {
  verified: { text: 'Verified: every authoritative server serves the value. The certificate request can go on.', tone: 'good' },
  not_found: { text: 'Not there yet: the authoritative servers do not all serve this value. Check the name and value, then try again; the daemon also keeps checking.', tone: 'bad' },
  check_failed: { text: 'The check could not be made (no zone found, or no authoritative server answered). The daemon keeps trying.', tone: 'bad' },
  checked: { text: 'Checked the authoritative servers just now.', tone: 'info' },
  cancelled: { text: 'Challenge cancelled. Remove the TXT record from your DNS if you created it.', tone: 'info' },
  expired: { text: 'The challenge has expired.', tone: 'bad' },
  provider_created: { text: 'Provider added.', tone: 'good' },
  provider_updated: { text: 'Provider saved.', tone: 'good' },
  provider_deleted: { text: 'Provider deleted.', tone: 'info' },
  credential_created: { text: 'Zone-specific credential added.', tone: 'good' },
  credential_deleted: { text: 'Zone-specific credential deleted.', tone: 'info' },
  site_created: { text: 'Site added.', tone: 'good' },
  site_updated: { text: 'Site saved.', tone: 'good' },
  site_deleted: { text: 'Site deleted.', tone: 'info' },
  plugins_reloaded: { text: 'Plugins read again from the allow-list and the directory.', tone: 'good' },
  plugin_enabled: { text: 'Plugin enabled.', tone: 'good' },
  plugin_disabled: { text: 'Plugin disabled.', tone: 'info' },
  logged_out: { text: 'You are logged out.', tone: 'info' },
};

export const utc = (d: Date) => `${d.toISOString().slice(11, 19)} UTC`;
/** Date and time, to the second, in UTC. */
export const when = (d: Date | null) => (d ? `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC` : '–');
export const clock = (ms: number) => {
  const s = Math.ceil(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

export function Layout(props: { title: string; csrf?: string; refresh?: boolean; section?: Section; children: Child }) {
  // Without the doctype the browser renders in quirks mode.
  return (
    <>
    {raw('<!DOCTYPE html>')}
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>{props.title} · dns01-proxy</title>
        <style>{raw(CSS)}</style>
        {props.refresh ? <noscript><meta http-equiv="refresh" content="10" /></noscript> : null}
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header>
          <a class="brand" href={HOME}>dns01-proxy</a>
          {props.csrf ? (
            <nav aria-label="Console">
              <ul>
                {SECTIONS.map((s) => (
                  <li><a href={s.href} {...(s.key === props.section ? { 'aria-current': 'page' } : {})}>{s.label}</a></li>
                ))}
              </ul>
            </nav>
          ) : null}
          {props.csrf ? (
            <form method="post" action="/ui/logout">
              <input type="hidden" name="csrf" value={props.csrf} />
              <button type="submit">Log out</button>
            </form>
          ) : null}
        </header>
        <main id="main">{props.children}</main>
        <p id="announce" class="sr" aria-live="polite"></p>
        <script>{raw(SCRIPT)}</script>
      </body>
    </html>
    </>
  );
}

export function Notice(props: { code: string | undefined; extra?: string | undefined }) {
  const r = props.code ? RESULTS[props.code] : undefined;
  if (!r) return null;
  return <p class={`notice ${r.tone}`} role="status">{r.text}{props.extra ? ` ${props.extra}` : ''}</p>;
}

/** An error as the API gives it: its code and message, and each field it names. */
export function Problem(props: { code: string; message: string; fields?: { field: string; message: string }[] | undefined }) {
  return (
    <div class="notice bad" role="alert">
      <p><strong>{props.code}</strong>: {props.message}</p>
      {props.fields?.length ? <ul>{props.fields.map((f) => <li><code>{f.field || '(body)'}</code>: {f.message}</li>)}</ul> : null}
    </div>
  );
}

/** A state in words, coloured by its tone (the colour is never the only sign). */
export function Badge(props: { tone: 'good' | 'bad' | 'warn' | 'info'; children: string }) {
  return <span class={`badge ${props.tone}`}>{props.children}</span>;
}

/** A challenge's status, coloured by how it ended. */
export function StatusBadge(props: { status: string }) {
  const tone = props.status === 'FAILED' || props.status === 'EXPIRED' ? 'bad' : props.status === 'VERIFIED' || props.status === 'DELETED' ? 'good' : 'info';
  return <Badge tone={tone}>{props.status}</Badge>;
}

/**
 * A table whose cells carry their column's name: on a phone each row becomes a card of "name: value" lines
 * (assets.ts) instead of a table to scroll sideways.
 */
export function Table(props: { caption: string; head: string[]; rows: Child[][] }) {
  return (
    <table class="stack">
      <caption class="sr">{props.caption}</caption>
      <thead><tr>{props.head.map((h) => <th scope="col">{h}</th>)}</tr></thead>
      <tbody>
        {props.rows.map((cells) => <tr>{cells.map((cell, i) => <td data-label={props.head[i]}>{cell}</td>)}</tr>)}
      </tbody>
    </table>
  );
}

/** An AppError as the API answers it: code, message, the fields it names. */
export function ErrorProblem(props: { error: AppError }) {
  const fields = (props.error.details as { fields?: { field: string; message: string }[] } | undefined)?.fields;
  return <Problem code={props.error.code} message={props.error.message} fields={fields} />;
}

export function LoginPage(props: { failed: boolean; next: string; limited?: string }) {
  return (
    <Layout title="Log in">
      <h1>Log in</h1>
      {props.failed ? <p class="notice bad" role="alert">That is not the admin token.</p> : null}
      {props.limited ? <p class="notice bad" role="alert">{`${props.limited[0]!.toUpperCase()}${props.limited.slice(1)}.`}</p> : null}
      <form class="card login" method="post" action="/ui/login">
        <input type="hidden" name="next" value={props.next} />
        <label for="token" class="label">Admin token (DNS01_ADMIN_TOKEN)</label>
        <input id="token" name="token" type="password" autocomplete="off" required autofocus />
        <button type="submit" class="primary">Log in</button>
      </form>
    </Layout>
  );
}

export function ErrorPage(props: { status: number; code: string; message: string; csrf?: string }) {
  return (
    <Layout title="Error" {...(props.csrf ? { csrf: props.csrf } : {})}>
      <h1>{props.status === 404 ? 'Not found' : 'Something went wrong'}</h1>
      <Problem code={props.code} message={props.message} />
      <p><a href={HOME}>Back to the console</a></p>
    </Layout>
  );
}
