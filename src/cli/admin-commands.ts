// The CLI's commands for client tokens, encryption key rotation, the audit log (list, show, export) and loadable plugins.
import { createWriteStream } from 'node:fs';
import { Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CliError, EXIT } from './client.js';
import { idByName, list, print, printFields, printPages, providerId, queryOf, seg, str, usage, UUID, type Command, type Ctx, type Obj } from './kit.js';
import { json, table, type Cell } from './output.js';

// --- client tokens ---

const TOKEN_HEADERS = ['ID', 'NAME', 'STATE', 'DOMAINS', 'EXPIRES', 'MANAGED BY'];
const tokenRows = (ts: Obj[]): Cell[][] => ts.map((t) => [t.id, t.name, t.state, (t.allowed_domains as string[]).join(','), t.expires_at, t.managed_by] as Cell[]);

/**
 * A client token by id, or by name: the live token of that name (names are unique among tokens not revoked), else
 * the one revoked token that had it.
 */
async function clientTokenId(ctx: Ctx, ref: string): Promise<string> {
  if (UUID.test(ref)) return ref;
  const { body } = await ctx.client.request('GET', '/client-tokens');
  const named = ((body.client_tokens as Obj[]) ?? []).filter((t) => t.name === ref);
  const live = named.find((t) => t.state !== 'revoked');
  if (live) return String(live.id);
  if (named.length === 1) return String(named[0]!.id);
  const shown = JSON.stringify(ref.slice(0, 100));
  throw new CliError(EXIT.api, named.length === 0 ? `no client token is named ${shown}` : `${named.length} revoked client tokens were named ${shown}: give the id (see \`dns01-proxy client-tokens list\`)`);
}

const tokenFields = (t: Obj): [string, unknown][] => [
  ['id', t.id], ['name', t.name], ['state', t.state], ['domains', (t.allowed_domains as string[]).join(',')],
  ['networks', (t.allowed_cidrs as string[] | null)?.join(',') ?? 'any'], ['providers', (t.providers as string[] | null)?.join(',') ?? 'any'],
  ['expires', t.expires_at ?? 'never'], ['revoked', t.revoked_at], ['managed by', t.managed_by], ['created', t.created_at],
  ['tsig key', t.tsig_key ? `${(t.tsig_key as Obj).name as string} ${(t.tsig_key as Obj).algorithm as string}` : 'none'],
];

/** `--expires`: an RFC 3339 time, a date (midnight UTC), or a span from now such as `90d` or `12h`. */
function expiresAt(text: string | undefined): string | null {
  if (text === undefined) return null;
  const span = /^(\d{1,5})([dh])$/.exec(text);
  if (span) return new Date(Date.now() + Number(span[1]) * (span[2] === 'd' ? 86_400_000 : 3_600_000)).toISOString();
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return `${text}T00:00:00Z`;
  return text;
}

