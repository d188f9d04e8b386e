// Admin API for the Caddy sync: the policies that would be pushed, and a push on demand.
import { Hono } from 'hono';
import type { CaddySync } from '../../caddy/sync.js';
import { caddyReadiness, previewPolicies, refusedView, type CaddyDeps } from '../../caddy/wiring.js';
import { AppError } from '../../errors.js';
import { audited } from '../audit.js';
import { described } from '../openapi.js';
import { caddyConfigReplySchema, syncReplySchema } from '../wire/caddy.js';

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
  return app;
}
