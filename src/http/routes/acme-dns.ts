// acme-dns's HTTP API (joohoi/acme-dns api.go, auth.go): its request and reply shapes and its `{"error": "..."}` bodies.
import { Hono, type Context } from 'hono';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { AcmeDnsService } from '../../acme-dns/service.js';
import { allowedFrom, parseAllowFrom } from '../../security/cidr.js';
import { sourceAddress } from '../peer.js';
import { AppError, type ErrorCode } from '../../errors.js';
import { auditOf } from '../audit.js';
import { registrantOf, requireRegistrant } from '../auth.js';
import type { ClientAccess, Caller } from '../../clients/access.js';
import type { LoginGuard } from '../login-guard.js';
import { described } from '../openapi.js';
import { acmeDnsAccountSchema, acmeDnsAccountView, acmeDnsUpdateReplySchema } from '../wire/acme-dns.js';

/**
 * The error strings this API answers with besides the lower-cased daemon codes (docs/errors.md lists both).
 * All but the last two are acme-dns's own, with its statuses. acme-dns also has `bad_subdomain`, which it cannot reach
 * (a subdomain other than the account's is refused as `forbidden` first), and neither can the daemon.
 */
export const ACME_DNS_ERRORS = {
  malformed_json_payload: ['INVALID_JSON', 400],
  invalid_allowfrom_cidr: ['VALIDATION_ERROR', 400],
  forbidden: ['UNAUTHORIZED', 401],
  bad_txt: ['VALIDATION_ERROR', 400],
  acme_dns_not_configured: ['NOT_FOUND', 404],
  provider_required: ['VALIDATION_ERROR', 400],
} as const satisfies Record<string, [ErrorCode, number]>;

export class AcmeDnsError extends AppError {
  constructor(readonly reply: keyof typeof ACME_DNS_ERRORS, message: string) {
    super(ACME_DNS_ERRORS[reply][0], message, { status: ACME_DNS_ERRORS[reply][1] });
  }
}

const errorBody = z.object({ error: z.string().describe(`one of ${Object.keys(ACME_DNS_ERRORS).join(', ')}, or a daemon code in lower case`) });

/** The body acme-dns clients expect for any error on these routes: its own strings, else the daemon code lower-cased. */
export function acmeDnsErrorBody(e: AppError): z.infer<typeof errorBody> {
  return { error: e instanceof AcmeDnsError ? e.reply : e.code.toLowerCase() };
}

// Keys match in any case, as Go's encoding/json does; an empty body is `{}`.
const registerBody = z.object({
  allowfrom: z.array(z.string()).nullable().optional().describe('CIDR ranges updates may come from'),
  provider: z.string().optional().describe('a provider id or name; default: the default provider'),
});
const updateBody = z.object({ subdomain: z.string().describe('the account\'s subdomain'), txt: z.string().regex(/^[A-Za-z0-9_-]{43}$/) });
const errors = { errorBody: { name: 'AcmeDnsError', schema: errorBody } };

/** Go's encoding/json: an empty body is no input, `null` is an empty object, field names match case-insensitively. */
async function readGoJson(c: Context): Promise<Record<string, unknown> | null> {
  const buf = await c.req.arrayBuffer();
  if (buf.byteLength === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf));
  } catch {
    return null;
  }
  if (parsed === null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) return null;
  return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k.toLowerCase(), v]));
}

const USERNAME = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The provider a client token registers with: the one asked for (its scope is checked on the chosen row), else the
 * token's only provider, else the default when the token may use any; a token of several must say which.
 */
function clientProvider(client: Extract<Caller, { kind: 'client' }>, asked: string | undefined): string | undefined {
  if (asked !== undefined || client.providers === null) return asked;
  if (client.providers.length === 1) return client.providers[0];
  throw new AcmeDnsError('provider_required', `client token ${client.name} may write through several providers: name one in "provider"`);
}

/**
 * `logins.admin` guards registration (the admin token's guard), `logins.accounts` the accounts' keys on update.
 * `access` checks a client token's scope at registration and, for the accounts it registered, at every update.
 */
