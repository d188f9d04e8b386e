// SSRF guard for outbound webhooks: a static URL check for save time and an undici Agent that connects only to checked addresses.
import { lookup as systemLookup } from 'node:dns/promises';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import type { Agent, buildConnector } from 'undici';
import { isAtOrBelow } from '../dns/names.js';
import { AppError } from '../errors.js';
import { undici } from '../lazy-undici.js';
import { isAlwaysBlockedAddress, isBlockedAddress } from './ip-ranges.js';

export { isAlwaysBlockedAddress, isBlockedAddress } from './ip-ranges.js';

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a host name to every address it has; the guard checks all of them, not just the first. */
export type ResolveAll = (hostname: string) => Promise<ResolvedAddress[]>;

export interface GuardOptions {
  /** DNS01_ALLOW_PRIVATE_WEBHOOKS: private, loopback and link-local targets allowed (metadata services never are). */
  allowPrivate: boolean;
  /** Defaults to the system resolver (dns.lookup with all: true). Tests point it at a real DNS server they run. */
  lookup?: ResolveAll;
  /**
   * Which addresses are refused when private targets are not allowed; defaults to isBlockedAddress.
   * A test machine has no reachable public address, so tests narrow this to treat one loopback address as outside.
   */
  policy?: (ip: string) => string | null;
  /** false only when the provider sets verify_tls: false. */
  rejectUnauthorized?: boolean;
  /** Extra trusted CA certificates (PEM) for the far side. */
  ca?: string | string[];
  connectTimeoutMs?: number;
}

const defaultResolve: ResolveAll = (hostname) => systemLookup(hostname, { all: true, verbatim: true });

export function targetBlocked(host: string, reason: string): AppError {
  return new AppError('WEBHOOK_TARGET_BLOCKED', `webhook target ${host} refused: ${reason}`, {
    details: { host, reason },
    beforeCall: true,
  });
}

function refusalFor(opts: GuardOptions): (ip: string) => string | null {
  if (opts.allowPrivate) return isAlwaysBlockedAddress;
  return opts.policy ?? isBlockedAddress;
}

type LookupCallback = (err: Error | null, address: string | LookupAddress[], family?: number) => void;

/**
 * The `lookup` handed to net/tls.connect: the socket connects to exactly the addresses this returns, after they were
 * checked, so a second, different DNS answer (rebinding) never reaches a socket unchecked.
 */
function guardedLookup(resolve: ResolveAll, refusal: (ip: string) => string | null) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    resolve(hostname)
      .then((found) => {
        const wanted = options.family === 4 || options.family === 6 ? found.filter((a) => a.family === options.family) : found;
        if (wanted.length === 0) throw Object.assign(new Error(`${hostname} has no usable address`), { code: 'ENOTFOUND' });
        // Any blocked address refuses the whole name: a mixed answer is how rebinding attacks hedge their bets.
        for (const a of found) {
          const range = refusal(a.address);
          if (range) throw targetBlocked(hostname, `resolves to ${a.address} in ${range}`);
        }
        const first = wanted[0]!;
        if (options.all) callback(null, wanted.map((a) => ({ address: a.address, family: a.family })));
        else callback(null, first.address, first.family);
      })
      .catch((err: Error) => callback(err, ''));
  };
}

/**
 * An undici Agent for webhook calls. Literal-IP targets are checked before any socket opens; names are resolved by
 * the guarded lookup. undici follows no redirects unless asked to, and nothing here asks, so a 3xx stays a 3xx.
 * Callers pass it as the request's dispatcher, so HTTP(S)_PROXY never applies: a proxy would resolve the name
 * itself, out of the guard's sight.
 */
export async function createGuardedDispatcher(opts: GuardOptions): Promise<Agent> {
  const { Agent, buildConnector } = await undici();
  const refusal = refusalFor(opts);
  const base = buildConnector({
    lookup: guardedLookup(opts.lookup ?? defaultResolve, refusal),
    rejectUnauthorized: opts.rejectUnauthorized ?? true,
    ...(opts.ca ? { ca: opts.ca } : {}),
    timeout: opts.connectTimeoutMs ?? 10_000,
  });
  const connect: buildConnector.connector = (connectOpts, callback) => {
    // net.connect skips lookup for literal addresses, so those are checked here.
    if (isIP(connectOpts.hostname)) {
      const range = refusal(connectOpts.hostname);
      if (range) return callback(targetBlocked(connectOpts.hostname, range), null);
    }
    base(connectOpts, callback);
  };
  return new Agent({ connect });
}

/** Ports a webhook may use without DNS01_WEBHOOK_ALLOWED_PORTS: http, https and the unprivileged range. */
function defaultWebhookPort(port: number): boolean {
  return port === 80 || port === 443 || (port >= 1024 && port <= 65535);
}

