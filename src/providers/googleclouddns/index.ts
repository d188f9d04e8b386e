// Google Cloud DNS: Caddy solves it natively with caddy-dns/googleclouddns (libdns/googleclouddns field names).
import { z } from 'zod';
import type { ProviderPlugin } from '../plugin.js';

const credentials = z.object({
  gcp_project: z.string().min(1),
  /** Path, on Caddy's host, to a service-account JSON file; unset: Application Default Credentials. */
  gcp_application_default: z.string().min(1).optional(),
});
type Creds = z.infer<typeof credentials>;

export const googleclouddns = {
  type: 'googleclouddns',
  metadata: {
    displayName: 'Google Cloud DNS',
    description: 'Google Cloud DNS, solved by Caddy through the caddy-dns/googleclouddns module.',
    proxied: false,
    docsUrl: 'https://github.com/caddy-dns/googleclouddns',
  },
  fields: [
    { name: 'gcp_project', label: 'Project ID', type: 'string', required: true },
    {
      name: 'gcp_application_default', label: 'Service account file', type: 'string', required: false,
      description: "Path on Caddy's host to a service-account JSON file; empty uses Application Default Credentials",
    },
  ],
  credentials,
  defaults: { propagationTimeout: 180, pollingInterval: 5, ttl: 60 },
  caddyConfig: (c: Creds) => ({
    name: 'googleclouddns',
    gcp_project: c.gcp_project,
    ...(c.gcp_application_default ? { gcp_application_default: c.gcp_application_default } : {}),
  }),
} satisfies ProviderPlugin<Creds>;

export default googleclouddns;