const CLIENT_TOKEN_COMMANDS: Record<string, Command> = {
  'client-tokens list': {
    summary: 'list client tokens, revoked ones too (never the token itself)',
    usage: 'client-tokens list',
    options: {},
    args: 0,
    async run(ctx) {
      const { body } = await ctx.client.request('GET', '/client-tokens');
      const ts = (body.client_tokens as Obj[]) ?? [];
      return print(ctx, ts, TOKEN_HEADERS, tokenRows(ts));
    },
  },
  'client-tokens show': {
    summary: 'one client token: its names, networks, providers, expiry and state',
    usage: 'client-tokens show ID|NAME',
    options: {},
    args: 1,
    async run(ctx) {
      const { body } = await ctx.client.request('GET', `/client-tokens/${seg(await clientTokenId(ctx, ctx.args[0]!))}`);
      const t = body.client_token as Obj;
      return printFields(ctx, t, tokenFields(t));
    },
  },
  'client-tokens create': {
    summary: 'create a client token for the internal API; the token (and TSIG secret) are shown this once',
    usage: 'client-tokens create --name NAME --domains NAME[,NAME...] [--cidrs CIDR[,CIDR...]] [--providers ID|NAME[,...]] [--expires TIME|DATE|90d|12h] [--tsig-algorithm hmac-sha256|hmac-sha512|hmac-sha1|hmac-md5]',
    options: { name: { type: 'string' }, domains: { type: 'string' }, cidrs: { type: 'string' }, providers: { type: 'string' }, expires: { type: 'string' }, 'tsig-algorithm': { type: 'string' } },
    args: 0,
    async run(ctx) {
      const name = str(ctx.flags, 'name');
      const domains = list(ctx.flags, 'domains') ?? [];
      if (!name || domains.length === 0) throw usage('client-tokens create needs --name and --domains');
      const providers = list(ctx.flags, 'providers');
      const algorithm = str(ctx.flags, 'tsig-algorithm');
      const input = {
        name, allowed_domains: domains, allowed_cidrs: list(ctx.flags, 'cidrs') ?? null,
        providers: providers ? await Promise.all(providers.map((p) => providerId(ctx, p))) : null,
        expires_at: expiresAt(str(ctx.flags, 'expires')),
        ...(algorithm !== undefined ? { tsig_algorithm: algorithm } : {}),
      };
      const { body } = await ctx.client.request('POST', '/client-tokens', input);
      if (ctx.asJson) {
        ctx.out(json(body));
        return EXIT.ok;
      }
      const key = body.tsig_key as { name: string; algorithm: string; secret: string } | undefined;
      ctx.out(table(TOKEN_HEADERS, tokenRows([body.client_token as Obj])));
      ctx.out(`\ntoken: ${String(body.token)}\n`);
      if (key) ctx.out(`tsig key: ${key.name} ${key.algorithm}\ntsig secret: ${key.secret}\n`);
      ctx.out(`\nShown this once: the daemon never shows ${key ? 'the token or the TSIG secret' : 'the token'} again. Store ${key ? 'them' : 'it'} now.\n`);
      return EXIT.ok;
    },
  },
  'client-tokens tsig-rotate': {
    summary: 'give a client token\'s TSIG key a new secret (same name; the old secret is refused at once), or its first key; the secret is shown this once',
    usage: 'client-tokens tsig-rotate ID|NAME [--tsig-algorithm hmac-sha256|hmac-sha512|hmac-sha1|hmac-md5]   (the algorithm is needed for a first key)',
    options: { 'tsig-algorithm': { type: 'string' } },
    args: 1,
    async run(ctx) {
      const algorithm = str(ctx.flags, 'tsig-algorithm');
      const { body } = await ctx.client.request('POST', `/client-tokens/${seg(await clientTokenId(ctx, ctx.args[0]!))}/tsig-key`, algorithm !== undefined ? { tsig_algorithm: algorithm } : {});
      if (ctx.asJson) {
        ctx.out(json(body));
        return EXIT.ok;
      }
      const key = body.tsig_key as { name: string; algorithm: string; secret: string };
      ctx.out(`tsig key: ${key.name} ${key.algorithm}\ntsig secret: ${key.secret}\n`);
      ctx.out('\nShown this once: the daemon never shows the TSIG secret again. Store it now; the previous secret no longer works.\n');
      return EXIT.ok;
    },
  },
  'client-tokens tsig-delete': {
    summary: 'remove a client token\'s TSIG key: the DNS UPDATE door answers BADKEY for it from its next message',
    usage: 'client-tokens tsig-delete ID|NAME',
    options: {},
    args: 1,
    async run(ctx) {
      const { body } = await ctx.client.request('DELETE', `/client-tokens/${seg(await clientTokenId(ctx, ctx.args[0]!))}/tsig-key`);
      const t = body.client_token as Obj;
      return print(ctx, body, ['ID', 'NAME', 'DELETED TSIG KEY'], [[t.id, t.name, body.deleted_tsig_key] as Cell[]]);
    },
  },
  'client-tokens revoke': {
    summary: 'revoke a client token (again is no error); its next request is refused',
    usage: 'client-tokens revoke ID|NAME',
    options: {},
    args: 1,
    async run(ctx) {
      const { body } = await ctx.client.request('DELETE', `/client-tokens/${seg(await clientTokenId(ctx, ctx.args[0]!))}`);
      const t = body.client_token as Obj;
      return print(ctx, t, ['ID', 'NAME', 'STATE', 'REVOKED'], [[t.id, t.name, t.state, t.revoked_at] as Cell[]]);
    },
  },
};

// --- encryption at rest ---

