// The CLI's commands: each reads its flags, makes admin API calls, and prints a table or JSON.
import { readFileSync } from 'node:fs';
import { CliError, EXIT } from './client.js';
import { ADMIN_COMMANDS } from './admin-commands.js';
import { json, table, type Cell } from './output.js';
import { list, print, printFields, printPages, providerId, queryOf, seg, str, usage, type Command, type Ctx, type Flags, type Obj } from './kit.js';

/** Credentials as JSON from --credentials, --credentials-file (`-`: stdin), and/or key=value pairs from --set. */
function credentialsFrom(flags: Flags, base: Obj = {}): Obj {
  const inline = str(flags, 'credentials');
  const file = str(flags, 'credentials-file');
  if (inline !== undefined && file !== undefined) throw usage('give --credentials or --credentials-file, not both');
  let creds: Obj = { ...base };
  const source = file !== undefined ? (() => {
    try {
      return readFileSync(file === '-' ? 0 : file, 'utf8');
    } catch {
      throw usage(`--credentials-file: cannot read ${file}`);
    }
  })() : inline;
  if (source !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(source);
    } catch {
      // The text may be secret: say what is wrong, never echo it.
      throw usage('credentials: not valid JSON; expected an object such as {"api_token": "..."}');
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw usage('credentials: expected a JSON object');
    creds = parsed as Obj;
  }
  for (const pair of (flags.set as string[] | undefined) ?? []) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw usage('--set: expected key=value');
    creds[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return creds;
}

/**
 * A change's `credentials`: replaced whole by --credentials/--credentials-file; --set alone changes only those keys of
 * the stored object as the API shows it, whose `********` masks keep their secrets (docs/api.md, "PUT").
 */
async function credentialsChange(ctx: Ctx, current: () => Promise<Obj>): Promise<{ credentials?: Obj }> {
  const whole = str(ctx.flags, 'credentials') !== undefined || str(ctx.flags, 'credentials-file') !== undefined;
  if (!whole && !((ctx.flags.set as string[] | undefined) ?? []).length) return {};
  let base: Obj = {};
  if (!whole) {
    const stored = await current();
    if (stored.credentials_readable === false) throw new CliError(EXIT.api, 'the stored credentials cannot be read (no configured key opens them): give them whole with --credentials or --credentials-file');
    base = stored.credentials as Obj;
  }
  return { credentials: credentialsFrom(ctx.flags, base) };
}

/** --enable / --disable as `enabled`, or nothing. */
function enabledChange(flags: Flags): { enabled?: boolean } {
  if (flags.enable && flags.disable) throw usage('give --enable or --disable, not both');
  return flags.enable ? { enabled: true } : flags.disable ? { enabled: false } : {};
}

/** A change with nothing to change is the operator's slip, not a request to send. */
function changes(body: Obj, what: string): Obj {
  if (Object.keys(body).length === 0) throw usage(`nothing to change: give at least one of ${what}`);
  return body;
}

const CREDENTIAL_FLAGS = { credentials: { type: 'string' }, 'credentials-file': { type: 'string' }, set: { type: 'string', multiple: true } } as const;
const ENABLE_FLAGS = { enable: { type: 'boolean' }, disable: { type: 'boolean' } } as const;

const providerFields = (p: Obj): [string, unknown][] => [
  ['id', p.id], ['name', p.name], ['type', p.provider_type], ['enabled', p.enabled], ['default', p.is_default],
  ['zone-specific credentials', p.use_multi_credentials], ['credentials', p.credentials_readable === false ? '(unreadable: no configured key opens them)' : p.credentials],
  ['propagation timeout', p.propagation_timeout ?? '(type default)'], ['polling interval', p.polling_interval ?? '(type default)'], ['settings', p.settings],
  ['successes', p.success_count], ['failures', p.failure_count], ['last used', p.last_used_at], ['last error', p.last_error],
  ['managed by', p.managed_by], ['key version', p.key_version], ['created', p.created_at], ['updated', p.updated_at],
];
const credentialFields = (c: Obj): [string, unknown][] => [
  ['id', c.id], ['label', c.label], ['zones', (c.zone_filter as string) || '(catch-all)'], ['enabled', c.enabled],
  ['credentials', c.credentials_readable === false ? '(unreadable: no configured key opens them)' : c.credentials],
  ['propagation timeout', c.propagation_timeout], ['polling interval', c.polling_interval],
  ['successes', c.success_count], ['failures', c.failure_count], ['last used', c.last_used_at], ['last error', c.last_error],
];

/** A test's reply (`{tested: true, ok, message}` or `{tested: false, reason}`): a type with nothing to check is not a failure. */
function printTest(ctx: Ctx, result: Obj): number {
  const tested = result.tested !== false;
  const ok = result.ok !== false;
  const outcome = !tested ? 'not tested' : ok ? 'ok' : 'failed';
  print(ctx, result, ['RESULT', 'MESSAGE'], [[outcome, (result.message ?? result.reason) as Cell]]);
  return ok ? EXIT.ok : EXIT.api;
}

const providerRows = (ps: Obj[]): Cell[][] => ps.map((p) => [p.id, p.name, p.provider_type, p.enabled, p.is_default] as Cell[]);
const PROVIDER_HEADERS = ['ID', 'NAME', 'TYPE', 'ENABLED', 'DEFAULT'];

/** Sites with their provider by name, as `providers list` shows it; the id only for a provider that is gone. */
async function siteRows(ctx: Ctx, sites: Obj[]): Promise<Cell[][]> {
  const names = new Map(((await ctx.client.request('GET', '/dns-providers')).body.providers as Obj[]).map((p) => [p.id, p.name]));
  return sites.map((s) => [s.id, (s.domain_names as string[]).join(','), names.get(s.dns_provider_id) ?? s.dns_provider_id, s.enabled] as Cell[]);
}
const SITE_HEADERS = ['ID', 'DOMAINS', 'PROVIDER', 'ENABLED'];

const credentialRows = (cs: Obj[]): Cell[][] => cs.map((c) => [c.id, c.label, (c.zone_filter as string) || '(catch-all)', c.enabled, c.success_count, c.failure_count] as Cell[]);
const CREDENTIAL_HEADERS = ['ID', 'LABEL', 'ZONES', 'ENABLED', 'SUCCESSES', 'FAILURES'];

/** A manual challenge's admin path, under the provider the challenge names. */
async function manualPath(ctx: Ctx, id: string): Promise<string> {
  const c = (await ctx.client.request('GET', `/challenges/${seg(id)}`)).body.challenge as Obj;
  return `/dns-providers/${seg(String(c.provider_id))}/manual-challenge/${seg(id)}`;
}

const challengeRows = (cs: Obj[]): Cell[][] => cs.map((c) => [c.id, c.status, c.provider_name, c.fqdn, c.created_at, c.time_remaining_seconds] as Cell[]);

export const COMMANDS: Record<string, Command> = {
  'providers list': {
    summary: 'list DNS providers (credentials stay masked)',
    usage: 'providers list',
    options: {},
    args: 0,
    async run(ctx) {
      const { body } = await ctx.client.request('GET', '/dns-providers');
      const ps = (body.providers as Obj[]) ?? [];
      return print(ctx, ps, PROVIDER_HEADERS, providerRows(ps));
    },
  },
  'providers add': {
    summary: 'add a DNS provider',
    usage: 'providers add --name NAME --type TYPE [--credentials JSON | --credentials-file FILE|-] [--set KEY=VALUE ...] [--default] [--disabled]',
    options: { name: { type: 'string' }, type: { type: 'string' }, credentials: { type: 'string' }, 'credentials-file': { type: 'string' }, set: { type: 'string', multiple: true }, default: { type: 'boolean' }, disabled: { type: 'boolean' } },
    args: 0,
    async run(ctx) {
      const name = str(ctx.flags, 'name');
      const type = str(ctx.flags, 'type');
      if (!name || !type) throw usage('providers add needs --name and --type (see `dns01-proxy types`)');
      const body = { name, provider_type: type, credentials: credentialsFrom(ctx.flags), is_default: Boolean(ctx.flags.default), enabled: !ctx.flags.disabled };
      const reply = await ctx.client.request('POST', '/dns-providers', body);
      const p = reply.body.provider as Obj;
      return print(ctx, p, PROVIDER_HEADERS, providerRows([p]));
    },
  },
  'providers show': {
    summary: 'one provider: type, state, masked credentials, settings and call counts',
    usage: 'providers show ID|NAME',
    options: {},
    args: 1,
    async run(ctx) {
      const { body } = await ctx.client.request('GET', `/dns-providers/${seg(await providerId(ctx, ctx.args[0]!))}`);
      const p = body.provider as Obj;
      return printFields(ctx, p, providerFields(p));
    },
  },
  'providers update': {
    summary: 'change a provider (--set alone changes those credential fields and keeps the others)',
    usage: 'providers update ID|NAME [--name NAME] [--credentials JSON | --credentials-file FILE|-] [--set KEY=VALUE ...] [--enable | --disable] [--default | --not-default]',
    options: { name: { type: 'string' }, ...CREDENTIAL_FLAGS, ...ENABLE_FLAGS, default: { type: 'boolean' }, 'not-default': { type: 'boolean' } },
    args: 1,
    async run(ctx) {
      if (ctx.flags.default && ctx.flags['not-default']) throw usage('give --default or --not-default, not both');
      const id = await providerId(ctx, ctx.args[0]!);
      const name = str(ctx.flags, 'name');
      const patch = changes({
        ...(name !== undefined ? { name } : {}), ...enabledChange(ctx.flags),
        ...(ctx.flags.default ? { is_default: true } : ctx.flags['not-default'] ? { is_default: false } : {}),
        ...await credentialsChange(ctx, async () => (await ctx.client.request('GET', `/dns-providers/${seg(id)}`)).body.provider as Obj),
      }, '--name, --credentials, --credentials-file, --set, --enable, --disable, --default, --not-default');
      const p = (await ctx.client.request('PUT', `/dns-providers/${seg(id)}`, patch)).body.provider as Obj;
      return print(ctx, p, PROVIDER_HEADERS, providerRows([p]));
    },
  },
  'providers test': {
    summary: "check a provider's credentials against its service",
    usage: 'providers test ID|NAME',
    options: {},
    args: 1,
    async run(ctx) {
      const id = await providerId(ctx, ctx.args[0]!);
      const { body } = await ctx.client.request('POST', `/dns-providers/${seg(id)}/test`);
      return printTest(ctx, (body.result ?? {}) as Obj);
    },
  },
  'providers rm': {
    summary: 'delete a provider (--force: even with active challenges)',
    usage: 'providers rm ID|NAME [--force]',
    options: { force: { type: 'boolean' } },
    args: 1,
    async run(ctx) {
      const id = await providerId(ctx, ctx.args[0]!);
      const { body } = await ctx.client.request('DELETE', `/dns-providers/${seg(id)}${ctx.flags.force ? '?force=true' : ''}`);
      return print(ctx, body, ['DELETED', 'RECORDS POSSIBLY LEFT'], [[id, ((body.records_possibly_left as unknown[]) ?? []).length]]);
    },
  },
  'credentials list': {
    summary: "list a provider's zone-specific credentials (secrets stay masked)",
    usage: 'credentials list PROVIDER',
    options: {},
    args: 1,
    async run(ctx) {
      const id = await providerId(ctx, ctx.args[0]!);
      const { body } = await ctx.client.request('GET', `/dns-providers/${seg(id)}/credentials`);
      const cs = (body.credentials as Obj[]) ?? [];
      return print(ctx, cs, CREDENTIAL_HEADERS, credentialRows(cs));
    },
  },
  'credentials add': {
    summary: 'add a zone-specific credential (--switch: first turn the provider to zone-specific credentials)',
    usage: 'credentials add PROVIDER --label LABEL [--zones ZONE[,*.ZONE...]] [--credentials JSON | --credentials-file FILE|-] [--set KEY=VALUE ...] [--disabled] [--switch]',
    options: { label: { type: 'string' }, zones: { type: 'string' }, credentials: { type: 'string' }, 'credentials-file': { type: 'string' }, set: { type: 'string', multiple: true }, disabled: { type: 'boolean' }, switch: { type: 'boolean' } },
    args: 1,
    async run(ctx) {
      const label = str(ctx.flags, 'label');
      if (!label) throw usage('credentials add needs --label');
      const creds = credentialsFrom(ctx.flags);
      const id = await providerId(ctx, ctx.args[0]!);
      if (ctx.flags.switch) await ctx.client.request('PUT', `/dns-providers/${seg(id)}`, { use_multi_credentials: true });
      const body = { label, zone_filter: str(ctx.flags, 'zones') ?? '', credentials: creds, enabled: !ctx.flags.disabled };
      const reply = await ctx.client.request('POST', `/dns-providers/${seg(id)}/credentials`, body);
      const c = reply.body.credential as Obj;
      return print(ctx, c, CREDENTIAL_HEADERS, credentialRows([c]));
    },
  },
  'credentials show': {
    summary: 'one zone-specific credential, secrets masked',
    usage: 'credentials show PROVIDER CRED_ID',
    options: {},
    args: 2,
    async run(ctx) {
      const id = await providerId(ctx, ctx.args[0]!);
      const c = (await ctx.client.request('GET', `/dns-providers/${seg(id)}/credentials/${seg(ctx.args[1]!)}`)).body.credential as Obj;
      return printFields(ctx, c, credentialFields(c));
    },
  },
  'credentials update': {
    summary: 'change a zone-specific credential (--set alone changes those fields and keeps the others)',
    usage: 'credentials update PROVIDER CRED_ID [--label LABEL] [--zones ZONE[,*.ZONE...]] [--credentials JSON | --credentials-file FILE|-] [--set KEY=VALUE ...] [--enable | --disable]',
    options: { label: { type: 'string' }, zones: { type: 'string' }, ...CREDENTIAL_FLAGS, ...ENABLE_FLAGS },
    args: 2,
    async run(ctx) {
      const path = `/dns-providers/${seg(await providerId(ctx, ctx.args[0]!))}/credentials/${seg(ctx.args[1]!)}`;
      const label = str(ctx.flags, 'label');
      const zones = str(ctx.flags, 'zones');
      const patch = changes({
        ...(label !== undefined ? { label } : {}), ...(zones !== undefined ? { zone_filter: zones } : {}), ...enabledChange(ctx.flags),
        ...await credentialsChange(ctx, async () => (await ctx.client.request('GET', path)).body.credential as Obj),
      }, '--label, --zones, --credentials, --credentials-file, --set, --enable, --disable');
      const c = (await ctx.client.request('PUT', path, patch)).body.credential as Obj;
      return print(ctx, c, CREDENTIAL_HEADERS, credentialRows([c]));
    },
  },
  'credentials test': {
    summary: "check one zone-specific credential against the provider's service",
    usage: 'credentials test PROVIDER CRED_ID',
    options: {},
    args: 2,
    async run(ctx) {
      const id = await providerId(ctx, ctx.args[0]!);
      const { body } = await ctx.client.request('POST', `/dns-providers/${seg(id)}/credentials/${seg(ctx.args[1]!)}/test`);
      return printTest(ctx, (body.result ?? {}) as Obj);
    },
  },
  'credentials rm': {
    summary: 'delete a zone-specific credential',
    usage: 'credentials rm PROVIDER CRED_ID',
    options: {},
    args: 2,
    async run(ctx) {
      const id = await providerId(ctx, ctx.args[0]!);
      const { body } = await ctx.client.request('DELETE', `/dns-providers/${seg(id)}/credentials/${seg(ctx.args[1]!)}`);
      return print(ctx, body, ['DELETED'], [[ctx.args[1]]]);
    },
  },
  types: {
    summary: 'list the provider types this daemon knows',
    usage: 'types',
    options: {},
    args: 0,
    async run(ctx) {
      const { body } = await ctx.client.request('GET', '/dns-providers/types');
      const types = (body.types as Obj[] | undefined) ?? [];
      return print(ctx, types, ['TYPE', 'NAME', 'CATEGORY'], types.map((t) => [t.type, t.name, t.category] as Cell[]));
    },
  },
  'types fields': {
    summary: "one provider type's credential fields (the names --set and --credentials take)",
    usage: 'types fields TYPE',
    options: {},
    args: 1,
    async run(ctx) {
      const { body } = await ctx.client.request('GET', `/dns-providers/types/${seg(ctx.args[0]!)}/fields`);
      const fields = (body.fields as Obj[] | undefined) ?? [];
      return print(ctx, fields, ['FIELD', 'LABEL', 'KIND', 'REQUIRED', 'SECRET', 'DEFAULT'], fields.map((f) => [
        f.name, f.label, f.type, f.required, f.secret, f.default === null || f.default === undefined ? null : typeof f.default === 'object' ? JSON.stringify(f.default) : String(f.default),
      ] as Cell[]));
    },
  },
  detect: {
    summary: "guess a domain's DNS provider from its zone's nameservers, and name a configured provider of that type",
    usage: 'detect DOMAIN',
    options: {},
    args: 1,
    async run(ctx) {
      const { body } = await ctx.client.request('POST', '/dns-providers/detect', { domain: ctx.args[0] });
      const suggested = body.suggested_provider as Obj | null;
      return printFields(ctx, body, [
        ['domain', body.domain], ['zone', body.zone], ['detected', body.detected], ['type', body.provider_type], ['confidence', body.confidence],
        ['nameservers', (body.nameservers as string[]).join(',')], ['suggested provider', suggested ? `${String(suggested.name)} (${String(suggested.id)})` : null],
      ]);
    },
  },
  'sites list': {
    summary: 'list sites (domains and their provider)',
    usage: 'sites list',
    options: {},
    args: 0,
    async run(ctx) {
      const { body } = await ctx.client.request('GET', '/sites');
      const sites = (body.sites as Obj[]) ?? [];
      return print(ctx, sites, SITE_HEADERS, ctx.asJson ? [] : await siteRows(ctx, sites));
    },
  },
  'sites add': {
    summary: 'add a site: domains answered through one provider',
    usage: 'sites add --domains NAME[,NAME...] --provider ID|NAME [--disabled]',
    options: { domains: { type: 'string' }, provider: { type: 'string' }, disabled: { type: 'boolean' } },
    args: 0,
    async run(ctx) {
      const domains = list(ctx.flags, 'domains') ?? [];
      const provider = str(ctx.flags, 'provider');
      if (domains.length === 0 || !provider) throw usage('sites add needs --domains and --provider');
      const { body } = await ctx.client.request('POST', '/sites', { domain_names: domains, dns_provider_id: await providerId(ctx, provider), enabled: !ctx.flags.disabled });
      const s = body.site as Obj;
      return print(ctx, s, SITE_HEADERS, ctx.asJson ? [] : await siteRows(ctx, [s]));
    },
  },
  'sites show': {
    summary: 'one site: its domains, provider and state',
    usage: 'sites show ID',
    options: {},
    args: 1,
    async run(ctx) {
      const s = (await ctx.client.request('GET', `/sites/${seg(ctx.args[0]!)}`)).body.site as Obj;
      return print(ctx, s, SITE_HEADERS, ctx.asJson ? [] : await siteRows(ctx, [s]));
    },
  },
  'sites update': {
    summary: "change a site's domains, provider or state",
    usage: 'sites update ID [--domains NAME[,NAME...]] [--provider ID|NAME] [--enable | --disable]',
    options: { domains: { type: 'string' }, provider: { type: 'string' }, ...ENABLE_FLAGS },
    args: 1,
    async run(ctx) {
      const domains = list(ctx.flags, 'domains');
      const provider = str(ctx.flags, 'provider');
      const patch = changes({
        ...(domains !== undefined ? { domain_names: domains } : {}), ...(provider !== undefined ? { dns_provider_id: await providerId(ctx, provider) } : {}), ...enabledChange(ctx.flags),
      }, '--domains, --provider, --enable, --disable');
      const s = (await ctx.client.request('PUT', `/sites/${seg(ctx.args[0]!)}`, patch)).body.site as Obj;
      return print(ctx, s, SITE_HEADERS, ctx.asJson ? [] : await siteRows(ctx, [s]));
    },
  },
  'sites rm': {
    summary: 'delete a site',
    usage: 'sites rm ID',
    options: {},
    args: 1,
    async run(ctx) {
      const { body } = await ctx.client.request('DELETE', `/sites/${seg(ctx.args[0]!)}`);
      return print(ctx, body, ['DELETED'], [[ctx.args[0]]]);
    },
  },
  'challenges list': {
    summary: 'list challenges, newest first (--all follows every page)',
    usage: 'challenges list [--status S[,S]] [--provider ID|NAME] [--fqdn PART] [--created-after T] [--created-before T] [--limit N] [--cursor C] [--all]',
    options: { status: { type: 'string' }, provider: { type: 'string' }, fqdn: { type: 'string' }, 'created-after': { type: 'string' }, 'created-before': { type: 'string' }, limit: { type: 'string' }, cursor: { type: 'string' }, all: { type: 'boolean' } },
    args: 0,
    async run(ctx) {
      const query = queryOf(ctx, ['status', 'provider', 'fqdn', 'created-after', 'created-before', 'limit', 'cursor']);
      return printPages(ctx, '/challenges', query, 'challenges', ['ID', 'STATUS', 'PROVIDER', 'FQDN', 'CREATED', 'SECONDS LEFT'], challengeRows);
    },
  },
  'challenges show': {
    summary: 'one challenge: record, TTL, time left, and what each server said at the last check',
    usage: 'challenges show ID',
    options: {},
    args: 1,
    async run(ctx) {
      const { body } = await ctx.client.request('GET', `/challenges/${seg(ctx.args[0]!)}`);
      const c = body.challenge as Obj;
      if (ctx.asJson) {
        ctx.out(json(c));
        return EXIT.ok;
      }
      const check = c.last_check as { at: string; visible: boolean; resolver?: string; error?: string; servers: { server: string; seen: boolean; error?: string }[] } | null;
      const fields = [
        ['id', c.id], ['status', c.status], ['provider', `${c.provider_name} (${c.provider_type})`], ['fqdn', c.fqdn], ['value', c.value],
        ['ttl', c.ttl], ['zone', c.zone], ['record', c.record_state], ['created', c.created_at], ['expires', c.expires_at],
        ['seconds left', c.time_remaining_seconds], ['error', c.error],
        ['last check', check ? `${check.at} (${check.visible ? 'visible everywhere' : check.error ?? 'not visible everywhere'})` : 'never'],
        ...(check?.resolver ? [['resolvers asked', check.resolver]] : []),
      ] as Cell[][];
      ctx.out(table(['FIELD', 'VALUE'], fields));
      if (check && check.servers.length > 0) ctx.out('\n' + table(['SERVER', 'SEEN', 'ERROR'], check.servers.map((s) => [s.server, s.seen, s.error])));
      return EXIT.ok;
    },
  },
  'manual list': {
    summary: 'pending manual challenges: the TXT record to create by hand and the time left',
    usage: 'manual list',
    options: {},
    args: 0,
    async run(ctx) {
      const cs = ((await ctx.client.request('GET', '/manual-challenges')).body.challenges as Obj[]) ?? [];
      return print(ctx, cs, ['ID', 'FQDN', 'VALUE', 'STATUS', 'SECONDS LEFT'], cs.map((c) => [c.id, c.fqdn, c.value, c.status, c.time_remaining_seconds] as Cell[]));
    },
  },
  'manual show': {
    summary: 'one manual challenge: the record, whether DNS shows it yet, the time left and the instructions',
    usage: 'manual show ID',
    options: {},
    args: 1,
    async run(ctx) {
      const body = (await ctx.client.request('GET', await manualPath(ctx, ctx.args[0]!))).body;
      const c = { ...body };
      delete c.success;
      return printFields(ctx, c, [
        ['id', c.id], ['status', c.status], ['fqdn', c.fqdn], ['record', `${String(c.record_type)} ${String(c.value)}`], ['ttl', c.ttl],
        ['dns propagated', c.dns_propagated], ['last check', c.last_check_at ?? 'never'], ['seconds left', c.time_remaining_seconds],
        ['expires', c.expires_at], ['instructions', c.instructions],
      ]);
    },
  },
  'manual verify': {
    summary: 'check DNS for a manual challenge\'s record now (exit 1 while it is not seen everywhere)',
    usage: 'manual verify ID',
    options: {},
    args: 1,
    async run(ctx) {
      const reply = await ctx.client.request('POST', `${await manualPath(ctx, ctx.args[0]!)}/verify`);
      // Not yet propagated is a 200 with `success: false` and the DNS_NOT_PROPAGATED error body (docs/manual.md).
      if (reply.body.success === false) {
        if (ctx.asJson) ctx.out(json(reply.body));
        throw new CliError(EXIT.api, ctx.client.apiMessage(reply));
      }
      return print(ctx, reply.body, ['RESULT', 'MESSAGE'], [['verified', reply.body.message as Cell]]);
    },
  },
  'manual cancel': {
    summary: 'cancel a manual challenge',
    usage: 'manual cancel ID',
    options: {},
    args: 1,
    async run(ctx) {
      const { body } = await ctx.client.request('DELETE', await manualPath(ctx, ctx.args[0]!));
      return print(ctx, body, ['ID', 'STATUS'], [[body.id as Cell, body.status as Cell]]);
    },
  },
  'caddy preview': {
    summary: 'the TLS automation policies the daemon would push to Caddy',
    usage: 'caddy preview',
    options: {},
    args: 0,
    async run(ctx) {
      const { body } = await ctx.client.request('GET', '/caddy/config');
      if (ctx.asJson) {
        ctx.out(json(body));
        return EXIT.ok;
      }
      const policies = ((body.apps as { tls?: { automation?: { policies?: Obj[] } } })?.tls?.automation?.policies) ?? [];
      const module = (p: Obj) => {
        const issuer = ((p.issuers as Obj[] | undefined) ?? [])[0] as { challenges?: { dns?: { provider?: { name?: string } } } } | undefined;
        return issuer?.challenges?.dns?.provider?.name;
      };
      if (policies.length === 0) {
        ctx.out('no policies: Caddy gets one for the names of each enabled site whose provider is enabled (add one with `dns01-proxy sites add --domains NAME --provider NAME`)\n');
      } else {
        ctx.out(table(['SUBJECTS', 'DNS MODULE'], policies.map((p) => [((p.subjects as string[] | undefined) ?? []).join(',') || '(all)', module(p)])));
      }
      for (const key of ['skipped', 'conflicts', 'refused']) {
        const items = (body[key] as unknown[] | undefined) ?? [];
        if (items.length > 0) ctx.out(`${key}: ${items.length} (see --json)\n`);
      }
      return EXIT.ok;
    },
  },
  'caddy token-rotate': {
    summary: 'give Caddy a new client token now; the current one keeps working for its grace period',
    usage: 'caddy token-rotate',
    options: {},
    args: 0,
    async run(ctx) {
      // 502 is a whole reply (the token is minted, the push failed): shown like a success, exit 1.
      const reply = await ctx.client.request('POST', '/caddy/token/rotate', undefined, false);
      if (reply.status !== 200 && reply.status !== 502) throw new CliError(EXIT.api, ctx.client.apiMessage(reply));
      const current = reply.body.client_token as Obj | null;
      const retired = (reply.body.retired as Obj[] | undefined) ?? [];
      print(ctx, reply.body, ['TOKEN', 'NAME', 'STATE', 'EXPIRES'], [
        ...(current ? [['new', current.name, current.state, current.expires_at ?? '-'] as Cell[]] : []),
        ...retired.map((r) => ['retired', r.name, r.state, r.expires_at] as Cell[]),
      ]);
      if (!ctx.asJson && reply.status === 502) ctx.out(`Caddy did not take the new token (${String((reply.body.sync as Obj | undefined)?.last_error ?? 'no error text')}); the next sync run pushes it\n`);
      return reply.status === 200 ? EXIT.ok : EXIT.api;
    },
  },
  apply: {
    summary: 'apply the daemon\'s config file now (as SIGHUP); --dry-run lists the changes and makes none',
    usage: 'apply [--dry-run] [FILE]   (FILE: a candidate file to compare, with --dry-run only)',
    options: { 'dry-run': { type: 'boolean' } },
    args: 0,
    maxArgs: 1,
    async run(ctx) {
      const dryRun = ctx.flags['dry-run'] === true;
      const [file] = ctx.args;
      if (file !== undefined && !dryRun) throw usage('FILE is only compared (--dry-run); to apply it, put it in the daemon\'s DNS01_CONFIG file and run dns01-proxy apply');
      let text: string | undefined;
      if (file !== undefined) {
        try {
          text = readFileSync(file === '-' ? 0 : file, 'utf8');
        } catch {
          throw usage(`cannot read ${file}`);
        }
      }
      const { body } = await ctx.client.request('POST', '/config/apply', { dry_run: dryRun, ...(text !== undefined ? { config: text } : {}) });
      if (ctx.asJson) {
        ctx.out(json(body));
        return EXIT.ok;
      }
      const mark = { create: '+', update: '~', delete: '-' } as Record<string, string>;
      const changes = (body.changes as { action: string; resource: string; name: string; fields: string[] }[] | undefined) ?? [];
      for (const c of changes) ctx.out(`${mark[c.action] ?? '?'} ${c.action} ${c.resource} ${c.name}${c.fields.length ? `: ${c.fields.join(', ')} changed` : ''}\n`);
      for (const d of (body.deferred as { resource: string; name: string; reason: string }[] | undefined) ?? []) ctx.out(`! kept ${d.resource} ${d.name}: ${d.reason}\n`);
      ctx.out(`${changes.length} change(s) ${dryRun ? 'would be made; dry run: nothing changed' : 'made'} (${String(body.file)})\n`);
      return EXIT.ok;
    },
  },
  'caddy sync': {
    summary: 'push the policies to Caddy now (exit 1 when Caddy refused some)',
    usage: 'caddy sync',
    options: {},
    args: 0,
    async run(ctx) {
      const reply = await ctx.client.request('POST', '/caddy/sync', undefined, false);
      if (reply.status !== 200 && reply.status !== 502) throw new CliError(EXIT.api, ctx.client.apiMessage(reply));
      const sync = (reply.body.sync ?? {}) as Obj;
      print(ctx, reply.body, ['SUCCESS', 'LAST SYNC', 'CONSECUTIVE FAILURES'], [[reply.body.success as Cell, sync.last_success_at as Cell, sync.consecutive_failures as Cell]]);
      return reply.body.success === true ? EXIT.ok : EXIT.api;
    },
  },
  ...ADMIN_COMMANDS,
};
