// Validation and normalisation of challenge names and TXT values; bad input is refused before anything is stored.
import { createHash } from 'node:crypto';
import { AppError } from '../errors.js';
import { CHALLENGE_LABEL, isChallengeName, normaliseName } from '../dns/names.js';

const TXT_VALUE = /^[A-Za-z0-9_-]{43}$/;

const UUID_LABEL = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Lower-cases, drops the trailing dot and checks an `_acme-challenge.<domain>` name (RFC 1035 §2.3.4 limits).
 * With `acmeDnsDomain` (only the acme-dns route passes it) `<uuid>.<acmeDnsDomain>` is accepted as well: the name
 * a client's `_acme-challenge` CNAME points at.
 */
export function normaliseChallengeFqdn(input: unknown, acmeDnsDomain?: string): string {
  if (typeof input !== 'string' || input.length === 0) throw invalid('fqdn is required');
  if (input.length > 254) throw invalid('fqdn is longer than 253 characters');
  const name = normaliseName(input);
  if (name.length > 253) throw invalid('fqdn is longer than 253 characters');
  const labels = name.split('.');
  if (acmeDnsDomain && UUID_LABEL.test(labels[0]!) && labels.slice(1).join('.') === acmeDnsDomain) return name;
  if (labels[0] !== CHALLENGE_LABEL) throw invalid(`fqdn must start with ${CHALLENGE_LABEL}.`);
  if (labels.length < 3) throw invalid('fqdn must name a domain with at least two labels under _acme-challenge');
  if (!isChallengeName(name)) throw invalid('fqdn has an empty, over-long or invalid label (letters, digits, hyphen, underscore; IDNs as xn--)');
  return name;
}

/** The domain being validated: the fqdn without its `_acme-challenge.` label (an acme-dns name is its own domain). */
export function domainOf(fqdn: string): string {
  return fqdn.startsWith(`${CHALLENGE_LABEL}.`) ? fqdn.slice(CHALLENGE_LABEL.length + 1) : fqdn;
}

/** `_acme-challenge.<domain>` for a domain given as lego's RAW mode sends it (maybe `*.` and a trailing dot). */
export function challengeFqdnFor(domain: unknown): string {
  if (typeof domain !== 'string' || domain.length === 0) throw invalid('domain is required');
  return normaliseChallengeFqdn(`${CHALLENGE_LABEL}.${domain.replace(/^\*\./, '')}`);
}

export function checkTxtValue(value: unknown): string {
  if (typeof value !== 'string' || !TXT_VALUE.test(value)) {
    throw invalid('value must be the 43-character base64url digest ACME puts in the TXT record');
  }
  return value;
}

/** The TXT value for a key authorisation: base64url(SHA-256(keyAuth)), RFC 8555 §8.4. */
export function txtValueForKeyAuth(keyAuth: unknown): string {
  if (typeof keyAuth !== 'string' || keyAuth.length === 0 || keyAuth.length > 1024 || !/^[A-Za-z0-9_.-]+$/.test(keyAuth)) {
    throw invalid('keyAuth must be an ACME key authorisation (token.thumbprint)');
  }
  return createHash('sha256').update(keyAuth).digest('base64url');
}

function invalid(message: string): AppError {
  return new AppError('VALIDATION_ERROR', message);
}
