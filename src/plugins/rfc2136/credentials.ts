// Credential schema of the rfc2136 provider (DNS UPDATE with a TSIG key).
import { isIP } from 'node:net';
import { z } from 'zod';
import { isDnsName, normaliseName } from '../../dns/names.js';
import { TSIG_ALGORITHMS, isBase64Secret, normaliseTsigAlgorithm, type TsigAlgorithm } from '../../dns/tsig.js';

const domainName = z.string().trim().min(1).transform((s) => normaliseName(s))
  .refine((s) => s === '' || isDnsName(s), 'must be a domain name');

export const rfc2136Credentials = z.object({
  nameserver: z.string().trim().min(1)
    .transform((s) => s.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, ''))
    .refine((s) => isIP(s) !== 0 || isDnsName(s.toLowerCase()), 'must be a host name or an IP address (port goes in `port`)')
    .meta({ title: 'Primary name server', description: 'Host name or IP address that accepts DNS UPDATE' }),
  port: z.coerce.number().int().min(1).max(65535).default(53).meta({ title: 'Port' }),
  tsig_key_name: domainName.meta({ title: 'TSIG key name' }),
  // The message is fixed text: the secret itself must never appear in an error or a log line.
  tsig_key_secret: z.string().refine(isBase64Secret, 'must be base64, as in a BIND/Knot key file').meta({ title: 'TSIG secret', secret: true, description: 'base64, as in the server key file' }),
  tsig_algorithm: z.string().default('hmac-sha256').transform((s, ctx): TsigAlgorithm => {
    const alg = normaliseTsigAlgorithm(s);
    if (alg) return alg;
    ctx.addIssue({ code: 'custom', message: `must be one of ${TSIG_ALGORITHMS.join(', ')}` });
    return z.NEVER;
  }).meta({ title: 'TSIG algorithm', enum: [...TSIG_ALGORITHMS] }),
  zone: z.preprocess((v) => (v === '' || v === null ? undefined : v), domainName.optional()).meta({ title: 'Zone', description: 'Found by SOA lookup against the name server when empty' }),
  ttl: z.coerce.number().int().min(0).max(86400).optional().meta({ title: 'TXT TTL (seconds)' }),
});

export type Rfc2136Credentials = z.output<typeof rfc2136Credentials>;