const ROTATION_HEADERS = ['ID', 'OUTCOME', 'PROGRESS', 'ROWS DONE', 'UNREADABLE', 'SKIPPED', 'TO KEY', 'TRIGGER', 'STARTED', 'FINISHED'];
const rotationRows = (rs: Obj[]): Cell[][] => rs.map((r) => [
  r.id, r.outcome, `${Math.floor(Number(r.progress) * 100)}%`, `${String(r.rows_done)}/${String(r.rows_total)}`, r.rows_unreadable, r.rows_skipped,
  r.to_version, r.trigger, r.started_at, r.finished_at,
] as Cell[]);

/** How long `encryption rotate --wait` waits at most, and between looks. */
const WAIT_LIMIT_MS = 6 * 3_600_000;
const WAIT_STEP_MS = 1000;

const ENCRYPTION_COMMANDS: Record<string, Command> = {
  'encryption status': {
    summary: 'the write key, rows per key version, unreadable rows and the rotation state',
    usage: 'encryption status',
    options: {},
    args: 0,
    async run(ctx) {
      const { body } = await ctx.client.request('GET', '/admin/encryption/status');
      if (ctx.asJson) {
        ctx.out(json(body));
        return EXIT.ok;
      }
      const rows = body.rows as Obj;
      const rotation = body.rotation as { state: string; last: Obj | null };
      const writeKey = body.write_key as Obj;
      printFields(ctx, body, [
        ['write key', `${String(writeKey.version)} (${String(writeKey.slot)})`],
        ['rows', `${String(rows.total)} total, ${String(rows.current)} under the write key, ${String(rows.pending)} to rotate, ${String(rows.unreadable)} unreadable`],
        ['rotation', rotation.state],
        ['last rotation', rotation.last ? `${String(rotation.last.outcome)}, started ${String(rotation.last.started_at)}` : 'never'],
      ]);
      const keys = (body.keys as Obj[]) ?? [];
      ctx.out('\n' + table(['KEY VERSION', 'SLOT', 'CONFIGURED', 'WRITES', 'ROWS'], keys.map((k) => [k.version, k.slot ?? '(not configured)', k.configured, k.writes, k.rows] as Cell[])));
      return EXIT.ok;
    },
  },
  'encryption rotate': {
    summary: 're-encrypt every row under the write key, in the background (--wait: until it ends; exit 1 unless it completed)',
    usage: 'encryption rotate [--wait]',
    options: { wait: { type: 'boolean' } },
    args: 0,
    async run(ctx) {
      const started = (await ctx.client.request('POST', '/admin/encryption/rotate')).body.rotation as Obj;
      let rotation = started;
      for (const until = Date.now() + WAIT_LIMIT_MS; ctx.flags.wait && rotation.outcome === 'running' && Date.now() < until;) {
        await new Promise((r) => setTimeout(r, WAIT_STEP_MS));
        // The history is newest first: the one started here is on its first page unless 500 have started since.
        const { body } = await ctx.client.request('GET', '/admin/encryption/history?limit=500');
        rotation = ((body.rotations as Obj[]) ?? []).find((r) => r.id === started.id) ?? rotation;
      }
      print(ctx, rotation, ROTATION_HEADERS, rotationRows([rotation]));
      if (!ctx.flags.wait || rotation.outcome === 'completed') return EXIT.ok;
      throw new CliError(EXIT.api, rotation.outcome === 'running' ? 'the rotation is still running; see `dns01-proxy encryption status`' : `the rotation ended ${String(rotation.outcome)}${rotation.error ? `: ${String(rotation.error)}` : ''}`);
    },
  },
  'encryption history': {
    summary: 'past and running key rotations, newest first',
    usage: 'encryption history [--limit N]',
    options: { limit: { type: 'string' } },
    args: 0,
    async run(ctx) {
      const { body } = await ctx.client.request('GET', `/admin/encryption/history?${queryOf(ctx, ['limit'])}`);
      const rs = (body.rotations as Obj[]) ?? [];
      return print(ctx, rs, ROTATION_HEADERS, rotationRows(rs));
    },
  },
};

// --- the audit log ---

/** The API's filters, as flags (`--resource-type` → `resource_type`). */
const AUDIT_FILTERS = ['from', 'to', 'category', 'actor', 'action', 'resource-type', 'resource-id', 'outcome', 'q'];
const filterOptions = Object.fromEntries(AUDIT_FILTERS.map((f) => [f, { type: 'string' as const }]));
const FILTER_USAGE = '[--from T] [--to T] [--category C] [--actor A] [--action A] [--resource-type T] [--resource-id ID] [--outcome O] [--q TEXT]';

