// The config file (DNS01_CONFIG, docs/config-file.md): read, checked with the API's own body schemas, secrets resolved
// from their references. Every problem is collected, one line each with its path in the file (and its line).
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import type { PluginCatalogue } from '../calls/catalogue.js';
import { isAppError } from '../errors.js';
import { clientTokenInput, clientTokenInputSchema } from '../http/wire/client-tokens.js';
import { credentialInput, credentialInputSchema } from '../http/wire/credentials.js';
import { providerInput, providerInputSchema } from '../http/wire/providers.js';
import { siteInputSchema } from '../http/wire/sites.js';
import { checkTsigSecret, DOOR_TSIG_ALGORITHMS, TOKEN_PREFIX, tsigKeyName, tsigKeyNameOf, type ClientTokenInput, type DoorTsigAlgorithm } from '../clients/tokens.js';
import type { CredentialInput } from '../providers/zone-credentials.js';
import type { ProviderInput } from '../providers/store.js';
import { parseZoneFilter } from '../providers/zone-match.js';

/** A provider named in the file: by id (one in the database) or by name (in the file or the database). */
export type ProviderRef = { id: string } | { name: string };

export interface DeclaredProvider {
  input: ProviderInput;
  /** The credentials as the plugin's schema parses them: what the store keeps, to compare with the stored ones. */
  parsed: unknown;
  /** Zone-specific credentials by label, with their parsed credentials. */
  credentials: { input: CredentialInput; parsed: unknown }[];
}

export interface DeclaredSite {
  /** The site's identity: its domain names, sorted, comma-joined. */
  key: string;
  domainNames: string[];
  provider: ProviderRef;
  enabled: boolean;
}

export interface DeclaredToken {
  input: Omit<ClientTokenInput, 'providerIds'>;
  providers: ProviderRef[] | null;
  /** Hex SHA-256 of the token: given, or of the token file's content. The token itself is never kept. */
  hash: string;
  /** Its TSIG key for the DNS UPDATE door: the name stored (no trailing dot), the secret read from its reference (base64). */
  tsigKey: { name: string; algorithm: DoorTsigAlgorithm; secret: string } | null;
}

export interface Declared {
  providers: DeclaredProvider[];
  sites: DeclaredSite[];
  clientTokens: DeclaredToken[];
}

export interface ReadContext {
  catalogue: PluginCatalogue;
  /** Providers already in the database, name → id: a site or token may name one the file does not declare. */
  existing: Map<string, string>;
  env: NodeJS.ProcessEnv;
  /**
   * Live tokens' TSIG key names → their token, and whether this file manages it (a token the file no longer declares
   * is revoked before any key is written, so its name is free): a declared key name must be no other token's.
   */
  tsigKeys?: Map<string, { token: string; managed: boolean }>;
}

/** Stands in for a provider the file creates, so the API's schemas (which take ids) can check the rest of the body. */
const PLACEHOLDER_ID = '00000000-0000-4000-8000-000000000000';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TOP = ['providers', 'sites', 'client_tokens'] as const;

