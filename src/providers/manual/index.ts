// Manual provider: no automation; the operator creates the record by hand and the daemon watches DNS for it.
import { z } from 'zod';
import type { ProviderPlugin } from '../plugin.js';

const credentials = z.object({ instructions: z.string().max(2000).optional() }).strict();

export const manualPlugin = {
  type: 'manual',
  metadata: {
    displayName: 'Manual',
    description: 'Shows the record name and value to the operator, who creates it by hand; the daemon only polls DNS.',
    proxied: true,
  },
  fields: [{ name: 'instructions', label: 'Notes shown with each challenge', type: 'string', required: false }],
  credentials,
  defaults: { propagationTimeout: 3600, pollingInterval: 30, ttl: 60 },
  async present(_creds, req, ctx) {
    ctx.log.warn({ fqdn: req.fqdn, value: req.value, challenge: req.challengeId }, 'manual provider: create this TXT record by hand');
    return { recordId: null };
  },
  async cleanup(_creds, req, ctx) {
    ctx.log.warn({ fqdn: req.fqdn, value: req.value, challenge: req.challengeId }, 'manual provider: remove this TXT record by hand');
  },
  caddyConfig: () => null,
} satisfies ProviderPlugin<z.infer<typeof credentials>>;
