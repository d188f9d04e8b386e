// DNSimple: Caddy solves it natively with caddy-dns/dnsimple (libdns/dnsimple field names).
import { z } from 'zod';
import { builtin } from '../shared.js';
import type { ProviderPlugin } from '../../plugin-api/index.js';

const credentials = z.object({
  api_access_token: z.string().min(1).meta({ title: 'API access token', secret: true }),
  /** Only needed with a user token; an account token implies the account. */
  account_id: z.string().min(1).optional().meta({ title: 'Account ID' }),
  /** e.g. https://api.sandbox.dnsimple.com for the sandbox. */
  api_url: z.url().optional().meta({ title: 'API URL' }),
});
type Creds = z.infer<typeof credentials>;

export const dnsimple = {
  metadata: builtin('dnsimple', 'DNSimple', 'DNSimple, solved by Caddy through the caddy-dns/dnsimple module.', 'https://github.com/caddy-dns/dnsimple'),
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