type Seg = string | number;
type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function pathText(segs: readonly Seg[]): string {
  return segs.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

/** `{file: /path}` or `{env: NAME}` and nothing else. */
function isReference(v: unknown): v is { file: string } | { env: string } {
  if (!isObject(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && (keys[0] === 'file' || keys[0] === 'env') && typeof v[keys[0]] === 'string';
}

const MAX_CONFIG_BYTES = 1024 * 1024;
const MAX_SECRET_BYTES = 64 * 1024;

/**
 * A regular file of at most `max` bytes, read whole. A reference is read on SIGHUP and by the API's dry run too, so
 * a FIFO, a device (/dev/zero) or a huge file is a problem, not a hang or the daemon's memory.
 */
function readBounded(path: string, max: number): string {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'not a regular file' });
    if (st.size > max) throw Object.assign(new Error('too large'), { code: `larger than ${max / 1024} KiB` });
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/** Reads a file, the text or the problems. */
export function readConfigText(path: string): { text: string } | { problems: string[] } {
  try {
    return { text: readBounded(path, MAX_CONFIG_BYTES) };
  } catch (err) {
    return { problems: [`${path}: cannot read the config file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`] };
  }
}

/** The file's text checked and resolved: the declaration, or every problem (one line each). */
export async function readDeclared(text: string, ctx: ReadContext): Promise<{ declared: Declared } | { problems: string[] }> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  if (doc.errors.length > 0) return { problems: doc.errors.map((e) => `line ${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`) };
  return new Reader(doc, lines, ctx).read();
}

class Reader {
  private readonly problems: string[] = [];

  constructor(private readonly doc: Document, private readonly lines: LineCounter, private readonly ctx: ReadContext) {}

  /** One problem: its path, the message, and the line of the nearest node the file has on that path. */
  private problem(segs: readonly Seg[], message: string): void {
    let line: number | undefined;
    for (let n = segs.length; n >= 0 && line === undefined; n--) {
      const node = this.doc.getIn(segs.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) line = this.lines.linePos(node.range[0]).line;
    }
    this.problems.push(`${segs.length > 0 ? pathText(segs) : '(file)'}: ${message}${line !== undefined ? ` (line ${line})` : ''}`);
  }

  private issues(base: readonly Seg[], error: z.ZodError): void {
    for (const i of error.issues) this.problem([...base, ...(i.path as Seg[])], i.message);
  }

  /** A secret's (or any credential field's) reference read now; undefined (with a problem) when it cannot be. */
  private resolve(ref: { file: string } | { env: string }, at: readonly Seg[]): string | undefined {
    if ('env' in ref) {
      const value = this.ctx.env[ref.env];
      if (value === undefined || value === '') this.problem(at, `the environment variable ${ref.env} is not set`);
      return value || undefined;
    }
    let value: string;
    try {
      value = readBounded(ref.file, MAX_SECRET_BYTES).replace(/\r?\n$/, '');
    } catch (err) {
      this.problem(at, `cannot read ${ref.file} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`);
      return undefined;
    }
    if (value === '') this.problem(at, `${ref.file} is empty`);
    return value || undefined;
  }

  /** Credentials with every reference read; a secret field given as a literal is a problem (its value never repeated). */
  private credentials(type: string | undefined, raw: unknown, at: readonly Seg[]): Obj {
    if (!isObject(raw)) return raw === undefined ? {} : (raw as Obj);
    const plugin = type ? this.ctx.catalogue.entry(type)?.plugin : undefined;
    const fields = type ? this.ctx.catalogue.fields(type) : [];
    const out: Obj = {};
    for (const [key, value] of Object.entries(raw)) {
      const name = plugin?.aliases && Object.hasOwn(plugin.aliases, key) ? plugin.aliases[key]! : key;
      const secret = fields.find((f) => f.name === name)?.secret ?? false;
      if (isReference(value)) out[key] = this.resolve(value, [...at, key]);
      else if (secret && isObject(value)) {
        // A map of secrets (e.g. a webhook's headers): each value a reference.
        out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => {
          if (isReference(v)) return [k, this.resolve(v, [...at, key, k])];
          this.problem([...at, key, k], 'a secret must be {file: …} or {env: …}');
          return [k, undefined];
        }));
      } else if (secret && value !== null && value !== '') this.problem([...at, key], 'a secret must be {file: …} or {env: …}');
      else out[key] = value;
    }
    return out;
  }

  /** Credentials through the plugin's own parsing (as the store does), problems named by field. */
  private async parse(type: string, creds: Obj, at: readonly Seg[]): Promise<unknown> {
    try {
      return await this.ctx.catalogue.parseCredentials(type, creds);
    } catch (err) {
      if (!isAppError(err)) throw err;
      const fields = (err.details?.fields as { field: string; message: string }[] | undefined) ?? [];
      if (fields.length === 0) this.problem(at, err.message);
      for (const f of fields) this.problem([...at, ...(f.field ? f.field.split('.') : [])], f.message);
      return undefined;
    }
  }

  async read(): Promise<{ declared: Declared } | { problems: string[] }> {
    const root = this.doc.toJS() as unknown;
    const top: Obj = root === null || root === undefined ? {} : isObject(root) ? root : (this.problem([], 'expected a mapping with providers, sites and client_tokens'), {});
    for (const key of Object.keys(top)) if (!(TOP as readonly string[]).includes(key)) this.problem([key], `unknown key; the file takes ${TOP.join(', ')}`);
    const list = (key: (typeof TOP)[number]): unknown[] => {
      const v = top[key];
      if (v === undefined || v === null) return [];
      if (Array.isArray(v)) return v;
      this.problem([key], 'expected a list');
      return [];
    };
    const declared: Declared = { providers: [], sites: [], clientTokens: [] };
    const names = new Map<string, number>();
    for (const [i, raw] of list('providers').entries()) {
      const p = await this.provider(raw, i);
      if (!p) continue;
      const first = names.get(p.input.name);
      if (first !== undefined) this.problem(['providers', i, 'name'], `${p.input.name} is declared twice (also providers[${first}])`);
      names.set(p.input.name, i);
      declared.providers.push(p);
    }
    const defaults = declared.providers.filter((p) => p.input.isDefault);
    if (defaults.length > 1) this.problem(['providers'], `only one provider may have is_default: true (${defaults.map((p) => p.input.name).join(', ')})`);
    const keys = new Map<string, number>();
    for (const [i, raw] of list('sites').entries()) {
      const s = this.site(raw, i, names);
      if (!s) continue;
      const first = keys.get(s.key);
      if (first !== undefined) this.problem(['sites', i, 'domain_names'], `the same names as sites[${first}]`);
      keys.set(s.key, i);
      declared.sites.push(s);
    }
    const tokens = new Map<string, number>();
    const keyed: { t: DeclaredToken; i: number }[] = [];
    for (const [i, raw] of list('client_tokens').entries()) {
      const t = this.token(raw, i, names);
      if (!t) continue;
      keyed.push({ t, i });
      const first = tokens.get(t.input.name);
      if (first !== undefined) this.problem(['client_tokens', i, 'name'], `${t.input.name} is declared twice (also client_tokens[${first}])`);
      tokens.set(t.input.name, i);
      const same = declared.clientTokens.find((o) => o.hash === t.hash);
      if (same) this.problem(['client_tokens', i], `the same token as ${same.input.name}`);
      declared.clientTokens.push(t);
    }
    this.keyClashes(keyed);
    return this.problems.length > 0 ? { problems: this.problems } : { declared };
  }

  /** TSIG key names are looked up alone (src/dns-door/server.ts): each must be one token's, in the file and among the live tokens. */
  private keyClashes(tokens: { t: DeclaredToken; i: number }[]): void {
    const declaredNames = new Set(tokens.map(({ t }) => t.input.name));
    const seen = new Map<string, string>();
    for (const { t, i } of tokens) {
      if (!t.tsigKey) continue;
      const key = ['client_tokens', i, 'tsig_key'];
      const at = this.doc.hasIn([...key, 'name']) ? [...key, 'name'] : key;
      const twice = seen.get(t.tsigKey.name);
      const live = this.ctx.tsigKeys?.get(t.tsigKey.name);
      if (twice !== undefined) this.problem(at, `the TSIG key name ${t.tsigKey.name} is also ${twice}'s in this file`);
      else if (live && live.token !== t.input.name && !(live.managed && !declaredNames.has(live.token))) {
        this.problem(at, `the TSIG key name ${t.tsigKey.name} is client token ${live.token}'s already; give this key another name`);
      }
      seen.set(t.tsigKey.name, t.input.name);
    }
  }

  /** `tsig_key: {algorithm, secret: {file}|{env}, name?}`: the secret read and checked (never shown); undefined with a problem. */
  private tsigKey(raw: unknown, token: string, at: readonly Seg[]): DeclaredToken['tsigKey'] | undefined {
    if (raw === undefined || raw === null) return null;
    if (!isObject(raw)) return void this.problem(at, 'expected {algorithm: …, secret: {file: …} or {env: …}} and optionally name');
    const before = this.problems.length;
    for (const key of Object.keys(raw)) if (!['algorithm', 'secret', 'name'].includes(key)) this.problem([...at, key], 'unknown key; tsig_key takes algorithm, secret and name');
    const algorithm = (DOOR_TSIG_ALGORITHMS as readonly unknown[]).includes(raw.algorithm) ? (raw.algorithm as DoorTsigAlgorithm) : undefined;
    if (!algorithm) this.problem([...at, 'algorithm'], `expected one of ${DOOR_TSIG_ALGORITHMS.join(', ')}`);
    const name = raw.name === undefined ? tsigKeyName(token) : typeof raw.name === 'string' ? tsigKeyNameOf(raw.name) : null;
    if (name === null) this.problem([...at, 'name'], 'expected a DNS name such as certbot.dns01-proxy');
    let secret: string | undefined;
    if (!isReference(raw.secret)) this.problem([...at, 'secret'], 'a secret must be {file: …} or {env: …}');
    else {
      const text = this.resolve(raw.secret, [...at, 'secret']);
      const checked = text !== undefined && algorithm ? checkTsigSecret(text, algorithm) : undefined;
      if (checked && 'problem' in checked) this.problem([...at, 'secret'], checked.problem);
      else if (checked) secret = checked.secret;
    }
    return this.problems.length === before && algorithm && name && secret ? { name, algorithm, secret } : undefined;
  }

  private async provider(raw: unknown, i: number): Promise<DeclaredProvider | undefined> {
    const at = ['providers', i];
    if (!isObject(raw)) return void this.problem(at, 'expected a provider (the POST /api/v1/dns-providers body)');
    const { credentials_list: list, ...body } = raw;
    const type = typeof body.provider_type === 'string' && this.ctx.catalogue.entry(body.provider_type) ? body.provider_type : undefined;
    if (typeof body.provider_type === 'string' && !type) this.problem([...at, 'provider_type'], `unknown provider type "${body.provider_type.slice(0, 64)}"`);
    const before = this.problems.length;
    const creds = this.credentials(type, body.credentials, [...at, 'credentials']);
    const resolved = this.problems.length === before;
    const checked = providerInputSchema.safeParse({ ...body, credentials: creds });
    if (!checked.success) this.issues(at, checked.error);
    // Credentials a reference could not give are not parsed: the plugin would only repeat the same problem.
    const parsed = type && checked.success && resolved ? await this.parse(type, creds, [...at, 'credentials']) : undefined;
    const credentials: DeclaredProvider['credentials'] = [];
    if (list !== undefined && list !== null) {
      if (!Array.isArray(list)) this.problem([...at, 'credentials_list'], 'expected a list');
      else if (checked.success && !checked.data.use_multi_credentials) this.problem([...at, 'credentials_list'], 'zone-specific credentials need use_multi_credentials: true');
      const labels = new Set<string>();
      for (const [j, item] of (Array.isArray(list) ? list : []).entries()) {
        const cat = [...at, 'credentials_list', j];
        if (!isObject(item)) {
          this.problem(cat, 'expected a credential (the POST /api/v1/dns-providers/{id}/credentials body)');
          continue;
        }
        const mark = this.problems.length;
        const c = this.credentials(type, item.credentials, [...cat, 'credentials']);
        const body2 = credentialInputSchema.safeParse({ ...item, credentials: c });
        if (!body2.success) {
          this.issues(cat, body2.error);
          continue;
        }
        if (labels.has(body2.data.label)) this.problem([...cat, 'label'], `${body2.data.label} is declared twice`);
        try {
          parseZoneFilter(body2.data.zone_filter);
        } catch (err) {
          if (!isAppError(err)) throw err;
          this.problem([...cat, 'zone_filter'], ((err.details?.fields as { message: string }[] | undefined) ?? []).map((f) => f.message).join('; ') || err.message);
        }
        labels.add(body2.data.label);
        const p2 = type && this.problems.length === mark ? await this.parse(type, c, [...cat, 'credentials']) : undefined;
        credentials.push({ input: credentialInput(body2.data), parsed: p2 });
      }
    }
    return checked.success ? { input: providerInput(checked.data), parsed, credentials } : undefined;
  }

  /** A provider by name (in the file or the database) or by the id of one in the database. */
  private ref(value: unknown, at: readonly Seg[], names: Map<string, number>): ProviderRef | undefined {
    if (typeof value !== 'string' || value === '') return void this.problem(at, 'expected a provider name (or id)');
    if (names.has(value) || this.ctx.existing.has(value)) return { name: value };
    if (UUID.test(value) && [...this.ctx.existing.values()].includes(value.toLowerCase())) return { id: value.toLowerCase() };
    return void this.problem(at, `no provider named ${value.slice(0, 100)} in the file or the database`);
  }

  private site(raw: unknown, i: number, names: Map<string, number>): DeclaredSite | undefined {
    const at = ['sites', i];
    if (!isObject(raw)) return void this.problem(at, 'expected a site (the POST /api/v1/sites body)');
    const { dns_provider: name, ...body } = raw;
    if ((name === undefined) === (body.dns_provider_id === undefined)) return void this.problem(at, 'give exactly one of dns_provider (a name) or dns_provider_id');
    const provider = this.ref(name ?? body.dns_provider_id, [...at, name !== undefined ? 'dns_provider' : 'dns_provider_id'], names);
    const checked = siteInputSchema.safeParse({ ...body, dns_provider_id: PLACEHOLDER_ID });
    if (!checked.success) return void this.issues(at, checked.error);
    if (!provider) return undefined;
    const domainNames = [...new Set(checked.data.domain_names)].sort();
    return { key: domainNames.join(','), domainNames, provider, enabled: checked.data.enabled };
  }

  private token(raw: unknown, i: number, names: Map<string, number>): DeclaredToken | undefined {
    const at = ['client_tokens', i];
    if (!isObject(raw)) return void this.problem(at, 'expected a client token (the POST /api/v1/client-tokens body with token_sha256 or token_file)');
    const { token_sha256: given, token_file: file, providers, tsig_algorithm: generated, tsig_key: tsig, ...body } = raw;
    // The API generates a secret and shows it once; the file has none to show, so it gives its own.
    if (generated !== undefined) this.problem([...at, 'tsig_algorithm'], 'the config file gives a TSIG key as tsig_key: {algorithm: …, secret: {file: …} or {env: …}} (docs/config-file.md)');
    // A hash of digits only (or one like 123e4567…) is a number to YAML: its text in the file is what was meant.
    const sha = typeof given === 'number' ? (this.doc.getIn([...at, 'token_sha256'], true) as { source?: string } | undefined)?.source : given;
    let hash: string | undefined;
    if ((sha === undefined) === (file === undefined)) this.problem(at, 'give exactly one of token_sha256 or token_file (the file never holds a token)');
    else if (sha !== undefined) {
      if (typeof sha === 'string' && /^[0-9a-f]{64}$/i.test(sha)) hash = sha.toLowerCase();
      else this.problem([...at, 'token_sha256'], 'expected 64 hex digits (sha256sum of the token)');
    } else if (typeof file !== 'string') this.problem([...at, 'token_file'], 'expected a path');
    else {
      const token = this.resolve({ file }, [...at, 'token_file']);
      // The internal API takes a client token only with its prefix (src/clients/access.ts).
      if (token !== undefined && !(token.startsWith(TOKEN_PREFIX) && token.length >= TOKEN_PREFIX.length + 32)) {
        this.problem([...at, 'token_file'], `${file} must hold a client token: ${TOKEN_PREFIX} and at least 32 random characters`);
      }
      else if (token !== undefined) hash = createHash('sha256').update(token).digest('hex');
    }
    let refs: ProviderRef[] | null = null;
    if (Array.isArray(providers)) refs = providers.map((p, j) => this.ref(p, [...at, 'providers', j], names)).filter((r): r is ProviderRef => r !== undefined);
    // Read before the body's own check, so its problems are listed with the body's (the default name needs a valid one).
    const tsigKey = this.tsigKey(tsig, typeof body.name === 'string' ? body.name : '', [...at, 'tsig_key']);
    const checked = clientTokenInputSchema.safeParse({ ...body, ...(providers === undefined ? {} : { providers: Array.isArray(providers) ? providers.map(() => PLACEHOLDER_ID) : providers }) });
    if (!checked.success) return void this.issues(at, checked.error);
    if (!hash || tsigKey === undefined) return undefined;
    const { providerIds: _, ...input } = clientTokenInput(checked.data);
    return { input, providers: refs, hash, tsigKey };
  }
}
