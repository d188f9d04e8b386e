// Namecheap: Caddy solves it natively with caddy-dns/namecheap.
import { z } from 'zod';
import { builtin } from '../shared.js';
import type { ProviderPlugin } from '../../plugin-api/index.js';

const credentials = z.object({
  api_key: z.string().min(1).meta({ title: 'API key', secret: true }),
  user: z.string().min(1).meta({ title: 'API user' }),
  /** Defaults to production; the sandbox is https://api.sandbox.namecheap.com/xml.response */
  api_endpoint: z.url().optional().meta({ title: 'API endpoint' }),
  /** Namecheap only answers allow-listed client IPs; unset, the module looks up Caddy's public IP. */
  client_ip: z.union([z.ipv4(), z.ipv6()]).optional().meta({ title: 'Client IP', description: "Caddy's allow-listed public IP" }),
});
type Creds = z.infer<typeof credentials>;

export const namecheap = {
  metadata: builtin('namecheap', 'Namecheap', 'Namecheap DNS, solved by Caddy through the caddy-dns/namecheap module.', 'https://github.com/caddy-dns/namecheap'),
  credentials,
  defaults: { propagationTimeout: 3600, pollingInterval: 15, ttl: 1799 },
  caddyConfig: (c: Creds) => ({
    name: 'namecheap',
    api_key: c.api_key,
    user: c.user,
    ...(c.api_endpoint ? { api_endpoint: c.api_endpoint } : {}),
    ...(c.client_ip ? { client_ip: c.client_ip } : {}),
  }),
} satisfies ProviderPlugin<Creds>;

export default namecheap;
