// The only reader of process.env: one zod schema, every problem reported at once, *_FILE secrets.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { z } from 'zod';
import { isHostname, normaliseName } from './dns/names.js';

/** Secrets and secret-bearing URLs that may also come from a file named by `<NAME>_FILE`. */
const FILE_VARIABLES = ['DNS01_INTERNAL_TOKEN', 'DNS01_ADMIN_TOKEN', 'DNS01_ENCRYPTION_KEY', 'DNS01_ENCRYPTION_KEY_NEXT', 'DATABASE_URL', 'REDIS_URL'];
const OLD_KEYS = Array.from({ length: 10 }, (_, i) => `DNS01_ENCRYPTION_KEY_V${i + 1}`);
// The operator CLI's settings: the daemon ignores them, but one environment may serve both (a sidecar's `exec`).
const CLI_VARIABLES = ['DNS01_URL'];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    // One line, so start-up fails with one line on stderr however many problems there are.
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Go-style durations ("30s", "2m", "1h", "500ms"); a bare number means seconds. Returns milliseconds. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Math.round(n * unit);
}

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => ['true', '1', 'yes'].includes(v));
const duration = (min: number) =>
  z.string().transform((v, ctx) => {
    const ms = parseDuration(v);
    if (ms === null || ms < min) {
      ctx.addIssue({ code: 'custom', message: `expected a duration such as "30s" or "2m" (at least ${min} ms)` });
      return z.NEVER;
    }
    return ms;
  });
// The shipped manifests' secrets (deploy/) read "REPLACE_ME-…": starting with one must fail, not run with a known secret.
const PLACEHOLDER = /REPLACE[_-]?ME|CHANGE[_-]?ME/i;
const real = () =>
  z.string().refine((v) => !PLACEHOLDER.test(v), { message: 'still holds a placeholder (such as REPLACE_ME); set a real value', abort: true });
const secretText = real().min(16, 'must be at least 16 characters');
const encryptionKey = real().optional();
/** `host:port` or `[v6]:port`, as hostPort checked it. */
function splitHostPort(v: string): { host: string; port: number } {
  const at = v.lastIndexOf(':');
  return { host: v.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(v.slice(at + 1)) };
}

const hostPort = z.string().regex(/^[^\s:]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/, 'expected host:port');
/** `address` or `address/prefix`, returned as `address/prefix` (a bare address is one host). */
function cidrOf(entry: string): string | null {
  const m = /^([^/\s]+)(?:\/(\d{1,3}))?$/.exec(entry);
  const family = m ? isIP(m[1]!) : 0;
  if (!m || family === 0 || m[1]!.includes('%')) return null;
  const max = family === 4 ? 32 : 128;
  const prefix = m[2] === undefined ? max : Number(m[2]);
  return prefix <= max ? `${m[1]}/${prefix}` : null;
}
const cidrList = z.string().transform((v, ctx) => {
  const out: string[] = [];
  for (const entry of v.split(',').map((s) => s.trim()).filter(Boolean)) {
    const cidr = cidrOf(entry);
    if (!cidr) {
      ctx.addIssue({ code: 'custom', message: 'expected comma-separated IP addresses or CIDR ranges (such as 10.0.0.0/8)' });
      return z.NEVER;
    }
    out.push(cidr);
  }
  return out;
});

