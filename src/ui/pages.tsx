// The operator pages, server-rendered: login, the list of pending manual challenges, and one challenge.
import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';
import { remainingMs, type ManualChallenge } from '../challenges/manual.js';
import { domainOf } from '../challenges/names.js';
import { manualStatus } from '../http/wire/manual.js';
import { CSS, SCRIPT } from './assets.js';

/** Fixed texts for the outcome codes an action redirects with: nothing from the query string is echoed. */
const RESULTS: Record<string, { text: string; tone: 'good' | 'bad' | 'info' }> = {
  verified: { text: 'Verified: every authoritative server serves the value. The certificate request can go on.', tone: 'good' },
  not_found: { text: 'Not there yet: the authoritative servers do not all serve this value. Check the name and value, then try again; the daemon also keeps checking.', tone: 'bad' },
  check_failed: { text: 'The check could not be made (no zone found, or no authoritative server answered). The daemon keeps trying.', tone: 'bad' },
  checked: { text: 'Checked the authoritative servers just now.', tone: 'info' },
  cancelled: { text: 'Challenge cancelled. Remove the TXT record from your DNS if you created it.', tone: 'info' },
  expired: { text: 'The challenge has expired.', tone: 'bad' },
  logged_out: { text: 'You are logged out.', tone: 'info' },
};

