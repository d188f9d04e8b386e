// Encryption at rest: the keys and the rows each one seals, an on-demand rotation (audited as the API's
// encryption.rotate) and the rotation history, read from the services behind /api/v1/admin/encryption.
import { Hono } from 'hono';
import { isAppError, type AppError } from '../../errors.js';
import { audited, noteAudit } from '../../http/audit.js';
import { encryptionStatus, rotationView, type RotationView } from '../../http/wire/encryption.js';
import type { UiContext, UiDeps, UiEnv } from '../deps.js';
import { Badge, ErrorProblem, Layout, Table, when } from '../layout.js';

type Status = ReturnType<typeof encryptionStatus>;

const HISTORY = 50;
const at = (iso: string | null) => (iso ? when(new Date(iso)) : '–');
const percent = (p: number) => `${Math.floor(p * 100)} %`;

function outcomeTone(outcome: RotationView['outcome']): 'good' | 'bad' | 'info' {
  return outcome === 'completed' ? 'good' : outcome === 'running' ? 'info' : 'bad';
}

function EncryptionPage(props: { csrf: string; status: Status; history: RotationView[]; started: boolean; error?: AppError }) {
  const { status: s } = props;
  const last = s.rotation.last;
  return (
    <Layout title="Encryption" csrf={props.csrf} section="encryption">
      <h1>Encryption</h1>
      {props.started ? <p class="notice good" role="status">Rotation started: every row is being re-encrypted under the write key in the background.</p> : null}
      {props.error ? <ErrorProblem error={props.error} /> : null}
      <section class="card" aria-labelledby="keys-heading">
        <h2 id="keys-heading">Keys</h2>
        <p>New secrets are sealed with key version <code>{s.write_key.version}</code> (<code>{s.write_key.slot}</code>).</p>
        <Table caption="Key versions and the rows each seals" head={['Version', 'Variable', 'Rows', 'Use']} rows={s.keys.map((k) => [
          <code>{k.version}</code>,
          k.slot ? <code>{k.slot}</code> : <Badge tone="bad">not configured</Badge>,
          String(k.rows),
          k.writes ? <Badge tone="good">writes</Badge> : k.configured ? 'reads' : <span>rows unreadable</span>,
        ])} />
        <h3>Encrypted rows</h3>
        <dl class="facts">
          <dt>Rows</dt><dd>{s.rows.total}</dd>
          <dt>Under the write key</dt><dd>{s.rows.current}</dd>
          <dt>Under another configured key</dt><dd>{s.rows.pending ? <Badge tone="warn">{`${s.rows.pending} to re-encrypt`}</Badge> : '0'}</dd>
          <dt>Under no configured key</dt><dd>{s.rows.unreadable ? <Badge tone="bad">{`${s.rows.unreadable} unreadable`}</Badge> : '0'}</dd>
        </dl>
        <h3>Per column</h3>
        <Table caption="Rows per encrypted column" head={['Column', 'Rows', 'Current', 'Pending', 'Unreadable']} rows={s.columns.map((col) => [
          <code>{col.name}</code>, String(col.total), String(col.current), String(col.pending), String(col.unreadable),
        ])} />
      </section>
      <section class="card" aria-labelledby="rotate-heading">
        <h2 id="rotate-heading">Rotation</h2>
        <p>State: <Badge tone={s.rotation.state === 'idle' ? 'good' : s.rotation.state === 'running' ? 'info' : 'bad'}>{s.rotation.state}</Badge>
          {last ? <> · last run {at(last.started_at)}: {last.outcome}, {last.rows_done} of {last.rows_total} rows ({percent(last.progress)})</> : null}</p>
        <form method="post" action="/ui/encryption/rotate">
          <input type="hidden" name="csrf" value={props.csrf} />
          <button type="submit" class="primary">Re-encrypt every row under the write key</button>
        </form>
        <p class="muted">Rows under an old key are rewritten in batches in the background; one run at a time across replicas.</p>
      </section>
      <section class="card" aria-labelledby="history-heading">
        <h2 id="history-heading">History</h2>
        {props.history.length === 0 ? <p class="muted">No rotation has run.</p> : (
          <Table caption={`Rotations, newest first (at most ${HISTORY})`} head={['Started', 'Trigger', 'Outcome', 'From → to', 'Rows', 'Finished', 'Error']} rows={props.history.map((r) => [
            at(r.started_at),
            <>{r.trigger}<br /><span class="muted name">{r.replica}</span></>,
            <Badge tone={outcomeTone(r.outcome)}>{r.outcome}</Badge>,
            <><code>{r.from_versions.join(', ') || '–'}</code> → <code>{r.to_version}</code></>,
            `${r.rows_done} of ${r.rows_total} (${percent(r.progress)})${r.rows_unreadable ? `, ${r.rows_unreadable} unreadable` : ''}${r.rows_skipped ? `, ${r.rows_skipped} skipped` : ''}`,
            at(r.finished_at),
            r.error ?? '–',
          ])} />
        )}
      </section>
    </Layout>
  );
}

export function encryptionRoutes(deps: UiDeps): Hono<UiEnv> {
  const { rotation, keyring } = deps;
  const app = new Hono<UiEnv>();

  const render = async (c: UiContext, extra: { error?: AppError } = {}, status = 200) => {
    const [counts, { state, last }, history] = await Promise.all([rotation.counts(), rotation.state(), rotation.history(HISTORY)]);
    return c.html(<EncryptionPage csrf={c.get('csrf')} status={encryptionStatus(keyring.writeKey, counts, state, last)} history={history.map(rotationView)}
      started={c.req.query('result') === 'rotation_started'} {...extra} />, status as 200);
  };

  app.get('/encryption', (c) => render(c));

  app.post('/encryption/rotate', audited('encryption.rotate', 'encryption', 'encryption_rotation'), async (c) => {
    try {
      const run = await rotation.start('api');
      noteAudit(c, { id: run.id, details: { api: 'ui' } });
      return c.redirect('/ui/encryption?result=rotation_started', 303);
    } catch (err) {
      // ROTATION_IN_PROGRESS (409) or a stopping daemon: the API's error, shown on the page.
      if (!isAppError(err)) throw err;
      noteAudit(c, { id: null, details: { api: 'ui', code: err.code } });
      return render(c, { error: err }, err.status);
    }
  });
  return app;
}