const resource = (e: Obj): Cell => (e.resource_type ? `${String(e.resource_type)}${e.resource_id ? `:${String(e.resource_id)}` : ''}` : null);
const auditRows = (es: Obj[]): Cell[][] => es.map((e) => [e.id, e.created_at, e.actor, e.action, e.outcome, resource(e), e.source_ip] as Cell[]);

/**
 * Watches an export go by unchanged: counts its records and keeps its last line, which says so when the export broke
 * off (`{"error": …}` in NDJSON, `# error: CODE: message` in CSV; docs/api.md).
 */
class ExportWatch extends Transform {
  records = 0;
  private tail = '';
  private quoted = false;
  private readonly decoder = new TextDecoder();

  constructor(private readonly csv: boolean) {
    super();
  }

  override _transform(chunk: Uint8Array, _encoding: BufferEncoding, done: (err?: Error | null, data?: Uint8Array) => void): void {
    const text = this.decoder.decode(chunk, { stream: true });
    for (const ch of text) {
      // CSV quotes a field holding a line break (and doubles its quotes), so only a break outside quotes ends a record.
      if (ch === '"' && this.csv) this.quoted = !this.quoted;
      else if (ch === '\n' && !this.quoted) this.records++;
    }
    this.tail = (this.tail + text).slice(-8192);
    done(null, chunk);
  }

  /** The error the export's last line reports, if it broke off. */
  failure(): string | undefined {
    const last = this.tail.replace(/\r?\n$/, '').split('\n').pop()?.replace(/\r$/, '') ?? '';
    if (this.csv) return last.startsWith('# error: ') ? last.slice('# error: '.length) : undefined;
    if (!last.startsWith('{"error":')) return undefined;
    try {
      const { error } = JSON.parse(last) as { error: { code: string; message: string } };
      return `${error.code}: ${error.message}`;
    } catch {
      return undefined;
    }
  }
}

const AUDIT_COMMANDS: Record<string, Command> = {
  'audit list': {
    summary: 'audit events, newest first, filtered (--provider: one provider\'s own events; --all follows every page)',
    usage: `audit list ${FILTER_USAGE} [--provider ID|NAME] [--limit N] [--cursor C] [--all]`,
    options: { ...filterOptions, provider: { type: 'string' }, limit: { type: 'string' }, cursor: { type: 'string' }, all: { type: 'boolean' } },
    args: 0,
    async run(ctx) {
      const provider = str(ctx.flags, 'provider');
      const path = provider === undefined ? '/audit-logs' : `/dns-providers/${seg(await providerId(ctx, provider))}/audit-logs`;
      const query = queryOf(ctx, [...AUDIT_FILTERS, 'limit', 'cursor']);
      return printPages(ctx, path, query, 'audit_logs', ['ID', 'TIME', 'ACTOR', 'ACTION', 'OUTCOME', 'RESOURCE', 'SOURCE'], auditRows);
    },
  },
  'audit show': {
    summary: 'one audit event, with its details',
    usage: 'audit show ID',
    options: {},
    args: 1,
    async run(ctx) {
      const { body } = await ctx.client.request('GET', `/audit-logs/${seg(ctx.args[0]!)}`);
      const e = body.audit_log as Obj;
      return printFields(ctx, e, [
        ['id', e.id], ['time', e.created_at], ['actor', e.actor], ['action', e.action], ['category', e.category], ['resource', resource(e)],
        ['outcome', e.outcome], ['source', e.source_ip], ['user agent', e.user_agent], ['details', e.details],
      ]);
    },
  },
  'audit export': {
    summary: 'every matching audit event as NDJSON (default) or CSV, streamed to --output FILE or stdout',
    usage: `audit export [--format ndjson|csv] [--output FILE] ${FILTER_USAGE}`,
    options: { ...filterOptions, format: { type: 'string' }, output: { type: 'string' } },
    args: 0,
    async run(ctx) {
      if (ctx.asJson) throw usage('audit export writes the API\'s own format; for JSON lines use --format ndjson');
      const format = str(ctx.flags, 'format') ?? 'ndjson';
      const query = queryOf(ctx, AUDIT_FILTERS);
      query.set('format', format);
      const { chunks } = await ctx.client.download(`/audit-logs/export?${query}`);
      const file = str(ctx.flags, 'output');
      const toFile = file !== undefined && file !== '-';
      // Opened only once the daemon has accepted the export, so a refused one leaves no empty file behind.
      const dest: Writable = toFile ? createWriteStream(file, { mode: 0o600 }) : ctx.stdout;
      const watch = new ExportWatch(format === 'csv');
      try {
        await pipeline(Readable.from(chunks), watch, dest, { end: toFile });
      } catch (err) {
        if (err instanceof CliError) throw err;
        const e = err as NodeJS.ErrnoException;
        throw new CliError(EXIT.api, `${toFile ? `cannot write ${file}` : 'cannot write the export'}: ${e.code ?? e.message}`);
      }
      const failure = watch.failure();
      if (failure) throw new CliError(EXIT.api, failure);
      // Said only when the data went to a file: on stdout it would be mixed into the export.
      if (toFile) ctx.out(`${Math.max(0, watch.records - (format === 'csv' ? 1 : 0))} event(s) written to ${file} (${format})\n`);
      return EXIT.ok;
    },
  },
};

