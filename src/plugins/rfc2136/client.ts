// Sends TSIG-signed messages to the configured name server and turns every failure into a documented AppError.
import { AppError, isAppError } from '../../errors.js';
import type { DecodedMessage } from '../../dns/packet.js';
import { noopUpdate } from '../../dns/update.js';
import { TsigError, decodeTsigSecret, parseTsig, signMessage, verifyMessage, type TsigKey } from '../../dns/tsig.js';
import { DnsTimeoutError, exchange, formatServer, provablyNotSent, type DnsServer } from '../../dns/transport.js';
import type { Rfc2136Credentials } from './credentials.js';

export function serverOf(creds: Rfc2136Credentials): DnsServer {
  return { host: creds.nameserver, port: creds.port };
}

export function keyOf(creds: Rfc2136Credentials): TsigKey {
  return { name: creds.tsig_key_name, algorithm: creds.tsig_algorithm, secret: decodeTsigSecret(creds.tsig_key_secret) };
}

function authFailed(reason: string, rcode: string, server: string, zone: string): AppError {
  // Knot answers an update for a zone it does not serve with an unsigned NOTAUTH: that cannot be told
  // apart from a rejected key, so the message names both.
  const why = reason === 'UNSIGNED'
    ? `answered ${rcode} without a TSIG signature: the key was not accepted, or the server does not serve ${zone}`
    : `rejected the TSIG key (${reason})`;
  return new AppError('TSIG_AUTH_FAILED', `rfc2136: ${server} ${why}`, { details: { reason, rcode, server, zone } });
}

/**
 * Signs `message`, sends it, and returns the reply once its TSIG is verified (RFC 8945 §5.3).
 *
 * Unsigned replies: a server that verified our key signs its reply, so an unsigned reply means the key was
 * not accepted. PowerDNS 4.7 answers a wrong secret or an unknown key with an unsigned REFUSED (no TSIG
 * error to read), and an unsigned rcode could be forged by anyone on the path anyway, so every unsigned
 * reply is TSIG_AUTH_FAILED with reason UNSIGNED and the rcode in details. The one exception is SERVFAIL:
 * a struggling server may not get as far as signing, and that is worth retrying, not a credentials problem.
 */
export async function sendSigned(creds: Rfc2136Credentials, zone: string, message: Buffer, signal?: AbortSignal): Promise<DecodedMessage> {
  const server = serverOf(creds);
  const where = formatServer(server);
  const key = keyOf(creds);
  const signed = signMessage(message, key);
  let res;
  try {
    res = await exchange(server, signed.message, { timeoutMs: 3000, retries: 2, signal });
  } catch (err) {
    if (err instanceof DnsTimeoutError) {
      throw new AppError('DNS_TIMEOUT', `rfc2136: no reply from ${where}`, { retryable: true, details: { server: where }, cause: err });
    }
    throw new AppError('DNS_SERVER_ERROR', `rfc2136: cannot reach ${where}: ${(err as Error).message}`, {
      retryable: true, delivery: provablyNotSent(err) ? 'not_sent' : 'maybe', details: { server: where }, cause: err,
    });
  }
  const rcode = res.packet.rcode;
  let tsig;
  try {
    tsig = parseTsig(res.raw);
  } catch {
    throw authFailed('MALFORMED', rcode, where, zone);
  }
  if (!tsig && rcode === 'SERVFAIL') {
    throw new AppError('DNS_SERVER_ERROR', `rfc2136: ${where} answered SERVFAIL`, { retryable: true, details: { rcode, server: where } });
  }
  try {
    verifyMessage(res.raw, key, { requestMac: signed.mac });
  } catch (err) {
    if (err instanceof TsigError) throw authFailed(err.reason, rcode, where, zone);
    throw err;
  }
  return res.packet;
}

/**
 * Maps the rcode of a verified UPDATE reply (RFC 2136 §2.2). Key failures (NOTAUTH with BADSIG/BADKEY/
 * BADTIME, RFC 8945 §5.2) never get here: sendSigned already turned them into TSIG_AUTH_FAILED. A NOTAUTH
 * that is validly signed with our key proves the key is fine; what is left is RFC 2136's meaning, "not
 * authoritative for the zone" (BIND and PowerDNS answer so for a zone they do not serve).
 *
 * REFUSED and the no-such-zone answers are refusals of this one name: the server answered, signed, with the
 * key it accepted, so they do not count toward the provider's circuit breaker. Any other rcode does.
 */
export function checkUpdateRcode(packet: DecodedMessage, creds: Rfc2136Credentials, zone: string): void {
  const where = formatServer(serverOf(creds));
  const rcode = packet.rcode;
  const details = { rcode, server: where, zone };
  switch (rcode) {
    case 'NOERROR':
      return;
    case 'REFUSED':
      throw new AppError('DNS_UPDATE_REFUSED', `rfc2136: ${where} refused the update in ${zone} (REFUSED)`, { details, delivery: 'refused' });
    case 'NOTAUTH':
    case 'NOTZONE':
    case 'NXRRSET':
    case 'NXDOMAIN':
      // NXRRSET answers the no-op's "SOA exists" prerequisite: there is no zone by that name there.
      throw new AppError('DNS_ZONE_NOT_FOUND', `rfc2136: ${where} has no zone ${zone} (${rcode})`, { details, delivery: 'refused' });
    default:
      throw new AppError('DNS_SERVER_ERROR', `rfc2136: ${where} answered ${rcode} for ${zone}`, { retryable: true, details });
  }
}

/**
 * Sends one signed UPDATE and checks its answer. Knot answers an update its ACL denies for this name with NOTAUTH
 * and TSIG error BADKEY, exactly as it answers a key it does not know (PEERS.md). A signed no-op update in the same
 * zone (it changes nothing) tells the two apart: accepted, the key is good and the denial was about this name, a
 * refusal; otherwise the key was rejected, which fails every name alike and counts toward the breaker.
 */
export async function sendUpdate(creds: Rfc2136Credentials, zone: string, message: Buffer, signal?: AbortSignal): Promise<void> {
  let reply: DecodedMessage;
  try {
    reply = await sendSigned(creds, zone, message, signal);
  } catch (err) {
    if (isAppError(err) && err.code === 'TSIG_AUTH_FAILED' && err.details?.reason === 'BADKEY' && (await keyAccepted(creds, zone, signal))) {
      const where = formatServer(serverOf(creds));
      throw new AppError('DNS_UPDATE_REFUSED', `rfc2136: ${where} refused the update in ${zone} (NOTAUTH, BADKEY; it accepts the key for the zone itself)`, {
        delivery: 'refused',
        details: { rcode: err.details.rcode, reason: 'DENIED', server: where, zone },
      });
    }
    throw err;
  }
  checkUpdateRcode(reply, creds, zone);
}

async function keyAccepted(creds: Rfc2136Credentials, zone: string, signal?: AbortSignal): Promise<boolean> {
  try {
    return (await sendSigned(creds, zone, noopUpdate(zone), signal)).rcode === 'NOERROR';
  } catch {
    return false;
  }
}
