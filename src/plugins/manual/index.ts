// Manual provider: no automation; the operator creates the record by hand (API or /ui page) and the daemon watches DNS for it.
import { z } from 'zod';
import { builtin, numeric } from '../shared.js';
import type { ProviderPlugin } from '../../plugin-api/index.js';

const wholeNumber = (min: number, max: number, fallback: number, title: string) =>
  numeric(z.number().int().min(min).max(max)).prefault(fallback).meta({ title });

const credentials = z
  .object({
    instructions: z.string().max(2000).optional().meta({ title: 'Notes shown with each challenge', textarea: true }),
    timeout_minutes: wholeNumber(1, 1440, 10, 'Minutes the operator has to create the record'),
    polling_interval_seconds: wholeNumber(5, 3600, 30, 'Seconds between DNS checks'),
  })
  .strict();

export const manualPlugin = {
  metadata: builtin('manual', 'Manual', 'Shows the record name and value to the operator (API and /ui page), who creates it by hand; the daemon polls DNS.'),
  credentials,
  defaults: { propagationTimeout: 600, pollingInterval: 30, ttl: 60 },
  timing: (creds) => ({ lifetime: creds.timeout_minutes * 60, pollingInterval: creds.polling_interval_seconds }),
  async present(_creds, req, ctx) {
    ctx.log.info({ fqdn: req.fqdn, challenge: req.challengeId }, 'manual challenge waiting for its record: see /ui/challenges');
    return { recordId: null };
  },
  async cleanup(_creds, req, ctx) {
    ctx.log.warn({ fqdn: req.fqdn, value: req.value, challenge: req.challengeId }, 'manual provider: remove this TXT record by hand');
  },
} satisfies ProviderPlugin<z.infer<typeof credentials>>;

export default manualPlugin;
