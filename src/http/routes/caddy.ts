// Admin API for the Caddy sync: the policies that would be pushed, a push on demand, and a new token for Caddy on demand.
import { Hono } from 'hono';
import type { CaddySync } from '../../caddy/sync.js';
import { caddyReadiness, previewPolicies, refusedView, rotateCaddyToken, type CaddyDeps } from '../../caddy/wiring.js';
import { AppError } from '../../errors.js';
import { audited, noteAudit } from '../audit.js';
import { described } from '../openapi.js';
import { caddyConfigReplySchema, caddyTokenRotateReplySchema, syncReplySchema } from '../wire/caddy.js';
import { clientTokenView } from '../wire/client-tokens.js';

export function caddyRoutes(deps: CaddyDeps, sync: CaddySync | null): Hono {
  const app = new Hono();
  app.get('/config', described({
    summary: 'The TLS automation policies the sync would push', responses: { 200: { description: 'the policies', schema: caddyConfigReplySchema } },
  }), async (c) => {
    const { policies, skipped, conflicts } = await previewPolicies(deps);
    // What Caddy refused on the last sync run ([] with sync off): those policies are in `policies` but not in Caddy.
    const refused = sync ? refusedView(sync.state()) : [];
    return c.json({ success: true, apps: { tls: { automation: { policies } } }, skipped, conflicts, refused });
  });
  app.post('/sync', described({
    summary: 'Push the policies to Caddy now',
    responses: { 200: { description: 'pushed', schema: syncReplySchema }, 502: { description: 'Caddy refused or was unreachable: `success: false`', schema: syncReplySchema } },
  }), audited('caddy.sync', 'caddy', 'caddy'), async (c) => {
    if (!sync) throw new AppError('SERVICE_UNAVAILABLE', 'Caddy sync is off: set DNS01_CADDY_ADMIN_URL');
    // On demand, e.g. after Caddy gained a missing module: refused policies are offered again now.
    await sync.syncNow({ verify: true, retryRefused: true });
    const state = caddyReadiness(sync);
    return c.json({ success: state.consecutive_failures === 0, sync: state }, state.consecutive_failures === 0 ? 200 : 502);
  });
  app.post('/token/rotate', described({
    summary: 'Give Caddy a new client token now; the current one works for its grace period, then stops',
    responses: {
      200: { description: 'rotated and pushed', schema: caddyTokenRotateReplySchema },
      502: { description: 'the new token is minted but Caddy refused or was unreachable: `success: false`; the next run pushes it', schema: caddyTokenRotateReplySchema },
    },
  }), audited('caddy.token_rotate', 'caddy', 'client_token'), async (c) => {
    if (!sync) throw new AppError('SERVICE_UNAVAILABLE', 'Caddy sync is off: set DNS01_CADDY_ADMIN_URL');
    const { retired, current } = await rotateCaddyToken(deps, sync);
    const state = caddyReadiness(sync);
    const ok = state.consecutive_failures === 0;
    noteAudit(c, { ...(current ? { id: current.id } : {}), details: { retired: retired.map((r) => r.id), current: current?.id ?? null, pushed: ok } });
    // The daemon's own tokens never carry a TSIG key (the API refuses one): null is what tsigKeysOf would say.
    return c.json({ success: ok, retired: retired.map((r) => clientTokenView(r, null)), client_token: current && clientTokenView(current, null), sync: state }, ok ? 200 : 502);
  });
  return app;
}
