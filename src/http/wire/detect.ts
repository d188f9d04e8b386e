// Provider auto-detection on the wire: what the zone's nameservers say, and a configured provider of that type.
import { z } from 'zod';
import type { Detection } from '../../detect/detector.js';
import type { DnsProviderRow } from '../../db/schema.js';
import { success } from './common.js';

export const detectReplySchema = z.strictObject({
  success,
  domain: z.string(),
  zone: z.string(),
  detected: z.boolean(),
  provider_type: z.string().nullable(),
  nameservers: z.array(z.string()),
  confidence: z.enum(['high', 'medium', 'low', 'none']),
  suggested_provider: z.strictObject({ id: z.uuid(), name: z.string(), provider_type: z.string() }).nullable(),
});

export function detectReply(d: Detection, suggested: DnsProviderRow | null): z.infer<typeof detectReplySchema> {
  return {
    success: true,
    domain: d.domain,
    zone: d.zone,
    detected: d.detected,
    provider_type: d.providerType,
    nameservers: d.nameservers,
    confidence: d.confidence,
    suggested_provider: suggested ? { id: suggested.id, name: suggested.name, provider_type: suggested.providerType } : null,
  };
}
