// The rfc2136 provider: adds and removes single TXT values with TSIG-signed DNS UPDATE (RFC 2136, RFC 8945).
import { AppError, isAppError } from '../../errors.js';
import { timed } from '../../phases.js';
import { builtin } from '../shared.js';
import type { ProviderPlugin, RecordRequest } from '../../plugin-api/index.js';
import { normaliseName } from '../../dns/names.js';
import { addTxtUpdate, deleteTxtUpdate, noopUpdate } from '../../dns/update.js';
import { DnsLookupError, findZone, txtValues } from '../../dns/lookup.js';
import { DnsTimeoutError, formatServer } from '../../dns/transport.js';
import { tsigAlgorithmWireName } from '../../dns/tsig.js';
import { rfc2136Credentials, type Rfc2136Credentials } from './credentials.js';
import { checkUpdateRcode, sendSigned, sendUpdate, serverOf } from './client.js';

export type { Rfc2136Credentials } from './credentials.js';

/** `beforeUpdate`: the query ran before any UPDATE was sent, so whatever went wrong, no record was written. */
function lookupFailure(err: unknown, creds: Rfc2136Credentials, what: string, beforeUpdate = false): AppError {
  const where = formatServer(serverOf(creds));
  if (err instanceof DnsTimeoutError) {
    return new AppError('DNS_TIMEOUT', `rfc2136: no reply from ${where} while ${what}`, { retryable: true, delivery: beforeUpdate ? 'not_sent' : 'maybe', cause: err });
  }
  if (err instanceof DnsLookupError && !err.rcode) {
    return new AppError('DNS_ZONE_NOT_FOUND', `rfc2136: ${where} serves no zone for ${what}`, { details: { server: where }, delivery: 'refused', cause: err });
  }
  return new AppError('DNS_SERVER_ERROR', `rfc2136: ${where} failed while ${what}: ${(err as Error).message}`, {
    retryable: true, delivery: beforeUpdate ? 'not_sent' : 'maybe', details: { server: where }, cause: err,
  });
}

/**
 * Provider setting, then the daemon's zone, then an SOA walk against the name server itself (not a resolver:
 * the zone that matters is the one this server will accept updates for). No CNAME is followed here: the challenge
 * service already followed it before choosing the provider (src/challenges/delegation.ts), so `req.fqdn` is the target.
 */
async function zoneFor(creds: Rfc2136Credentials, req: RecordRequest, signal?: AbortSignal): Promise<string> {
  if (creds.zone) return creds.zone;
  if (req.zone) return normaliseName(req.zone);
  try {
    return await findZone(req.fqdn, serverOf(creds), { recursionDesired: false, timeoutMs: 3000, signal });
  } catch (err) {
    throw lookupFailure(err, creds, `finding the zone of ${normaliseName(req.fqdn)}`, true);
  }
}

export const rfc2136 = {
  metadata: builtin(
    'rfc2136', 'RFC 2136 (DNS UPDATE with TSIG)', 'BIND, Knot, PowerDNS or any server that accepts TSIG-signed dynamic updates',
    'https://www.rfc-editor.org/rfc/rfc2136',
  ),
  credentials: rfc2136Credentials,
  defaults: { propagationTimeout: 120, pollingInterval: 2, ttl: 60 },

  async test(creds, ctx) {
    if (!creds.zone) {
      return { ok: false, message: 'rfc2136: set `zone` to test these credentials (the test is a no-op update in that zone)' };
    }
    try {
      const reply = await sendSigned(creds, creds.zone, noopUpdate(creds.zone), ctx.signal);
      checkUpdateRcode(reply, creds, creds.zone);
      return { ok: true, message: `rfc2136: ${formatServer(serverOf(creds))} accepted the key for ${creds.zone}` };
    } catch (err) {
      if (isAppError(err)) return { ok: false, message: err.message };
      throw err;
    }
  },

  async present(creds, req, ctx) {
    const name = normaliseName(req.fqdn);
    const zone = await zoneFor(creds, req, ctx.signal);
    await sendUpdate(creds, zone, addTxtUpdate(zone, name, req.value, creds.ttl ?? req.ttl), ctx.signal);
    // PowerDNS answers NOERROR for updates its policy silently drops (see PEERS.md): read the value back
    // from the same server before telling the CA to look.
    let values: string[];
    try {
      values = await timed('readback', () => txtValues(name, serverOf(creds), { recursionDesired: false, timeoutMs: 3000, signal: ctx.signal }), 'plugin');
    } catch (err) {
      throw lookupFailure(err, creds, `reading back ${name}`);
    }
    if (!values.includes(req.value)) {
      throw new AppError('DNS_UPDATE_REFUSED', `rfc2136: ${formatServer(serverOf(creds))} accepted the update but does not serve the value at ${name}`, {
        details: { reason: 'NOT_APPLIED', zone, server: formatServer(serverOf(creds)) },
        // PowerDNS's way of denying a name: the server is up and answered.
        delivery: 'refused',
      });
    }
    ctx.log.debug({ zone, name, server: formatServer(serverOf(creds)) }, 'rfc2136 TXT value added');
    return { recordId: null };
  },

  async cleanup(creds, req, ctx) {
    const name = normaliseName(req.fqdn);
    const zone = await zoneFor(creds, req, ctx.signal);
    // Class NONE removes exactly this value (RFC 2136 §2.5.4); an absent value is a successful no-op (§3.4.2.4).
    await sendUpdate(creds, zone, deleteTxtUpdate(zone, name, req.value), ctx.signal);
    ctx.log.debug({ zone, name, server: formatServer(serverOf(creds)) }, 'rfc2136 TXT value removed');
  },

  /**
   * With the provider's `caddy_mode: native`, Caddy's own caddy-dns/rfc2136 (libdns/rfc2136) does the updates: its
   * field names, the algorithm in the wire form miekg/dns spells. Otherwise Caddy sends its challenges here.
   */
  caddyConfig(creds, opts) {
    if (opts.mode !== 'native') return null;
    return {
      name: 'rfc2136',
      key_name: creds.tsig_key_name,
      key_alg: tsigAlgorithmWireName(creds.tsig_algorithm),
      key: creds.tsig_key_secret,
      server: formatServer(serverOf(creds)),
    };
  },
} satisfies ProviderPlugin<Rfc2136Credentials>;

export default rfc2136;
