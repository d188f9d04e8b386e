// Azure DNS: Caddy solves it natively with caddy-dns/azure (libdns/azure field names).
import { z } from 'zod';
import type { ProviderPlugin } from '../plugin.js';

// tenant/client/secret are a service principal; leaving all three out means a managed identity.
const credentials = z
  .object({
    subscription_id: z.string().min(1),
    resource_group_name: z.string().min(1),
    tenant_id: z.string().min(1).optional(),
    client_id: z.string().min(1).optional(),
    client_secret: z.string().min(1).optional(),
  })
  .refine((c) => [c.tenant_id, c.client_id, c.client_secret].filter(Boolean).length % 3 === 0, {
    message: 'tenant_id, client_id and client_secret go together (or leave all three out for a managed identity)',
  });
type Creds = z.infer<typeof credentials>;

export const azure = {
  type: 'azure',
  metadata: {
    displayName: 'Azure DNS',
    description: 'Microsoft Azure DNS, solved by Caddy through the caddy-dns/azure module.',
    proxied: false,
    docsUrl: 'https://github.com/caddy-dns/azure',
  },
  fields: [
    { name: 'subscription_id', label: 'Subscription ID', type: 'string', required: true },
    { name: 'resource_group_name', label: 'Resource group', type: 'string', required: true },
    { name: 'tenant_id', label: 'Tenant ID', type: 'string', required: false },
    { name: 'client_id', label: 'Client ID', type: 'string', required: false },
    { name: 'client_secret', label: 'Client secret', type: 'secret', required: false },
  ],
  credentials,
  defaults: { propagationTimeout: 180, pollingInterval: 5, ttl: 60 },
  caddyConfig: (c: Creds) => {
    const out: Record<string, unknown> = { name: 'azure', subscription_id: c.subscription_id, resource_group_name: c.resource_group_name };
    if (c.tenant_id) Object.assign(out, { tenant_id: c.tenant_id, client_id: c.client_id, client_secret: c.client_secret });
    return out;
  },
} satisfies ProviderPlugin<Creds>;

export default azure;
