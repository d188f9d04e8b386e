// The internal API Caddy and other ACME clients call: native create/get/delete and the acmeproxy/httpreq dialect.
import { Hono, type Context } from 'hono';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ChallengeService } from '../../challenges/service.js';
import { challengeFqdnFor, txtValueForKeyAuth } from '../../challenges/names.js';
import type { ClientAccess } from '../../clients/access.js';
import { parseQuery, queryChoice } from '../../db/query.js';
import { AppError, errorBodySchema, isAppError } from '../../errors.js';
import { callerOf } from '../auth.js';
import { invalidBody, readBody, readJsonObject } from '../body.js';
import { described } from '../openapi.js';
import { timed } from '../../phases.js';
import { deletedReplySchema } from '../wire/common.js';
import { acmeproxyEchoSchema, challengeReplySchema, challengeView, createdReplySchema } from '../wire/challenges.js';

const createSchema = z
  .object({
    provider_id: z.string().min(1).max(64),
    fqdn: z.string().max(300),
    value: z.string().max(200),
    wait: z.enum(['propagated', 'none']).optional(),
  })
  .strict();
const waitQuery = z.object({
  wait: queryChoice(['propagated', 'none'], 'as `wait` in the body, which wins; unset: the provider\'s wait_for_propagation setting'),
});
const presentQuery = z.object({ wait: queryChoice(['propagated'], 'reply only once every authoritative server serves the value') });

/** `wait` from the query string, checked (a 400 naming it); any other name is the client's own and left alone. */
function queryWait(c: Context, schema: typeof waitQuery | typeof presentQuery): string | undefined {
  const wait = c.req.query('wait');
  return wait === undefined ? undefined : parseQuery(schema, { wait }).wait;
}

const plainBodySchema = z.object({ fqdn: z.string(), value: z.string() });
const rawBodySchema = z.object({ domain: z.string(), token: z.string().optional(), keyAuth: z.string() });
/** acmeproxy's `{fqdn, value}`, or lego httpreq's RAW `{domain, token, keyAuth}`; other keys are ignored. */
const acmeproxyBodySchema = z.union([plainBodySchema, rawBodySchema]);
const CANONICAL_KEYS: Record<string, string> = { fqdn: 'fqdn', value: 'value', domain: 'domain', token: 'token', keyauth: 'keyAuth' };

/** acmeproxy and lego httpreq send keys in any case; RAW mode when `domain` or `keyAuth` is there. */
function parseAcmeproxyBody(raw: Record<string, unknown>): { fqdn: string; value: string; echo: Record<string, unknown> } {
  const body: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    const key = CANONICAL_KEYS[k.toLowerCase()];
    if (key) body[key] = v;
  }
  const isRaw = body.keyAuth !== undefined || body.domain !== undefined;
  const parsed = (isRaw ? rawBodySchema : plainBodySchema).safeParse(body);
  if (!parsed.success) throw invalidBody('expected {"fqdn", "value"} or RAW {"domain", "token", "keyAuth"}', parsed.error);
  if ('keyAuth' in parsed.data) {
    const { domain, token, keyAuth } = parsed.data;
    return { fqdn: challengeFqdnFor(domain), value: txtValueForKeyAuth(keyAuth), echo: { domain, token, keyAuth } };
  }
  const { fqdn, value } = parsed.data;
  return { fqdn, value, echo: { fqdn, value } };
}

/**
 * Runs `fn` for the provider id an acmeproxy endpoint path names. An unknown id there is a deployment
 * mistake (a stale id in the Caddyfile or lego's endpoint), so it gets a one-line fix and a warning.
 */
async function withPathProvider<T>(log: Logger, providerId: string | undefined, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (providerId === undefined || !isAppError(err) || err.code !== 'PROVIDER_NOT_FOUND') throw err;
    // Only the internal token's holder reaches this; still, echo only a printable, bounded id.
    const id = /^[\w.-]{1,64}$/.test(providerId) ? providerId : '<unprintable>';
    log.warn({ providerId: id }, `an acmeproxy endpoint path names unknown provider id "${id}"`);
    throw new AppError('PROVIDER_NOT_FOUND', `no DNS provider has id "${id}" (named in the endpoint path): use an id from `
      + `GET /api/v1/dns-providers, or drop "/providers/${id}" from the endpoint to choose by site, then the default provider`);
  }
}

