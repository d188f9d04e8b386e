// Azure DNS: Caddy solves it natively with caddy-dns/azure (libdns/azure field names).
import { z } from 'zod';
import { builtin } from '../shared.js';
import type { ProviderPlugin } from '../../plugin-api/index.js';

// tenant/client/secret are a service principal; leaving all three out means a managed identity.
const credentials = z
  .object({
    subscription_id: z.string().min(1).meta({ title: 'Subscription ID' }),
    resource_group_name: z.string().min(1).meta({ title: 'Resource group' }),
    tenant_id: z.string().min(1).optional().meta({ title: 'Tenant ID' }),
    client_id: z.string().min(1).optional().meta({ title: 'Client ID' }),
    client_secret: z.string().min(1).optional().meta({ title: 'Client secret', secret: true }),
  })
  .refine((c) => [c.tenant_id, c.client_id, c.client_secret].filter(Boolean).length % 3 === 0, {
    message: 'tenant_id, client_id and client_secret go together (or leave all three out for a managed identity)',
  });
type Creds = z.infer<typeof credentials>;

export const azure = {
  metadata: builtin('azure', 'Azure DNS', 'Microsoft Azure DNS, solved by Caddy through the caddy-dns/azure module.', 'https://github.com/caddy-dns/azure'),
  credentials,
  defaults: { propagationTimeout: 180, pollingInterval: 5, ttl: 60 },
  caddyConfig: (c: Creds) => {
    const out: Record<string, unknown> = { name: 'azure', subscription_id: c.subscription_id, resource_group_name: c.resource_group_name };
    if (c.tenant_id) Object.assign(out, { tenant_id: c.tenant_id, client_id: c.client_id, client_secret: c.client_secret });
    return out;
  },
} satisfies ProviderPlugin<Creds>;

export default azure;
