// DNS names: the one normal form, the checks for names of each use, and whether a pattern (`zone` or `*.zone`) covers a name.

/** Longest name in presentation form without the root's trailing dot, and longest label (RFC 1035 §2.3.4). */
const MAX_NAME = 253;

/**
 * A label of a DNS name as stored or queried: `_` is allowed, since DNS itself takes any label (RFC 2181 §11) and
 * the names this daemon handles carry underscore labels (`_acme-challenge`, `_sub` zones, TSIG key names such as
 * `tsig_key`). IDNs arrive as their `xn--` form; anything outside a-z, 0-9, `-` and `_` is refused.
 */
const DNS_LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/**
 * A label of a host name (RFC 1123 §2.1, letters, digits and hyphen): no `_`, since these names are certificate
 * subjects and names served to clients (sites, the acme-dns domain), which a CA refuses with an underscore.
 */
const HOST_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export const CHALLENGE_LABEL = '_acme-challenge';

/**
 * Lower case, without the one trailing dot that makes a name absolute: DNS names compare case-insensitively
 * (RFC 4343) and `a.com.` is `a.com`. Nothing else changes, so blanks, `..` or a second trailing dot still fail the
 * checks below; callers that take operator input trim it first.
 */
export function normaliseName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

function labelsPass(name: string, label: RegExp, minLabels: number): boolean {
  if (name.length === 0 || name.length > MAX_NAME) return false;
  const labels = name.split('.');
  return labels.length >= minLabels && labels.every((l) => label.test(l));
}

/** A normalised DNS name (see DNS_LABEL: underscores allowed), at most 253 characters. */
export function isDnsName(name: string, minLabels = 1): boolean {
  return labelsPass(name, DNS_LABEL, minLabels);
}

/** A normalised host name (see HOST_LABEL: letters, digits, hyphen), at most 253 characters. */
export function isHostname(name: string, minLabels = 1): boolean {
  return labelsPass(name, HOST_LABEL, minLabels);
}

/** A normalised `_acme-challenge.<domain>` name whose domain has at least two labels. */
export function isChallengeName(name: string): boolean {
  return name.startsWith(`${CHALLENGE_LABEL}.`) && isDnsName(name, 3);
}

/** `name` is `zone` or below it (both normalised); the root ('') holds every name. */
export function isAtOrBelow(name: string, zone: string): boolean {
  return zone === '' || name === zone || name.endsWith(`.${zone}`);
}

/** coverage() of an exact name: above any wildcard's depth (a name has at most 127 labels). */
export const EXACT = 1000;

/**
 * How specifically `pattern` (a name or `*.zone`, any case, maybe with a trailing dot) covers the normalised
 * `name`: -1 when it does not, EXACT for the name itself, else the wildcard's depth (labels of its zone), so a deeper
 * wildcard beats a shallower one. A wildcard
 * covers its zone itself and every name below it at any depth: one certificate for `*.example.com` and
 * `example.com` puts both challenges at `_acme-challenge.example.com`.
 */
export function coverage(pattern: string, name: string): number {
  const p = normaliseName(pattern);
  if (p === name) return EXACT;
  if (!p.startsWith('*.')) return -1;
  const zone = p.slice(2);
  return zone !== '' && isAtOrBelow(name, zone) ? zone.split('.').length : -1;
}

/** `pattern` covers `name` (see coverage). */
export function covers(pattern: string, name: string): boolean {
  return coverage(pattern, name) >= 0;
}
