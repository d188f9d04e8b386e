// AWS Route 53: Caddy solves it natively with caddy-dns/route53 (libdns/route53 field names).
import { z } from 'zod';
import type { ProviderPlugin } from '../plugin.js';

// Every field optional except that keys come in pairs: libdns/route53 falls back to the AWS SDK's
// default chain (env, instance role, shared config), which is how most fleets run it.
const credentials = z
  .object({
    access_key_id: z.string().min(1).optional(),
    secret_access_key: z.string().min(1).optional(),
    session_token: z.string().min(1).optional(),
    region: z.string().min(1).optional(),
    profile: z.string().min(1).optional(),
  })
  .refine((c) => !c.access_key_id === !c.secret_access_key, {
    message: 'access_key_id and secret_access_key go together',
  });
type Creds = z.infer<typeof credentials>;

export const route53 = {
  type: 'route53',
  metadata: {
    displayName: 'AWS Route 53',
    description: 'Amazon Route 53, solved by Caddy through the caddy-dns/route53 module.',
    proxied: false,
    docsUrl: 'https://github.com/caddy-dns/route53',
  },
  fields: [
    { name: 'access_key_id', label: 'Access key ID', type: 'string', required: false },
    { name: 'secret_access_key', label: 'Secret access key', type: 'secret', required: false },
    { name: 'session_token', label: 'Session token', type: 'secret', required: false },
    { name: 'region', label: 'Region', type: 'string', required: false, description: 'e.g. us-east-1; defaults to AWS_REGION' },
    { name: 'profile', label: 'Profile', type: 'string', required: false, description: 'Shared-config profile name' },
  ],
  credentials,
  defaults: { propagationTimeout: 180, pollingInterval: 5, ttl: 60 },
  caddyConfig: (c: Creds) => {
    const out: Record<string, unknown> = { name: 'route53' };
    for (const k of ['access_key_id', 'secret_access_key', 'session_token', 'region', 'profile'] as const) {
      if (c[k]) out[k] = c[k];
    }
    return out;
  },
} satisfies ProviderPlugin<Creds>;

export default route53;
