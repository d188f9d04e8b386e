// Pure: providers + sites + settings -> the `apps.tls.automation.policies` entries this daemon owns in Caddy.
import type { AnyProviderPlugin } from '../plugin-api/index.js';
import { normaliseName } from '../dns/names.js';
import { chooseCredential } from '../providers/zone-match.js';
import { canonicalJson } from './canonical.js';
import { dnsModuleFor, type DnsModuleResult } from './dns-module.js';
import {
  POLICY_ID_PREFIX,
  type AcmeproxyScope,
  type BuildResult,
  type BuilderInput,
  type BuilderProvider,
  type BuilderCredential,
  type BuilderSettings,
  type CaddyPolicy,
  type PolicyOwner,
  type SkippedProvider,
  type SubjectConflict,
} from './types.js';

export const LETSENCRYPT_PRODUCTION = 'https://acme-v02.api.letsencrypt.org/directory';
export const LETSENCRYPT_STAGING = 'https://acme-staging-v02.api.letsencrypt.org/directory';

/** Code-point order, not locale order: the output must not depend on the machine's ICU data. */
const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function policyId(providerId: string): string {
  return `${POLICY_ID_PREFIX}${providerId}`;
}

/**
 * Seconds as a Go duration string. Caddy reads a bare JSON integer as nanoseconds, so 120 would
 * mean 120 ns. Negative means "no propagation check" to certmagic; -1 (ns) is how Caddy spells it.
 */
export function goDuration(seconds: number): string | number {
  if (seconds < 0) return -1;
  const s = Math.round(seconds);
  if (s % 3600 === 0) return `${s / 3600}h`;
  if (s % 60 === 0) return `${s / 60}m`;
  return `${s}s`;
}

/** Lower-case, no trailing dot, no blanks: Caddy matches subjects case-insensitively but compares strings. */
function normaliseSubject(name: string): string {
  return normaliseName(name.trim());
}

function issuersFor(provider: BuilderProvider, dnsModule: Record<string, unknown>, s: BuilderSettings): Record<string, unknown>[] {
  const dns: Record<string, unknown> = { provider: dnsModule };
  if (provider.propagationTimeout !== 0) dns.propagation_timeout = goDuration(provider.propagationTimeout);
  if (provider.resolvers && provider.resolvers.length > 0) dns.resolvers = [...provider.resolvers];
  // Only DNS-01: these names may not resolve to this Caddy at all (internal hosts, wildcards).
  const challenges = { http: { disabled: true }, 'tls-alpn': { disabled: true }, dns };
  const email = s.acmeEmail ? { email: s.acmeEmail } : {};

  const acme: Record<string, unknown> = {
    module: 'acme',
    ca: s.acmeCa ?? (s.acmeStaging ? LETSENCRYPT_STAGING : LETSENCRYPT_PRODUCTION),
    ...email,
    challenges,
  };
  if (s.acmeTrustedRootsPemFiles && s.acmeTrustedRootsPemFiles.length > 0) {
    acme.trusted_roots_pem_files = [...s.acmeTrustedRootsPemFiles];
  }
  // ZeroSSL's issuer embeds the acme issuer's fields; it has no staging CA of its own.
  const zerossl = { module: 'zerossl', ...email, challenges };
  switch (s.acmeIssuer) {
    case 'letsencrypt':
      return [acme];
    case 'zerossl':
      return [zerossl];
    case 'both':
      // Caddy tries issuers in order: Let's Encrypt first, ZeroSSL when it fails (Caddy's own default order).
      return [acme, zerossl];
  }
}

/** Oldest first, then by id: the order the daemon breaks ties between zone-specific credentials in. */
const byAge = (a: BuilderCredential, b: BuilderCredential) => byString(a.createdAt, b.createdAt) || byString(a.id, b.id);

/**
 * Policies for one provider: one, or with zone-specific credentials of a Caddy-native type one per credential
 * (docs/api.md#zone-specific-credentials), each with the names that credential is chosen for as subjects, oldest credential first. A
 * proxied type keeps one policy: the daemon chooses the credential per challenge. Names no credential covers, and
 * credentials that do not give a module, are reported in `skipped`.
 */