// --- loadable plugins ---

const PLUGIN_HEADERS = ['ID', 'NAME', 'TYPE', 'STATUS', 'ENABLED', 'VERSION', 'ERROR'];
const pluginRows = (ps: Obj[]): Cell[][] => ps.map((p) => [p.id, p.name, p.type, p.status, p.enabled, p.version, p.error] as Cell[]);
const pluginId = (ctx: Ctx, ref: string) => idByName(ctx, ref, '/admin/plugins', 'plugins', 'plugin');

/** Enable or disable: the plugin after the change; exit 1, with its reason, when an enabled one did not load. */
function toggle(action: 'enable' | 'disable'): Command {
  return {
    summary: action === 'enable'
      ? 'enable a loadable plugin and load it (exit 1, with the reason, when it does not load)'
      : 'disable a loadable plugin (refused while an enabled provider uses its type)',
    usage: `plugins ${action} ID|NAME`,
    options: {},
    args: 1,
    async run(ctx) {
      const { body } = await ctx.client.request('POST', `/admin/plugins/${seg(await pluginId(ctx, ctx.args[0]!))}/${action}`);
      const p = body.plugin as Obj;
      print(ctx, p, PLUGIN_HEADERS, pluginRows([p]));
      if (action === 'enable' && p.status !== 'loaded') throw new CliError(EXIT.api, `plugin ${String(p.name)} is enabled but not loaded (${String(p.status)}): ${String(p.error ?? 'no reason given')}`);
      return EXIT.ok;
    },
  };
}

const PLUGIN_COMMANDS: Record<string, Command> = {
  'plugins list': {
    summary: 'loadable plugins: status, version, and why one did not load',
    usage: 'plugins list',
    options: {},
    args: 0,
    async run(ctx) {
      const { body } = await ctx.client.request('GET', '/admin/plugins');
      const ps = (body.plugins as Obj[]) ?? [];
      return print(ctx, ps, PLUGIN_HEADERS, pluginRows(ps));
    },
  },
  'plugins show': {
    summary: 'one loadable plugin: file, signature, status and error',
    usage: 'plugins show ID|NAME',
    options: {},
    args: 1,
    async run(ctx) {
      const { body } = await ctx.client.request('GET', `/admin/plugins/${seg(await pluginId(ctx, ctx.args[0]!))}`);
      const p = body.plugin as Obj;
      return printFields(ctx, p, [
        ['id', p.id], ['name', p.name], ['type', p.type], ['status', p.status], ['enabled', p.enabled], ['error', p.error], ['version', p.version],
        ['author', p.author], ['path', p.path], ['signature', p.signature], ['loaded', p.loaded_at], ['updated', p.updated_at],
      ]);
    },
  },
  'plugins enable': toggle('enable'),
  'plugins disable': toggle('disable'),
  'plugins reload': {
    summary: 'read the plugins directory and allow-list again',
    usage: 'plugins reload',
    options: {},
    args: 0,
    async run(ctx) {
      const { body } = await ctx.client.request('POST', '/admin/plugins/reload');
      const ps = (body.plugins as Obj[]) ?? [];
      return print(ctx, ps, PLUGIN_HEADERS, pluginRows(ps));
    },
  },
};

export const ADMIN_COMMANDS: Record<string, Command> = { ...CLIENT_TOKEN_COMMANDS, ...ENCRYPTION_COMMANDS, ...AUDIT_COMMANDS, ...PLUGIN_COMMANDS };
