// Manual provider: no automation; the operator creates the record by hand and the daemon watches DNS for it.
import { z } from 'zod';
import { builtin } from '../builtin.js';
import type { ProviderPlugin } from '../plugin.js';

const credentials = z.object({ instructions: z.string().max(2000).optional().meta({ title: 'Notes shown with each challenge' }) }).strict();

export const manualPlugin = {
  metadata: builtin('manual', 'Manual', 'Shows the record name and value to the operator, who creates it by hand; the daemon only polls DNS.'),
  credentials,
  defaults: { propagationTimeout: 3600, pollingInterval: 30, ttl: 60 },
  async present(_creds, req, ctx) {
    ctx.log.warn({ fqdn: req.fqdn, value: req.value, challenge: req.challengeId }, 'manual provider: create this TXT record by hand');
    return { recordId: null };
  },
  async cleanup(_creds, req, ctx) {
    ctx.log.warn({ fqdn: req.fqdn, value: req.value, challenge: req.challengeId }, 'manual provider: remove this TXT record by hand');
  },
} satisfies ProviderPlugin<z.infer<typeof credentials>>;
