// Namecheap: Caddy solves it natively with caddy-dns/namecheap.
import { z } from 'zod';
import type { ProviderPlugin } from '../plugin.js';

const credentials = z.object({
  api_key: z.string().min(1),
  user: z.string().min(1),
  /** Defaults to production; the sandbox is https://api.sandbox.namecheap.com/xml.response */
  api_endpoint: z.url().optional(),
  /** Namecheap only answers allow-listed client IPs; unset, the module looks up Caddy's public IP. */
  client_ip: z.union([z.ipv4(), z.ipv6()]).optional(),
});
type Creds = z.infer<typeof credentials>;

export const namecheap = {
  type: 'namecheap',
  metadata: {
    displayName: 'Namecheap',
    description: 'Namecheap DNS, solved by Caddy through the caddy-dns/namecheap module.',
    proxied: false,
    docsUrl: 'https://github.com/caddy-dns/namecheap',
  },
  fields: [
    { name: 'api_key', label: 'API key', type: 'secret', required: true },
    { name: 'user', label: 'API user', type: 'string', required: true },
    { name: 'api_endpoint', label: 'API endpoint', type: 'url', required: false },
    { name: 'client_ip', label: 'Client IP', type: 'string', required: false, description: "Caddy's allow-listed public IP" },
  ],
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
