// GoDaddy: Caddy solves it natively with caddy-dns/godaddy (token is "key:secret").
import { z } from 'zod';
import { builtin } from '../shared.js';
import type { ProviderPlugin } from '../../plugin-api/index.js';

const credentials = z.object({
  api_token: z.string().regex(/^[^:\s]+:[^:\s]+$/, 'api_token is KEY:SECRET').meta({ title: 'API key:secret', secret: true, description: 'KEY:SECRET from developer.godaddy.com' }),
});
type Creds = z.infer<typeof credentials>;

export const godaddy = {
  metadata: builtin('godaddy', 'GoDaddy', 'GoDaddy DNS, solved by Caddy through the caddy-dns/godaddy module.', 'https://github.com/caddy-dns/godaddy'),
  credentials,
  defaults: { propagationTimeout: 600, pollingInterval: 10, ttl: 600 },
  caddyConfig: (c: Creds) => ({ name: 'godaddy', api_token: c.api_token }),
} satisfies ProviderPlugin<Creds>;

export default godaddy;
