// The internal API Caddy and other ACME clients call: native create/get/delete and the acmeproxy/httpreq dialect.
import { Hono, type Context } from 'hono';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ChallengeService } from '../../challenges/service.js';
import { challengeView } from '../../challenges/service.js';
import { challengeFqdnFor, normaliseChallengeFqdn, txtValueForKeyAuth } from '../../challenges/names.js';
import type { ClientAccess } from '../../clients/access.js';
import { AppError, isAppError } from '../../errors.js';
import { callerOf } from '../auth.js';
import { readBody, readJsonObject } from '../body.js';

export interface ProviderChooser {
  /** Provider for a name when the client did not say: the most specific site covering it, else the default. */
  forFqdn(fqdn: string): Promise<string>;
}

const createSchema = z
  .object({
    provider_id: z.string().min(1).max(64),
    fqdn: z.string().max(300),
    value: z.string().max(200),
    wait: z.enum(['propagated', 'none']).optional(),
  })
  .strict();

/** acmeproxy and lego httpreq: keys case-insensitive; `{fqdn, value}` or RAW `{domain, token, keyAuth}`. */
function parseAcmeproxyBody(raw: Record<string, unknown>): { fqdn: string; value: string; echo: Record<string, unknown> } {
  const body = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k.toLowerCase(), v]));
  if (body.keyauth !== undefined || body.domain !== undefined) {
    const fqdn = challengeFqdnFor(body.domain);
    const value = txtValueForKeyAuth(body.keyauth);
    return { fqdn, value, echo: { domain: body.domain, token: body.token, keyAuth: body.keyauth } };
  }
  if (typeof body.fqdn !== 'string' || typeof body.value !== 'string') {
    throw new AppError('VALIDATION_ERROR', 'expected {"fqdn", "value"} or RAW {"domain", "token", "keyAuth"}');
  }
  return { fqdn: body.fqdn, value: body.value, echo: { fqdn: body.fqdn, value: body.value } };
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

export function internalRoutes(service: ChallengeService, chooser: ProviderChooser, access: ClientAccess, log: Logger): Hono {
  const app = new Hono();
  // Every check runs before any write: a client token may touch only its names, through its providers.

  app.post('/create', async (c) => {
    const body = await readBody(c, createSchema);
    access.permitName(callerOf(c), body.fqdn);
    access.permitProvider(callerOf(c), body.provider_id);
    // Unset means "as the provider's wait_for_propagation setting says".
    const asked = body.wait ?? c.req.query('wait');
    const wait = asked === 'propagated' ? true : asked === 'none' ? false : undefined;
    const { row, created } = await service.create({ providerId: body.provider_id, fqdn: body.fqdn, value: body.value, wait });
    return c.json({ success: true, challenge_id: row.id, status: row.status }, created ? 201 : 200);
  });

  const present = async (c: Context) => {
    const { fqdn, value, echo } = parseAcmeproxyBody(await readJsonObject(c));
    access.permitName(callerOf(c), fqdn);
    const inPath = c.req.param('providerId');
    const providerId = inPath ?? (await chooser.forFqdn(normaliseChallengeFqdn(fqdn)));
    access.permitProvider(callerOf(c), providerId);
    await withPathProvider(log, inPath, () => service.create({ providerId, fqdn, value, wait: c.req.query('wait') === 'propagated' ? true : undefined, client: 'acmeproxy' }));
    // Exactly 200 and the request's own values: libdns/acmeproxy and acme.sh check the echo.
    return c.json(echo, 200);
  };
  const cleanup = async (c: Context) => {
    const { fqdn, value, echo } = parseAcmeproxyBody(await readJsonObject(c));
    access.permitName(callerOf(c), fqdn);
    const inPath = c.req.param('providerId');
    let providerId = inPath ?? null;
    // A token limited to some providers cleans up only through the one present chose, never across all of them.
    if (access.limitsProviders(callerOf(c))) {
      providerId ??= await chooser.forFqdn(normaliseChallengeFqdn(fqdn));
      access.permitProvider(callerOf(c), providerId);
    }
    await withPathProvider(log, inPath, () => service.removeByValue(providerId, fqdn, value));
    return c.json(echo, 200);
  };
  app.post('/present', present);
  app.post('/cleanup', cleanup);
  app.post('/providers/:providerId/present', present);
  app.post('/providers/:providerId/cleanup', cleanup);

  const permitted = async (c: Context) => {
    const row = await service.get(c.req.param('id')!);
    access.permitName(callerOf(c), row.fqdn);
    access.permitProvider(callerOf(c), row.providerId);
    return row;
  };
  app.get('/:id', async (c) => c.json({ success: true, challenge: challengeView(await permitted(c)) }));
  app.delete('/:id', async (c) => {
    await permitted(c);
    await service.remove(c.req.param('id'));
    return c.json({ success: true, status: 'deleted' });
  });
  return app;
}
