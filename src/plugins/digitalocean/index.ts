// DigitalOcean DNS: Caddy solves it natively with caddy-dns/digitalocean.
import { z } from 'zod';
import { builtin } from '../shared.js';
import type { ProviderPlugin } from '../../plugin-api/index.js';

const credentials = z.object({ auth_token: z.string().min(1).meta({ title: 'API token', secret: true, description: 'Personal access token with write scope' }) });
type Creds = z.infer<typeof credentials>;

export const digitalocean = {
  metadata: builtin('digitalocean', 'DigitalOcean', 'DigitalOcean DNS, solved by Caddy through the caddy-dns/digitalocean module.', 'https://github.com/caddy-dns/digitalocean'),
  credentials,
  defaults: { propagationTimeout: 120, pollingInterval: 5, ttl: 30 },
  caddyConfig: (c: Creds) => ({ name: 'digitalocean', auth_token: c.auth_token }),
} satisfies ProviderPlugin<Creds>;

export default digitalocean;
