// DNSimple: Caddy solves it natively with caddy-dns/dnsimple (libdns/dnsimple field names).
import { z } from 'zod';
import type { ProviderPlugin } from '../plugin.js';

const credentials = z.object({
  api_access_token: z.string().min(1),
  /** Only needed with a user token; an account token implies the account. */
  account_id: z.string().min(1).optional(),
  /** e.g. https://api.sandbox.dnsimple.com for the sandbox. */
  api_url: z.url().optional(),
});
type Creds = z.infer<typeof credentials>;

export const dnsimple = {
  type: 'dnsimple',
  metadata: {
    displayName: 'DNSimple',
    description: 'DNSimple, solved by Caddy through the caddy-dns/dnsimple module.',
    proxied: false,
    docsUrl: 'https://github.com/caddy-dns/dnsimple',
  },
  fields: [
    { name: 'api_access_token', label: 'API access token', type: 'secret', required: true },
    { name: 'account_id', label: 'Account ID', type: 'string', required: false },
    { name: 'api_url', label: 'API URL', type: 'url', required: false },
  ],
  credentials,
  defaults: { propagationTimeout: 120, pollingInterval: 5, ttl: 60 },
  caddyConfig: (c: Creds) => ({
    name: 'dnsimple',
    api_access_token: c.api_access_token,
    ...(c.account_id ? { account_id: c.account_id } : {}),
    ...(c.api_url ? { api_url: c.api_url } : {}),
  }),
} satisfies ProviderPlugin<Creds>;

export default dnsimple;