const utc = (d: Date) => `${d.toISOString().slice(11, 19)} UTC`;
const clock = (ms: number) => {
  const s = Math.ceil(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

function Layout(props: { title: string; csrf?: string; refresh?: boolean; children: Child }) {
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
        <header>
          <a href="/ui/challenges">dns01-proxy · manual challenges</a>
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

function Notice(props: { code: string | undefined; extra?: string }) {
  const r = props.code ? RESULTS[props.code] : undefined;
  if (!r) return null;
  return <p class={`notice ${r.tone}`} role="status">{r.text}{props.extra ? ` ${props.extra}` : ''}</p>;
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

export function ListPage(props: { items: ManualChallenge[]; csrf: string; result?: string; now: number }) {
  return (
    <Layout title="Manual challenges" csrf={props.csrf} refresh>
      <h1>Pending manual challenges</h1>
      <Notice code={props.result} />
      {props.items.length === 0 ? (
        <p class="card muted">No manual challenge is waiting for a record.</p>
      ) : (
        <ul class="list">
          {props.items.map((m) => (
            <li class="card">
              <a href={`/ui/challenges/${m.row.id}`}>{m.row.fqdn}</a>
              <div class="muted">
                Provider {m.provider.name} · {manualStatus(m)} · {clock(remainingMs(m.row, props.now))} left
              </div>
            </li>
          ))}
        </ul>
      )}
      <p><a href="/ui/challenges">Refresh</a></p>
    </Layout>
  );
}

function CopyField(props: { id: string; label: string; value: string }) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <div class="copy">
        {/* A textarea, not an input: a 43-character value wraps on a phone instead of hiding its end. */}
        <textarea id={props.id} readonly rows={2} spellcheck={false}>{props.value}</textarea>
        {/* Shown by the script: without it, the field's text can still be selected and copied. */}
        <button type="button" data-copy={props.id} aria-label={`Copy ${props.label.toLowerCase()}`} hidden>Copy</button>
      </div>
    </div>
  );
}

function Action(props: { id: string; step: string; csrf: string; kind?: string; children: Child }) {
  return (
    <form method="post" action={`/ui/challenges/${props.id}/${props.step}`}>
      <input type="hidden" name="csrf" value={props.csrf} />
      <button type="submit" class={props.kind}>{props.children}</button>
    </form>
  );
}

export function ChallengePage(props: { m: ManualChallenge; csrf: string; result?: string; seen?: string; now: number; expired: boolean }) {
  const { row, provider } = props.m;
  const status = props.expired ? 'expired' : manualStatus(props.m);
  const left = props.expired ? 0 : remainingMs(row, props.now);
  const total = Math.max(1, row.expiresAt.getTime() - row.createdAt.getTime());
  const open = status === 'pending';
  const after = AFTER[status];
  return (
    <Layout title={`Challenge ${row.fqdn}`} csrf={props.csrf} refresh={open}>
      <div id="challenge" data-status={status} data-remaining-ms={String(left)} data-total-ms={String(total)} data-poll={`/ui/challenges/${row.id}/poll`}>
        <h1>{HEADINGS[status] ?? 'Manual challenge'}</h1>
        {/* A failed check's reason comes from the row (it names the resolvers asked and the setting), never from the query string. */}
        <Notice code={props.result} extra={props.result === 'check_failed' ? row.lastCheck?.error : props.seen} />
        {open ? (
          <p>To validate <strong class="value">{domainOf(row.fqdn)}</strong> (provider {provider.name}), create this record at your DNS host.</p>
        ) : (
          <p>For <strong class="value">{domainOf(row.fqdn)}</strong> (provider {provider.name}).{after ? ` ${after}` : ''}</p>
        )}
        {props.m.instructions && open ? <p class="notice">{props.m.instructions}</p> : null}
        <section class="card" aria-label="Record to create">
          <CopyField id="record-name" label="Record name" value={row.fqdn} />
          <div class="field"><span class="label">Type</span><span id="record-type">TXT</span></div>
          <CopyField id="record-value" label="Record value" value={row.value} />
          <div class="field"><span class="label">TTL</span><span id="record-ttl">{props.m.ttl} seconds</span></div>
        </section>
        {open || status === 'expired' ? <section class="card" aria-labelledby="time-heading">
          <h2 id="time-heading">Time remaining</h2>
          <p class="time"><span id="remaining">{clock(left)}</span> <span id="percent" class="muted">{Math.round((100 * left) / total)}%</span></p>
          <progress id="progress" max={String(total / 1000)} value={String(left / 1000)} aria-labelledby="time-heading"></progress>
        </section> : null}
        <p id="status" class="card" role="status">
          Status: <strong id="status-text">{STATUS_TEXT[status] ?? status}</strong>
          {open ? <> · Last check: <span id="last-check">{row.lastCheckAt ? utc(row.lastCheckAt) : 'not yet'}</span></> : null}
          {status === 'expired' ? <> · Expired at {utc(row.expiresAt)}</> : null}
        </p>
        {open ? (
          <div class="actions">
            <Action id={row.id} step="check" csrf={props.csrf}>Check DNS now</Action>
            <Action id={row.id} step="verify" csrf={props.csrf} kind="primary">I've created the record – verify</Action>
            <Action id={row.id} step="cancel" csrf={props.csrf} kind="danger">Cancel</Action>
          </div>
        ) : null}
        <p><a href="/ui/challenges">All pending challenges</a></p>
      </div>
    </Layout>
  );
}

const HEADINGS: Record<string, string> = {
  pending: 'Create this TXT record',
  verified: 'Record verified',
  expired: 'Challenge expired',
  deleted: 'Challenge cancelled',
  failed: 'Challenge failed',
};

/** What the operator still has to do once the challenge is over: the manual provider removes nothing itself. */
const AFTER: Record<string, string> = {
  verified: 'Remove the TXT record once the certificate is issued.',
  expired: 'The time to create the record ran out; the ACME client has to start a new challenge. Remove the TXT record if you created it.',
  deleted: 'Remove the TXT record if you created it.',
  failed: 'Remove the TXT record if you created it.',
};

const STATUS_TEXT: Record<string, string> = {
  pending: 'waiting for the record',
  verified: 'verified',
  expired: 'expired',
  deleted: 'cancelled',
  failed: 'failed',
};

export function ErrorPage(props: { status: number; message: string; csrf?: string }) {
  return (
    <Layout title="Error" {...(props.csrf ? { csrf: props.csrf } : {})}>
      <h1>{props.status === 404 ? 'Not found' : 'Something went wrong'}</h1>
      <p class="notice bad" role="alert">{props.message}</p>
      <p><a href="/ui/challenges">All pending challenges</a></p>
    </Layout>
  );
}