const schema = z.object({
  DNS01_HOST: z.string().refine((h) => isIP(h) !== 0 || /^[a-zA-Z0-9.-]+$/.test(h), 'expected an IP address or host name').default('127.0.0.1'),
  DNS01_PORT: z.coerce.number().int().min(0).max(65535).default(8053),
  DATABASE_URL: real().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL').optional(),
  DNS01_DATA_DIR: z.string().min(1).default('./data'),
  DNS01_DATABASE_WAIT: duration(0).default(300_000),
  DNS01_INTERNAL_TOKEN: secretText.optional(),
  DNS01_INTERNAL_TOKEN_ENABLED: bool.default(true),
  DNS01_ADMIN_TOKEN: secretText.optional(),
  DNS01_ENCRYPTION_KEY: encryptionKey,
  DNS01_ENCRYPTION_KEY_NEXT: encryptionKey,
  ...Object.fromEntries(OLD_KEYS.map((n) => [n, encryptionKey])),
  DNS01_ROTATE_ON_START: bool.default(true),
  DNS01_ROTATION_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(100),
  DNS01_ROTATION_BATCH_PAUSE: duration(0).default(50),
  DNS01_ALLOW_PRIVATE_WEBHOOKS: bool.default(false),
  DNS01_WEBHOOK_ALLOWED_PORTS: z.string().transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^\d{1,5}$/, 'expected ports such as "22,873"').transform(Number).pipe(z.number().int().min(1).max(65535)))).optional(),
  DNS01_SCRIPTS_DIR: z.string().min(1).default('/scripts'),
  DNS01_PLUGINS_DIR: z.string().min(1).optional(),
  DNS01_PLUGINS_CONFIG: z.string().min(1).optional(),
  DNS01_PLUGINS_STRICT: bool.default(true),
  DNS01_CONFIG: z.string().min(1).optional(),
  DNS01_CADDY_ADMIN_URL: z.url({ protocol: /^https?$/ }).optional(),
  DNS01_CADDY_SYNC_INTERVAL: duration(1000).default(30_000),
  DNS01_INTERNAL_URL: z.url({ protocol: /^https?$/ }).optional(),
  REDIS_URL: real().regex(/^rediss?:\/\//, 'expected a redis:// URL').optional(),
  DNS01_ACME_ISSUER: z.enum(['letsencrypt', 'zerossl', 'both']).default('letsencrypt'),
  DNS01_ACME_EMAIL: z.email().optional(),
  DNS01_ACME_STAGING: bool.default(false),
  DNS01_ACME_CA: z.url({ protocol: /^https?$/ }).optional(),
  DNS01_ACME_TRUSTED_ROOTS: z.string().transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean)).optional(),
  DNS01_DNS_RESOLVERS: z.string().transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean)).pipe(z.array(hostPort)).optional(),
  DNS01_DNS_AUTH_PORT: z.coerce.number().int().min(1).max(65535).default(53),
  DNS01_FOLLOW_CNAME: bool.default(true),
  DNS01_DNS_UPDATE_LISTEN: hostPort.optional(),
  DNS01_DNS_UPDATE_PER_SOURCE: z.coerce.number().int().min(1).max(1_000_000).default(600),
  DNS01_DNS_UPDATE_PER_KEY: z.coerce.number().int().min(1).max(1_000_000).default(120),
  DNS01_ACME_DNS_DOMAIN: z
    .string()
    .transform(normaliseName)
    .pipe(z.string().max(200).refine((v) => isHostname(v, 2), 'expected a DNS name such as acme-dns.example.com'))
    .optional(),
  DNS01_JANITOR_INTERVAL: duration(1000).default(60_000),
  DNS01_AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).default(90),
  DNS01_AUDIT_ENABLED: bool.default(true),
  DNS01_SERVER_TIMING: bool.default(false),
  DNS01_SHUTDOWN_TIMEOUT: duration(0).default(30_000),
  DNS01_TRUSTED_PROXIES: cidrList.optional(),
  DNS01_TRUSTED_PROXY_HEADER: z.string().transform((v) => v.toLowerCase()).pipe(z.enum(['x-forwarded-for', 'forwarded'])).default('x-forwarded-for'),
  DNS01_LOGIN_FAILURES_PER_SOURCE: z.coerce.number().int().min(1).max(10_000).default(10),
  DNS01_LOGIN_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(1).max(100_000).default(50),
  DNS01_LOGIN_FAILURE_WINDOW: duration(1000).default(60_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Env = z.infer<typeof schema>;

export interface Config {
  host: string;
  port: number;
  databaseUrl: string | undefined;
  /** How long start-up waits for PostgreSQL to answer before giving up (db/wait.ts). */
  databaseWaitMs: number;
  dataDir: string;
  internalToken: string | undefined;
  /** False: /internal/* takes client tokens only. */
  internalTokenEnabled: boolean;
  adminToken: string | undefined;
  /** Base64 keys as given; the keyring decodes and checks them. */
  encryptionKey: string | undefined;
  encryptionKeyNext: string | undefined;
  encryptionKeysOld: string[];
  /** Key rotation (crypto/rotation.ts): run at start-up when rows are under an older key; batch size and the pause between batches. */
  rotation: { onStart: boolean; batchSize: number; batchPauseMs: number };
  allowPrivateWebhooks: boolean;
  /** Webhook ports allowed besides 80, 443 and 1024-65535. */
  webhookAllowedPorts: number[];
  scriptsDir: string;
  /** Loadable plugins: both set, or neither. */
  plugins: { dir: string; configPath: string; strict: boolean } | undefined;
  /** The declarative config file (src/declared/): applied at start, on SIGHUP and by `dns01-proxy apply`. */
  configFile: string | undefined;
  caddyAdminUrl: string | undefined;
  caddySyncIntervalMs: number;
  /** How Caddy reaches this daemon; used in the acmeproxy endpoints written into Caddy's config. */
  internalUrl: string;
  redisUrl: string | undefined;
  acme: { issuer: 'letsencrypt' | 'zerossl' | 'both'; email: string | undefined; staging: boolean; ca: string | undefined; trustedRoots: string[] };
  dnsResolvers: string[] | undefined;
  dnsAuthPort: number;
  /** A challenge name that is a CNAME gets its value at the chain's end (docs/api.md#delegated-names). */
  followCname: boolean;
  /** The DNS UPDATE door's UDP and TCP address (src/dns-door/); unset: off. */
  dnsUpdateListen: { host: string; port: number } | undefined;
  /** The door's budgets: messages a minute from one source address, and UPDATEs a minute signed by one key. */
  dnsUpdateBudget: { perSource: number; perKey: number };
  /** acme-dns compatibility: registrations get `<subdomain>.<this>`; unset, the /acme-dns routes are off. */
  acmeDnsDomain: string | undefined;
  janitorIntervalMs: number;
  /** Audit events older than this many days are deleted by the janitor. */
  auditRetentionDays: number;
  /** False: no audit events are recorded (what the benchmark compares against); the API still reads the table. */
  auditEnabled: boolean;
  /** A Server-Timing header on internal API replies: where the request's time went (test/bench reads it). */
  serverTiming: boolean;
  shutdownTimeoutMs: number;
  /** Who may say, in a forwarding header, which address a request came from (http/peer.ts); empty: nobody. */
  trustedProxies: { cidrs: string[]; header: 'x-forwarded-for' | 'forwarded' };
  /** Failed logins (operator page, admin bearer, acme-dns update) allowed per source address and per account in a window. */
  loginLimits: { perSource: number; perAccount: number; windowMs: number };
  logLevel: string;
}

/** Builds the config from an environment; throws ConfigError naming every bad or unknown variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const known = new Set([...Object.keys(schema.shape), ...FILE_VARIABLES.map((n) => `${n}_FILE`), ...OLD_KEYS.map((n) => `${n}_FILE`), ...CLI_VARIABLES]);
  for (const name of Object.keys(env)) {
    if (!name.startsWith('DNS01_') || known.has(name) || name.startsWith('DNS01_TEST_')) continue;
    problems.push(`${name}: unknown setting`);
  }

  const raw: Record<string, string | undefined> = {};
  const fromFile = new Set<string>();
  for (const name of Object.keys(schema.shape)) {
    const direct = env[name];
    const file = FILE_VARIABLES.includes(name) || OLD_KEYS.includes(name) ? env[`${name}_FILE`] : undefined;
    if (direct !== undefined && file !== undefined) {
      problems.push(`${name}: set both ${name} and ${name}_FILE; keep one`);
      continue;
    }
    if (file !== undefined) {
      try {
        raw[name] = readFileSync(file, 'utf8').trim();
        fromFile.add(name);
      } catch (err) {
        problems.push(`${name}_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      }
    } else if (direct !== undefined && direct !== '') {
      raw[name] = direct;
    }
  }

  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    // Messages name the variable; values are never echoed, since many of them are secrets.
    for (const issue of parsed.error.issues) {
      const name = issue.path.join('.');
      problems.push(`${fromFile.has(name) ? `${name}_FILE` : name}: ${issue.message}`);
    }
  }
  // One without the other loads nothing, which an operator who set one of them would not expect.
  if (parsed.success && Boolean(parsed.data.DNS01_PLUGINS_DIR) !== Boolean(parsed.data.DNS01_PLUGINS_CONFIG)) {
    problems.push('DNS01_PLUGINS_DIR and DNS01_PLUGINS_CONFIG go together: set both to load plugins, or neither');
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  const e = parsed.data;
  return {
    host: e.DNS01_HOST,
    port: e.DNS01_PORT,
    databaseUrl: e.DATABASE_URL,
    databaseWaitMs: e.DNS01_DATABASE_WAIT,
    dataDir: e.DNS01_DATA_DIR,
    internalToken: e.DNS01_INTERNAL_TOKEN,
    internalTokenEnabled: e.DNS01_INTERNAL_TOKEN_ENABLED,
    adminToken: e.DNS01_ADMIN_TOKEN,
    encryptionKey: e.DNS01_ENCRYPTION_KEY,
    encryptionKeyNext: e.DNS01_ENCRYPTION_KEY_NEXT,
    encryptionKeysOld: OLD_KEYS.map((n) => raw[n]).filter((v): v is string => v !== undefined),
    rotation: { onStart: e.DNS01_ROTATE_ON_START, batchSize: e.DNS01_ROTATION_BATCH_SIZE, batchPauseMs: e.DNS01_ROTATION_BATCH_PAUSE },
    allowPrivateWebhooks: e.DNS01_ALLOW_PRIVATE_WEBHOOKS,
    webhookAllowedPorts: e.DNS01_WEBHOOK_ALLOWED_PORTS ?? [],
    scriptsDir: e.DNS01_SCRIPTS_DIR,
    plugins: e.DNS01_PLUGINS_DIR && e.DNS01_PLUGINS_CONFIG ? { dir: e.DNS01_PLUGINS_DIR, configPath: e.DNS01_PLUGINS_CONFIG, strict: e.DNS01_PLUGINS_STRICT } : undefined,
    configFile: e.DNS01_CONFIG,
    caddyAdminUrl: e.DNS01_CADDY_ADMIN_URL,
    caddySyncIntervalMs: e.DNS01_CADDY_SYNC_INTERVAL,
    internalUrl: e.DNS01_INTERNAL_URL ?? `http://${e.DNS01_HOST.includes(':') ? `[${e.DNS01_HOST}]` : e.DNS01_HOST === '0.0.0.0' ? '127.0.0.1' : e.DNS01_HOST}:${e.DNS01_PORT}`,
    redisUrl: e.REDIS_URL,
    acme: { issuer: e.DNS01_ACME_ISSUER, email: e.DNS01_ACME_EMAIL, staging: e.DNS01_ACME_STAGING, ca: e.DNS01_ACME_CA, trustedRoots: e.DNS01_ACME_TRUSTED_ROOTS ?? [] },
    dnsResolvers: e.DNS01_DNS_RESOLVERS,
    dnsAuthPort: e.DNS01_DNS_AUTH_PORT,
    followCname: e.DNS01_FOLLOW_CNAME,
    dnsUpdateListen: e.DNS01_DNS_UPDATE_LISTEN === undefined ? undefined : splitHostPort(e.DNS01_DNS_UPDATE_LISTEN),
    dnsUpdateBudget: { perSource: e.DNS01_DNS_UPDATE_PER_SOURCE, perKey: e.DNS01_DNS_UPDATE_PER_KEY },
    acmeDnsDomain: e.DNS01_ACME_DNS_DOMAIN,
    janitorIntervalMs: e.DNS01_JANITOR_INTERVAL,
    auditRetentionDays: e.DNS01_AUDIT_RETENTION_DAYS,
    auditEnabled: e.DNS01_AUDIT_ENABLED,
    serverTiming: e.DNS01_SERVER_TIMING,
    shutdownTimeoutMs: e.DNS01_SHUTDOWN_TIMEOUT,
    trustedProxies: { cidrs: e.DNS01_TRUSTED_PROXIES ?? [], header: e.DNS01_TRUSTED_PROXY_HEADER },
    loginLimits: { perSource: e.DNS01_LOGIN_FAILURES_PER_SOURCE, perAccount: e.DNS01_LOGIN_FAILURES_PER_ACCOUNT, windowMs: e.DNS01_LOGIN_FAILURE_WINDOW },
    logLevel: e.LOG_LEVEL,
  };
}

/** Every variable the daemon reads, for docs and the test that keeps docs complete. */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(schema.shape);
