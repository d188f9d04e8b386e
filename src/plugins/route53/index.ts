// AWS Route 53: Caddy solves it natively with caddy-dns/route53 (libdns/route53 field names).
import { z } from 'zod';
import { builtin } from '../shared.js';
import type { ProviderPlugin } from '../../plugin-api/index.js';

// Every field optional except that keys come in pairs: libdns/route53 falls back to the AWS SDK's
// default chain (env, instance role, shared config), which is how most fleets run it.
const credentials = z
  .object({
    access_key_id: z.string().min(1).optional().meta({ title: 'Access key ID' }),
    secret_access_key: z.string().min(1).optional().meta({ title: 'Secret access key', secret: true }),
    session_token: z.string().min(1).optional().meta({ title: 'Session token', secret: true }),
    region: z.string().min(1).optional().meta({ title: 'Region', description: 'e.g. us-east-1; defaults to AWS_REGION' }),
    profile: z.string().min(1).optional().meta({ title: 'Profile', description: 'Shared-config profile name' }),
  })
  .refine((c) => !c.access_key_id === !c.secret_access_key, {
    message: 'access_key_id and secret_access_key go together',
  });
type Creds = z.infer<typeof credentials>;

export const route53 = {
  metadata: builtin('route53', 'AWS Route 53', 'Amazon Route 53, solved by Caddy through the caddy-dns/route53 module.', 'https://github.com/caddy-dns/route53'),
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