function policiesForProvider(
  provider: BuilderProvider,
  dns: Extract<DnsModuleResult, { ok: true }>,
  subjects: string[],
  input: BuilderInput,
  skipped: SkippedProvider[],
): CaddyPolicy[] {
  if (!provider.credentialSets || dns.proxied) return [{ '@id': policyId(provider.id), subjects, issuers: issuersFor(provider, dns.module, input.settings) }];
  const sets = [...provider.credentialSets].sort(byAge);
  const byCredential = new Map<string, string[]>();
  const uncovered: string[] = [];
  for (const subject of subjects) {
    const chosen = chooseCredential(sets, subject);
    if (!chosen) uncovered.push(subject);
    else byCredential.set(chosen.id, [...(byCredential.get(chosen.id) ?? []), subject]);
  }
  const skip = (reason: SkippedProvider['reason'], message: string, label?: string) =>
    skipped.push({ providerId: provider.id, name: label ? `${provider.name} / ${label}` : provider.name, type: provider.type, reason, message });
  if (uncovered.length > 0) skip('no_matching_credential', `no enabled credential covers ${uncovered.join(', ')}`);
  const plugin: AnyProviderPlugin | undefined = input.plugins[provider.type];
  const policies: CaddyPolicy[] = [];
  for (const cred of sets) {
    const names = byCredential.get(cred.id);
    if (!names) continue;
    const res = dnsModuleFor({ ...provider, credentials: cred.credentials, credentialsUnreadable: cred.credentials === null }, plugin, input.settings);
    if (!res.ok) {
      skip(res.reason, `credential ${cred.id}: ${res.message}`, cred.label);
      continue;
    }
    policies.push({ '@id': `${policyId(provider.id)}-${cred.id}`, subjects: names, issuers: issuersFor({ ...provider, propagationTimeout: cred.propagationTimeout }, res.module, input.settings) });
  }
  return policies;
}

export function buildTlsPolicies(input: BuilderInput): BuildResult {
  const skipped: SkippedProvider[] = [];
  const providers = input.providers.filter((p) => p.enabled).sort((a, b) => byString(a.id, b.id));

  // 1. Which providers can be written at all.
  const usable = new Map<string, { provider: BuilderProvider; dns: Extract<DnsModuleResult, { ok: true }> }>();
  for (const provider of providers) {
    const res = dnsModuleFor(provider, input.plugins[provider.type], input.settings);
    if (res.ok) usable.set(provider.id, { provider, dns: res });
    else skipped.push({ providerId: provider.id, name: provider.name, type: provider.type, reason: res.reason, message: res.message });
  }

  // 2. Which names each provider serves; a name claimed twice goes to the first usable provider by id.
  const claims = new Map<string, Set<string>>();
  for (const site of input.sites) {
    if (!site.enabled || !usable.has(site.providerId)) continue;
    for (const raw of site.domainNames) {
      const subject = normaliseSubject(raw);
      if (!subject) continue;
      let set = claims.get(subject);
      if (!set) claims.set(subject, (set = new Set()));
      set.add(site.providerId);
    }
  }
  const subjectsByProvider = new Map<string, string[]>();
  const conflicts: SubjectConflict[] = [];
  for (const subject of [...claims.keys()].sort(byString)) {
    const ids = [...claims.get(subject)!].sort(byString);
    const chosen = ids[0]!;
    if (ids.length > 1) conflicts.push({ subject, providerIds: ids, chosen });
    const list = subjectsByProvider.get(chosen) ?? [];
    list.push(subject);
    subjectsByProvider.set(chosen, list);
  }

  // 3. Policies, in provider-id order. A provider with no names gets no policy: a policy without
  // `subjects` is Caddy's catch-all and would take over every other name in the config.
  const policies: CaddyPolicy[] = [];
  const owners: Record<string, PolicyOwner> = {};
  const acmeproxy: AcmeproxyScope = { domains: [], providerIds: [] };
  for (const { provider, dns } of usable.values()) {
    const subjects = subjectsByProvider.get(provider.id);
    if (!subjects || subjects.length === 0) continue;
    if (dns.proxied) {
      acmeproxy.providerIds.push(provider.id);
      acmeproxy.domains.push(...subjects);
    }
    for (const p of policiesForProvider(provider, dns, subjects, input, skipped)) {
      policies.push(p);
      owners[p['@id']] = { providerId: provider.id, name: provider.name };
    }
  }
  acmeproxy.domains.sort(byString);
  return { policies, skipped, conflicts, owners, acmeproxy };
}

/** The owned policies as stable JSON: same input in any order gives the same bytes. */
export function buildCaddyConfigJson(input: BuilderInput, indent = 2): string {
  return canonicalJson(buildTlsPolicies(input).policies, indent);
}
