// A manual challenge's page: the record to create, copied by buttons, its countdown, and check, verify and cancel.
import { Hono } from 'hono';
import type { Child } from 'hono/jsx';
import { remainingMs, type ManualChallenge, type ManualChallenges } from '../../challenges/manual.js';
import { domainOf } from '../../challenges/names.js';
import { AppError } from '../../errors.js';
import { audited, noteAudit } from '../../http/audit.js';
import { cancelNote, manualStatus, pollView, verifyNote } from '../../http/wire/manual.js';
import { ROW_ID, type UiContext, type UiEnv } from '../deps.js';
import { clock, Layout, Notice, utc } from '../layout.js';

export function CopyField(props: { id: string; label: string; value: string }) {
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

/** `history`: the challenge's events, shown below (views/challenges.tsx). */
export function ChallengePage(props: { m: ManualChallenge; csrf: string; result?: string | undefined; seen?: string; now: number; expired: boolean; history?: Child }) {
  const { row, provider } = props.m;
  const status = props.expired ? 'expired' : manualStatus(props.m);
  const left = props.expired ? 0 : remainingMs(row, props.now);
  const total = Math.max(1, row.expiresAt.getTime() - row.createdAt.getTime());
  const open = status === 'pending';
  const after = AFTER[status];
  return (
    <Layout title={`Challenge ${row.fqdn}`} csrf={props.csrf} section="challenges" refresh={open}>
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
      </div>
      {props.history}
      <p><a href="/ui/challenges">All challenges</a></p>
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

/** The manual challenges' pages and their actions: check, verify, cancel; the status poll the page's script reads. */
export function manualRoutes(manual: ManualChallenges): Hono<UiEnv> {
  const app = new Hono<UiEnv>();
  const idOf = (c: UiContext) => {
    const id = c.req.param('id') ?? '';
    if (!ROW_ID.test(id)) throw new AppError('CHALLENGE_NOT_FOUND', 'no manual challenge with that id');
    return id;
  };

  app.get('/challenges/:id/poll', async (c) => c.json(pollView(await manual.live(idOf(c)))));

  const outcome = async (c: UiContext, step: 'check' | 'verify') => {
    const id = idOf(c);
    noteAudit(c, { details: { api: 'ui', step } });
    const v = await manual.verify(id);
    noteAudit(c, { details: { api: 'ui', step, ...verifyNote(v) } });
    const servers = v.result?.servers;
    const seen = servers ? `&seen=${servers.filter((s) => s.seen).length}/${servers.length}` : '';
    const result = v.found ? 'verified' : v.error ? 'check_failed' : step === 'check' ? 'checked' : 'not_found';
    return c.redirect(`/ui/challenges/${id}?result=${result}${seen}`, 303);
  };
  // "Check DNS now" asks DNS just as verify does: both are recorded as challenge.verify, details.step telling them apart.
  app.post('/challenges/:id/check', audited('challenge.verify', 'challenge'), (c) => outcome(c, 'check'));
  app.post('/challenges/:id/verify', audited('challenge.verify', 'challenge'), (c) => outcome(c, 'verify'));
  app.post('/challenges/:id/cancel', audited('challenge.cancel', 'challenge'), async (c) => {
    noteAudit(c, { details: { api: 'ui' } });
    const done = await manual.cancel(idOf(c));
    noteAudit(c, { details: { api: 'ui', ...cancelNote(done) } });
    return c.redirect(`/ui/challenges/${idOf(c)}?result=cancelled`, 303);
  });

  return app;
}
