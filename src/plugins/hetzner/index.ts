// Hetzner DNS: Caddy solves it natively with caddy-dns/hetzner.
import { z } from 'zod';
import { builtin } from '../shared.js';
import type { ProviderPlugin } from '../../plugin-api/index.js';

const credentials = z.object({ api_token: z.string().min(1).meta({ title: 'API token', secret: true }) });
type Creds = z.infer<typeof credentials>;

export const hetzner = {
  metadata: builtin('hetzner', 'Hetzner', 'Hetzner DNS, solved by Caddy through the caddy-dns/hetzner module.', 'https://github.com/caddy-dns/hetzner'),
  credentials,
  defaults: { propagationTimeout: 120, pollingInterval: 2, ttl: 60 },
  // The module's current README spells it `api_token`. Releases built on libdns 0.2 (the
  // Caddy 2.6 era) embedded libdns/hetzner, whose JSON name was `auth_api_token`; a Caddy
  // that old rejects `api_token` as an unknown field.
  caddyConfig: (c: Creds) => ({ name: 'hetzner', api_token: c.api_token }),
} satisfies ProviderPlugin<Creds>;

export default hetzner;
