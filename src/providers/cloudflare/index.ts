// Cloudflare: Caddy solves it natively with caddy-dns/cloudflare; we only hold the token and write its config.
import { z } from 'zod';
import type { ProviderPlugin } from '../plugin.js';

const credentials = z.object({
  /** Scoped API token with Zone.DNS:Edit (the module does not take a global API key). */
  api_token: z.string().min(1),
  /** Optional token with Zone.Zone:Read on all zones, when api_token is limited to one zone. */
  zone_token: z.string().min(1).optional(),
});
type Creds = z.infer<typeof credentials>;

export const cloudflare = {
  type: 'cloudflare',
  metadata: {
    displayName: 'Cloudflare',
    description: 'Cloudflare DNS, solved by Caddy through the caddy-dns/cloudflare module.',
    proxied: false,
    docsUrl: 'https://github.com/caddy-dns/cloudflare',
  },
  fields: [
    { name: 'api_token', label: 'API token', type: 'secret', required: true, description: 'Token with Zone.DNS:Edit permission' },
    { name: 'zone_token', label: 'Zone read token', type: 'secret', required: false, description: 'Only when api_token cannot read zones' },
  ],
  credentials,
  defaults: { propagationTimeout: 120, pollingInterval: 2, ttl: 120 },
  caddyConfig: (c: Creds) => ({ name: 'cloudflare', api_token: c.api_token, ...(c.zone_token ? { zone_token: c.zone_token } : {}) }),
} satisfies ProviderPlugin<Creds>;

export default cloudflare;