export interface WebhookUrlOptions {
  allowPrivate: boolean;
  /** DNS01_WEBHOOK_ALLOWED_PORTS: ports allowed on top of 80, 443 and 1024-65535. */
  allowedPorts?: readonly number[];
  /** The credential field the URL came from; errors name it. */
  field?: string;
}

/**
 * Check of a webhook URL at save time and again before each call: absolute http(s) URL, https unless private targets
 * are allowed, no userinfo (it would be logged and stored in clear), a literal-IP host outside the blocked ranges, a
 * host name of well-formed labels, and a port of 80, 443, 1024-65535 or DNS01_WEBHOOK_ALLOWED_PORTS (22, 25 and the
 * other privileged ports are other services' doors). Names are checked at connect time, since their answers change.
 * Messages name the field, host and port only: paths and queries often carry tokens.
 */
export function checkWebhookUrl(raw: string, { allowPrivate, allowedPorts = [], field }: WebhookUrlOptions): URL {
  const named = (message: string) => (field ? `${field}: ${message}` : message);
  const blocked = (host: string, reason: string, extra: Record<string, unknown> = {}) => {
    const err = targetBlocked(host, reason);
    return new AppError(err.code, named(err.message), { details: { ...err.details, ...(field ? { field } : {}), ...extra }, beforeCall: err.beforeCall });
  };
  const invalid = (message: string) =>
    new AppError('VALIDATION_ERROR', named(message), field ? { details: { fields: [{ field, message }] } } : {});
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid('webhook URL is not a valid absolute URL');
  }
  const host = url.hostname;
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw blocked(host, `scheme ${url.protocol} is not allowed`);
  if (url.protocol === 'http:' && !allowPrivate) {
    throw blocked(host, 'plain http is allowed only with DNS01_ALLOW_PRIVATE_WEBHOOKS; use https');
  }
  if (url.username || url.password) throw blocked(host, 'credentials in the URL are not allowed; use auth_header/auth_value');
  const bare = host.startsWith('[') ? host.slice(1, -1) : host;
  if (isIP(bare)) {
    const range = refusalFor({ allowPrivate })(bare);
    if (range) throw blocked(host, range);
  } else {
    const special = specialUseName(bare, allowPrivate);
    if (special) throw blocked(host, special);
    const shape = nameProblem(bare);
    if (shape) throw invalid(`webhook host ${bare.slice(0, 64)}${bare.length > 64 ? '…' : ''} is not a valid host name: ${shape}`);
  }
  // URL drops the scheme's default port, so '' is 443 or 80.
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  if (!defaultWebhookPort(port) && !allowedPorts.includes(port)) {
    throw blocked(host, `port ${port} is not allowed (80, 443 and 1024-65535 are; DNS01_WEBHOOK_ALLOWED_PORTS adds others)`, { port });
  }
  return url;
}

/**
 * Why a host name is malformed (RFC 1035: at most 253 characters without the root's trailing dot, labels of 1 to 63),
 * or null. URL parsing takes `a..b` and `.a.b` and any length; a resolver would refuse them only at call time.
 */
function nameProblem(host: string): string | null {
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  if (name.length > 253) return `${name.length} characters, over 253`;
  const labels = name.split('.');
  if (labels.some((l) => l === '')) return 'it has an empty label (a leading dot or two dots in a row)';
  const long = labels.find((l) => l.length > 63);
  if (long) return `a label of ${long.length} characters, over 63`;
  return null;
}

/**
 * Special-use names (RFC 6761 and kin) a webhook host must not be, or null. URL parsing has lower-cased the name;
 * trailing dots are dropped here, since `localhost.` is the same name as `localhost` (and glibc does not read
 * /etc/hosts for it, so it would otherwise fail late as an unreachable host). `.test` stays allowed: test
 * setups point it at their own resolvers.
 */
function specialUseName(host: string, allowPrivate: boolean): string | null {
  const name = host.replace(/\.+$/, '');
  const under = (zone: string) => isAtOrBelow(name, zone);
  // Never resolvable by design: refusing now beats a row that fails on every call.
  if (under('invalid')) return 'invalid names never resolve (RFC 6761 section 6.4)';
  if (under('onion')) return 'onion names are not resolvable through DNS (RFC 7686)';
  if (allowPrivate) return null;
  if (under('localhost')) return 'localhost names are loopback (RFC 6761 section 6.3)';
  if (under('local')) return 'local names are link-local multicast DNS (RFC 6762)';
  if (under('home.arpa')) return 'home.arpa names are for home networks only (RFC 8375)';
  return null;
}
