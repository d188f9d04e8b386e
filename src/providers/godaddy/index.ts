// GoDaddy: Caddy solves it natively with caddy-dns/godaddy (token is "key:secret").
import { z } from 'zod';
import type { ProviderPlugin } from '../plugin.js';

const credentials = z.object({
  api_token: z.string().regex(/^[^:\s]+:[^:\s]+$/, 'api_token is KEY:SECRET'),
});
type Creds = z.infer<typeof credentials>;

export const godaddy = {
  type: 'godaddy',
  metadata: {
    displayName: 'GoDaddy',
    description: 'GoDaddy DNS, solved by Caddy through the caddy-dns/godaddy module.',
    proxied: false,
    docsUrl: 'https://github.com/caddy-dns/godaddy',
  },
  fields: [{ name: 'api_token', label: 'API key:secret', type: 'secret', required: true, description: 'KEY:SECRET from developer.godaddy.com' }],
  credentials,
  defaults: { propagationTimeout: 600, pollingInterval: 10, ttl: 600 },
  caddyConfig: (c: Creds) => ({ name: 'godaddy', api_token: c.api_token }),
} satisfies ProviderPlugin<Creds>;

export default godaddy;
