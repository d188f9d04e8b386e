// Google Cloud DNS: Caddy solves it natively with caddy-dns/googleclouddns (libdns/googleclouddns field names).
import { z } from 'zod';
import { builtin } from '../shared.js';
import type { ProviderPlugin } from '../../plugin-api/index.js';

const credentials = z.object({
  gcp_project: z.string().min(1).meta({ title: 'Project ID' }),
  /** Path, on Caddy's host, to a service-account JSON file; unset: Application Default Credentials. */
  gcp_application_default: z.string().min(1).optional().meta({ title: 'Service account file', description: "Path on Caddy's host to a service-account JSON file; empty uses Application Default Credentials" }),
});
type Creds = z.infer<typeof credentials>;

export const googleclouddns = {
  metadata: builtin('googleclouddns', 'Google Cloud DNS', 'Google Cloud DNS, solved by Caddy through the caddy-dns/googleclouddns module.', 'https://github.com/caddy-dns/googleclouddns'),
  credentials,
  defaults: { propagationTimeout: 180, pollingInterval: 5, ttl: 60 },
  caddyConfig: (c: Creds) => ({
    name: 'googleclouddns',
    gcp_project: c.gcp_project,
    ...(c.gcp_application_default ? { gcp_application_default: c.gcp_application_default } : {}),
  }),
} satisfies ProviderPlugin<Creds>;

export default googleclouddns;
