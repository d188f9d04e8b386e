// Cloudflare: Caddy solves it natively with caddy-dns/cloudflare; we only hold the token and write its config.
import { z } from 'zod';
import { builtin } from '../shared.js';
import type { ProviderPlugin } from '../../plugin-api/index.js';

const credentials = z.object({
  /** Scoped API token with Zone.DNS:Edit (the module does not take a global API key). */
  api_token: z.string().min(1).meta({ title: 'API token', secret: true, description: 'Token with Zone.DNS:Edit permission' }),
  /** Optional token with Zone.Zone:Read on all zones, when api_token is limited to one zone. */
  zone_token: z.string().min(1).optional().meta({ title: 'Zone read token', secret: true, description: 'Only when api_token cannot read zones' }),
});
type Creds = z.infer<typeof credentials>;

export const cloudflare = {
  metadata: builtin('cloudflare', 'Cloudflare', 'Cloudflare DNS, solved by Caddy through the caddy-dns/cloudflare module.', 'https://github.com/caddy-dns/cloudflare'),
  credentials,
  defaults: { propagationTimeout: 120, pollingInterval: 2, ttl: 120 },
  caddyConfig: (c: Creds) => ({ name: 'cloudflare', api_token: c.api_token, ...(c.zone_token ? { zone_token: c.zone_token } : {}) }),
} satisfies ProviderPlugin<Creds>;

export default cloudflare;
