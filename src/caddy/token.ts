// The Caddy sync's own client token (docs/api.md, "Caddy's own client token"): minted, scoped to the sites' names and
// rotated by the daemon, so Caddy never needs the shared internal token.
import { createHmac, randomUUID } from 'node:crypto';
import { NO_AUDIT, type AuditSink } from '../audit/writer.js';
import { TOKEN_PREFIX, tokenHash, type ClientTokenInput, type ClientTokenStore } from '../clients/tokens.js';
import type { ClientTokenRow } from '../db/schema.js';
import { MANAGED_BY_CADDY_SYNC } from '../providers/managed.js';
import type { AcmeproxyScope } from './types.js';

/** A new token after this long. */
export const ROTATE_AFTER_MS = 30 * 86_400_000;

export interface CaddyTokenOptions {
  /** The derivation key: the admin token, which every replica shares and which may mint any token already. */
  key: string;
  /** How long a superseded token stays valid, so every replica's Caddy is given the new one first. */
  graceMs: number;
  now?: () => number;
  /** A mint is recorded as `client_token.create` by the daemon. */
  audit?: AuditSink;
}

const sorted = (xs: readonly string[]) => [...new Set(xs)].sort();
const same = (a: readonly string[] | null, b: readonly string[]) => a !== null && sorted(a).join('\n') === sorted(b).join('\n');

/**
 * Keeps one live token for Caddy. Only its SHA-256 is stored, like every client token's; the token itself is an HMAC of the
 * row's id under the admin token, so every replica can write it into its Caddy again and nothing readable is kept at rest.
 */
export class CaddyToken {
  private readonly now: () => number;
  /** Every token of a live row, for scrubbing Caddy's error texts (src/caddy/admin-client.ts). */
  private known: string[] = [];

  constructor(private readonly tokens: ClientTokenStore, private readonly o: CaddyTokenOptions) {
    this.now = o.now ?? Date.now;
  }

  private secretFor(id: string): string {
    return TOKEN_PREFIX + createHmac('sha256', this.o.key).update(`dns01-proxy caddy-sync ${id}`).digest('base64url');
  }

  secrets(): string[] {
    return [...this.known];
  }

  /** Caddy's live tokens, newest first (an expiring one is still live until its expiry). */
  async live(): Promise<ClientTokenRow[]> {
    const now = this.now();
    return (await this.tokens.list())
      .filter((r) => r.managedBy === MANAGED_BY_CADDY_SYNC && r.revokedAt === null && (r.expiresAt === null || r.expiresAt.getTime() > now))
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1));
  }

  /**
   * "Rotate now": every live token not yet expiring gets its expiry `graceMs` ahead, so the next `ensure` mints a new one.
   * The retired ones keep working until then, long enough for every replica's Caddy to be given the new one.
   */
  async retire(): Promise<ClientTokenRow[]> {
    const until = new Date(this.now() + this.o.graceMs);
    const retired = (await this.live()).filter((r) => r.expiresAt === null);
    for (const r of retired) await this.tokens.expire(r.id, until);
    return retired.map((r) => ({ ...r, expiresAt: until }));
  }

  /**
   * The token Caddy's acmeproxy policies carry for `scope`: the newest live row whose token this daemon can derive and
   * which is younger than ROTATE_AFTER_MS, its scope brought up to date; otherwise a new row. Every other live row is
   * given an expiry `graceMs` ahead. Null when there is nothing to scope and no token yet.
   */
  async ensure(scope: AcmeproxyScope): Promise<string | null> {
    const now = this.now();
    const live = await this.live();
    const usable = (r: ClientTokenRow) => r.expiresAt === null && now - r.createdAt.getTime() < ROTATE_AFTER_MS && tokenHash(this.secretFor(r.id)) === r.tokenHash;
    let row = live.find(usable);
    if (!row && scope.domains.length === 0) return null;
    const input = (name: string): ClientTokenInput =>
      ({ name, allowedDomains: scope.domains, allowedCidrs: null, providerIds: scope.providerIds, expiresAt: null });
    if (!row) {
      const id = randomUUID();
      row = await this.tokens.insertKept(id, input(`caddy-sync-${id.slice(0, 8)}`), tokenHash(this.secretFor(id)), MANAGED_BY_CADDY_SYNC);
      (this.o.audit ?? NO_AUDIT).record({
        action: 'client_token.create', category: 'client_token', resourceType: 'client_token', resourceId: row.id, outcome: 'success', actor: 'daemon',
        details: { name: row.name, managed_by: MANAGED_BY_CADDY_SYNC, allowed_domains: row.allowedDomains, providers: row.providerIds, replaces: live.map((r) => r.id) },
      });
    } else if (!same(row.allowedDomains, scope.domains) || !same(row.providerIds, scope.providerIds)) {
      row = await this.tokens.declare(input(row.name), row.tokenHash, MANAGED_BY_CADDY_SYNC, row.id);
    }
    for (const old of live) {
      if (old.id === row.id || old.expiresAt !== null) continue;
      await this.tokens.expire(old.id, new Date(now + this.o.graceMs));
    }
    this.known = [...new Set([row, ...live].map((r) => this.secretFor(r.id)))];
    return this.secretFor(row.id);
  }
}
