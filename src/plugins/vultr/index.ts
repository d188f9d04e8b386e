// Vultr DNS: Caddy solves it natively with caddy-dns/vultr.
import { z } from 'zod';
import { builtin } from '../shared.js';
import type { ProviderPlugin } from '../../plugin-api/index.js';

const credentials = z.object({ api_token: z.string().min(1).meta({ title: 'API key', secret: true }) });
type Creds = z.infer<typeof credentials>;

export const vultr = {
  metadata: builtin('vultr', 'Vultr', 'Vultr DNS, solved by Caddy through the caddy-dns/vultr module.', 'https://github.com/caddy-dns/vultr'),
  credentials,
  defaults: { propagationTimeout: 300, pollingInterval: 5, ttl: 120 },
  caddyConfig: (c: Creds) => ({ name: 'vultr', api_token: c.api_token }),
} satisfies ProviderPlugin<Creds>;

export default vultr;
