// DigitalOcean DNS: Caddy solves it natively with caddy-dns/digitalocean.
import { z } from 'zod';
import type { ProviderPlugin } from '../plugin.js';

const credentials = z.object({ auth_token: z.string().min(1) });
type Creds = z.infer<typeof credentials>;

export const digitalocean = {
  type: 'digitalocean',
  metadata: {
    displayName: 'DigitalOcean',
    description: 'DigitalOcean DNS, solved by Caddy through the caddy-dns/digitalocean module.',
    proxied: false,
    docsUrl: 'https://github.com/caddy-dns/digitalocean',
  },
  fields: [{ name: 'auth_token', label: 'API token', type: 'secret', required: true, description: 'Personal access token with write scope' }],
  credentials,
  defaults: { propagationTimeout: 120, pollingInterval: 5, ttl: 30 },
  caddyConfig: (c: Creds) => ({ name: 'digitalocean', auth_token: c.auth_token }),
} satisfies ProviderPlugin<Creds>;

export default digitalocean;
