// Who called the internal API and what it may touch: every shared-token and client-token decision is made here.
import { NO_AUDIT, type AuditSink } from '../audit/writer.js';
import { AppError, isAppError, type ErrorCode } from '../errors.js';
import { domainOf } from '../challenges/names.js';
import { allowedFrom } from '../security/cidr.js';
import { sameSecret } from '../security/compare.js';
import { covers, normaliseName } from '../dns/names.js';
import type { ClientTokenRow } from '../db/schema.js';
import { TOKEN_PREFIX, type ClientTokenStore } from './tokens.js';

export type Caller =
  | { kind: 'shared' }
  | { kind: 'client'; id: string; name: string; domains: string[]; providers: string[] | null; api: ClientApi };

/** The door a client token came through, as the audit log names it. */
export type ClientApi = 'internal' | 'acme-dns' | 'dns';

export interface ClientAccessOptions {
  sharedToken: string;
  /** DNS01_INTERNAL_TOKEN_ENABLED: false refuses the shared token, leaving client tokens only. */
  sharedTokenEnabled: boolean;
  /** Every refusal is recorded here (rate-limited per source address, so a flood of bad tokens cannot fill the table). */
  audit?: AuditSink;
}

/**
 * Whether a client token's domain list covers a challenge name. `example.com` covers `_acme-challenge.example.com`
 * only (the name a certificate for example.com or *.example.com is validated at); `*.example.com` covers that name
 * and every name below it, at any depth. The same rule the sites use to choose a provider (sites/chooser.ts).
 */
export function domainAllowed(patterns: readonly string[], fqdn: string): boolean {
  const domain = domainOf(normaliseName(fqdn));
  return patterns.some((p) => covers(p, domain));
}

export class ClientAccess {
  constructor(private readonly tokens: ClientTokenStore, private readonly opts: ClientAccessOptions) {}

  /** The one place a token is refused: the error the caller gets, and the audit event naming the rule. */
  private refuse(code: ErrorCode, message: string, caller?: Caller, api: ClientApi = 'internal'): AppError {
    const client = caller?.kind === 'client' ? caller : undefined;
    (this.opts.audit ?? NO_AUDIT).recordLimited({
      action: client ? 'client_token.refused' : 'auth.failed', category: 'auth', outcome: 'denied',
      ...(client ? { resourceType: 'client_token', resourceId: client.id } : {}),
      details: { api: client?.api ?? api, code, ...(client ? { client_name: client.name } : {}) },
    });
    return new AppError(code, message, client ? { details: { client_token: client.name } } : {});
  }

  /** The caller a presented secret stands for, seen from `peer` (the request's source address, http/peer.ts); throws 401/403 otherwise. */
  async authenticate(secret: string, peer: string, api: ClientApi = 'internal'): Promise<Caller> {
    if (sameSecret(secret, this.opts.sharedToken)) {
      if (!this.opts.sharedTokenEnabled) {
        throw this.refuse('SHARED_TOKEN_DISABLED', 'the shared internal token is switched off (DNS01_INTERNAL_TOKEN_ENABLED=false); use a client token', undefined, api);
      }
      return { kind: 'shared' };
    }
    const row = secret.startsWith(TOKEN_PREFIX) ? await this.tokens.byToken(secret) : null;
    if (!row) throw this.refuse('FORBIDDEN', 'invalid credentials', undefined, api);
    return this.admit(row, peer, api);
  }

  /**
   * The client token an acme-dns account was registered with, checked as if it had been presented now: an update
   * of that account is refused once the token is revoked, expired or outside its networks (gone: as revoked).
   */
  async admitById(id: string, peer: string, api: ClientApi): Promise<Caller> {
    const row = await this.tokens.get(id).catch((err: unknown) => {
      if (isAppError(err) && err.code === 'NOT_FOUND') return null;
      throw err;
    });
    if (!row) throw this.refuse('CLIENT_TOKEN_REVOKED', 'the client token this account was registered with no longer exists', undefined, api);
    return this.admit(row, peer, api);
  }

  private admit(row: ClientTokenRow, peer: string, api: ClientApi): Caller {
    const caller: Caller = { kind: 'client', id: row.id, name: row.name, domains: row.allowedDomains, providers: row.providerIds, api };
    if (row.revokedAt) throw this.refuse('CLIENT_TOKEN_REVOKED', 'this client token was revoked', caller);
    if (row.expiresAt && row.expiresAt.getTime() <= Date.now()) throw this.refuse('CLIENT_TOKEN_EXPIRED', 'this client token has expired', caller);
    if (!allowedFrom(row.allowedCidrs, peer)) {
      throw this.refuse('CLIENT_NETWORK_NOT_ALLOWED', `requests with this client token may not come from ${peer || 'an unknown address'}`, caller);
    }
    return caller;
  }

  /** True when the caller's provider list matters, so the route must know which provider a name goes through. */
  limitsProviders(caller: Caller): boolean {
    return caller.kind === 'client' && caller.providers !== null;
  }

  /** Throws 403 unless the caller may present, read or clean up `fqdn`. Called before anything is written. */
  permitName(caller: Caller, fqdn: string): void {
    if (caller.kind === 'client' && !domainAllowed(caller.domains, fqdn)) {
      throw this.refuse('CLIENT_DOMAIN_NOT_ALLOWED', `this client token may not touch that name; it covers ${caller.domains.join(', ')}`, caller);
    }
  }

  /** Throws 403 unless the caller may write through `providerId`. Called before anything is written. */
  permitProvider(caller: Caller, providerId: string): void {
    if (caller.kind === 'client' && caller.providers !== null && !caller.providers.includes(providerId)) {
      const shown = /^[\w.-]{1,64}$/.test(providerId) ? providerId : '(unprintable)';
      throw this.refuse('CLIENT_PROVIDER_NOT_ALLOWED', `this client token may not write through provider ${shown}`, caller);
    }
  }
}
