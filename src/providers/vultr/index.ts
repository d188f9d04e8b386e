// Vultr DNS: Caddy solves it natively with caddy-dns/vultr.
import { z } from 'zod';
import type { ProviderPlugin } from '../plugin.js';

const credentials = z.object({ api_token: z.string().min(1) });
type Creds = z.infer<typeof credentials>;

export const vultr = {
  type: 'vultr',
  metadata: {
    displayName: 'Vultr',
    description: 'Vultr DNS, solved by Caddy through the caddy-dns/vultr module.',
    proxied: false,
    docsUrl: 'https://github.com/caddy-dns/vultr',
  },
  fields: [{ name: 'api_token', label: 'API key', type: 'secret', required: true }],
  credentials,
  defaults: { propagationTimeout: 300, pollingInterval: 5, ttl: 120 },
  caddyConfig: (c: Creds) => ({ name: 'vultr', api_token: c.api_token }),
} satisfies ProviderPlugin<Creds>;

export default vultr;