export function internalRoutes(service: ChallengeService, access: ClientAccess, log: Logger): Hono {
  const app = new Hono();
  // Every check runs before any write: a client token may touch only its names, through its providers.

  app.post('/create', described({
    summary: 'Add a TXT value through a provider (the native API)', body: createSchema, query: waitQuery,
    responses: {
      201: { description: 'created', schema: createdReplySchema },
      200: { description: 'an identical challenge was already active, or `DNS_NOT_PROPAGATED` with `wait=propagated`', schema: z.union([createdReplySchema, errorBodySchema]) },
    },
  }), async (c) => {
    const body = await timed('validate', () => readBody(c, createSchema));
    const inQuery = queryWait(c, waitQuery);
    access.permitName(callerOf(c), body.fqdn);
    access.permitProvider(callerOf(c), body.provider_id);
    // Unset means "as the provider's wait_for_propagation setting says".
    const asked = body.wait ?? inQuery;
    const wait = asked === 'propagated' ? true : asked === 'none' ? false : undefined;
    const { row, created } = await service.create({ providerId: body.provider_id, permitTarget: (t) => access.permitName(callerOf(c), t), fqdn: body.fqdn, value: body.value, wait });
    return c.json({ success: true, challenge_id: row.id, status: row.status }, created ? 201 : 200);
  });

  const acmeproxy = {
    body: acmeproxyBodySchema, responses: { 200: { description: 'the request\'s own values, echoed', schema: acmeproxyEchoSchema } },
    description: 'Keys match in any case. A CNAME on the name is followed: the value goes to its target (docs/api.md#delegated-names). '
      + 'The provider is the one in the path, else the most specific site\'s for the target, else the default.',
  };
  const presentDoc = described({ ...acmeproxy, summary: 'acmeproxy / lego httpreq: add a TXT value', query: presentQuery });
  const cleanupDoc = described({ ...acmeproxy, summary: 'acmeproxy / lego httpreq: remove a TXT value' });
  const present = async (c: Context) => {
    const { fqdn, value, echo } = await timed('validate', async () => parseAcmeproxyBody(await readJsonObject(c)));
    const wait = queryWait(c, presentQuery) === 'propagated' ? true : undefined;
    const caller = callerOf(c);
    // The name asked for is the one in the token's scope; the service follows a CNAME there and, with no provider in
    // the path, chooses by where the value goes, then asks permitProvider before anything is written.
    access.permitName(caller, fqdn);
    const inPath = c.req.param('providerId');
    const permitProvider = (id: string) => access.permitProvider(caller, id);
    const permitTarget = (t: string) => access.permitName(caller, t);
    await withPathProvider(log, inPath, () => service.create({ ...(inPath ? { providerId: inPath } : {}), permitProvider, permitTarget, fqdn, value, wait, client: 'acmeproxy' }));
    // Exactly 200 and the request's own values: libdns/acmeproxy and acme.sh check the echo.
    return c.json(echo, 200);
  };
  const cleanup = async (c: Context) => {
    const { fqdn, value, echo } = await timed('validate', async () => parseAcmeproxyBody(await readJsonObject(c)));
    const caller = callerOf(c);
    access.permitName(caller, fqdn);
    const inPath = c.req.param('providerId');
    // A token limited to some providers cleans up only through the one present chose, never across all of them.
    const permitProvider = access.limitsProviders(caller) ? (id: string) => access.permitProvider(caller, id) : undefined;
    const permitTarget = (t: string) => access.permitName(caller, t);
    await withPathProvider(log, inPath, () => service.removeByValue({ ...(inPath ? { providerId: inPath } : {}), ...(permitProvider ? { permitProvider } : {}), permitTarget, fqdn, value }));
    return c.json(echo, 200);
  };
  app.post('/present', presentDoc, present);
  app.post('/cleanup', cleanupDoc, cleanup);
  app.post('/providers/:providerId/present', presentDoc, present);
  app.post('/providers/:providerId/cleanup', cleanupDoc, cleanup);

  const permitted = async (c: Context) => {
    const row = await service.get(c.req.param('id')!);
    // A delegated challenge is the client's by the name it asked for, not the CNAME's target.
    access.permitName(callerOf(c), row.delegatedFrom ?? row.fqdn);
    access.permitProvider(callerOf(c), row.providerId);
    return row;
  };
  app.get('/:id', described({ summary: 'One challenge', responses: { 200: { description: 'the challenge', schema: challengeReplySchema } } }),
    async (c) => c.json({ success: true, challenge: challengeView(await permitted(c)) }));
  app.delete('/:id', described({ summary: 'Remove a challenge\'s TXT value', responses: { 200: { description: 'deleted', schema: deletedReplySchema } } }), async (c) => {
    await permitted(c);
    await service.remove(c.req.param('id'));
    return c.json({ success: true, status: 'deleted' });
  });
  return app;
}