export function acmeDnsRoutes(service: AcmeDnsService | null, adminToken: string, access: ClientAccess, log: Logger, logins: { admin: LoginGuard; accounts: LoginGuard }): Hono {
  const app = new Hono();
  const configured = (): AcmeDnsService => {
    if (!service) throw new AcmeDnsError('acme_dns_not_configured', 'acme-dns is off: set DNS01_ACME_DNS_DOMAIN');
    return service;
  };

  // Registration writes into an operator's zone, so unlike acme-dns it needs the admin token or a client token,
  // whose scope the account then keeps (docs/acme-dns.md).
  app.post('/register', described({
    summary: 'Register an acme-dns account', body: registerBody,
    description: 'Before the account exists, its provider writes a test TXT record at the new account\'s name and removes it; a provider that cannot answers 502 `{"error": "acme_dns_domain_not_writable"}` and nothing is kept (docs/acme-dns.md).',
    responses: { 201: { description: 'the account; acme-dns\'s own shape', schema: acmeDnsAccountSchema } }, auth: 'acmeDnsRegister', ...errors,
  }), requireRegistrant(adminToken, access, { realm: 'dns01-proxy acme-dns', logins: { guard: logins.admin, door: 'admin_api' } }), async (c) => {
    const svc = configured();
    const body = registerBody.safeParse(await readGoJson(c));
    if (!body.success) throw new AcmeDnsError('malformed_json_payload', 'expected {"allowfrom": [CIDR, ...], "provider": "<id or name>"}, each optional');
    const allowFrom = parseAllowFrom(body.data.allowfrom ?? []);
    if (!allowFrom) throw new AcmeDnsError('invalid_allowfrom_cidr', 'every allowfrom entry must be a CIDR range');
    const client = registrantOf(c);
    const { row, password } = await svc.register(client
      ? {
        provider: clientProvider(client, body.data.provider), allowFrom, clientTokenId: client.id,
        scope: { name: (fqdn) => access.permitName(client, fqdn), provider: (id) => access.permitProvider(client, id) },
      }
      : { provider: body.data.provider, allowFrom });
    return c.json(acmeDnsAccountView(row, password, svc.fulldomain(row)), 201);
  });

  app.post('/update', described({
    summary: 'Set an account\'s TXT value (the newest two are kept)', body: updateBody, responses: { 200: { description: 'the value set', schema: acmeDnsUpdateReplySchema } },
    auth: 'acmeDnsAccount', ...errors,
  }), async (c) => {
    const svc = configured();
    const user = c.req.header('x-api-user');
    const key = c.req.header('x-api-key');
    // Only a well-formed username is recorded or tracked: anything else might be a key sent in the wrong header.
    const username = user !== undefined && USERNAME.test(user) ? user.toLowerCase() : undefined;
    // One answer for every refusal, as acme-dns gives; the log and the audit log say which it was (never the key).
    const forbidden = (reason: string, accountKnown = false) => {
      log.info({ reason, client: 'acme-dns', ip: sourceAddress(c) || null, ...(username ? { username } : {}) }, 'acme-dns update refused');
      auditOf(c).recordLimited({
        action: accountKnown ? 'acme_dns.refused' : 'auth.failed', category: 'auth', outcome: 'denied',
        ...(username ? { resourceType: 'acme_dns_account', resourceId: username } : {}),
        details: { api: 'acme-dns', code: 'UNAUTHORIZED', path: '/acme-dns/update', reason },
      });
      return new AcmeDnsError('forbidden', 'forbidden');
    };
    // No credentials is no guess: refused, but not counted against the address.
    if (!user && !key) throw forbidden('no credentials');
    // Before the lookup and the scrypt hash it costs.
    const attempt = logins.accounts.begin(c, 'acme_dns', username);
    let account: Awaited<ReturnType<typeof svc.accounts.authenticate>>;
    try {
      account = await svc.accounts.authenticate(user, key);
      if (account) attempt.passed();
      else attempt.failed();
    } finally {
      attempt.release();
    }
    if (!account) throw forbidden('unknown user or wrong key');
    if (!allowedFrom(account.allowFrom, sourceAddress(c))) throw forbidden('address not in allowfrom', true);
    // As in acme-dns, the body is read only after the credentials passed, and one that names no (or another)
    // subdomain is refused like bad credentials.
    const body = await readGoJson(c);
    if (!body || body.subdomain !== account.subdomain) throw forbidden('subdomain does not match the account', true);
    // An account a client token registered writes only while that token could write there itself: not revoked or
    // expired, from its networks, the name and the provider in its scope (each refusal recorded by ClientAccess).
    if (account.clientTokenId) {
      const client = await access.admitById(account.clientTokenId, sourceAddress(c), 'acme-dns');
      access.permitName(client, svc.fulldomain(account));
      access.permitProvider(client, account.providerId);
    }
    const txt = updateBody.shape.txt.safeParse(body.txt);
    if (!txt.success) throw new AcmeDnsError('bad_txt', 'txt must be 43 characters of base64url');
    await svc.update(account, txt.data);
    return c.json({ txt: txt.data }, 200);
  });
  return app;
}
