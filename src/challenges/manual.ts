// Manual challenges: what an operator creating records by hand sees and does (list, status, verify now, cancel).
import { and, asc, eq, gt, inArray } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { ACTIVE_STATUSES, challenges, dnsProviders, type ChallengeRow, type DnsProviderRow } from '../db/schema.js';
import type { PropagationResult } from '../dns/propagation.js';
import { AppError } from '../errors.js';
import { manualPlugin } from '../plugins/manual/index.js';
import type { ProviderStore } from '../providers/store.js';
import { recordTtl } from '../providers/timing.js';
import type { PropagationChecker } from './propagation.js';
import type { ChallengeService } from './service.js';

export interface ManualChallenge {
  row: ChallengeRow;
  provider: DnsProviderRow;
  ttl: number;
  instructions: string | undefined;
}

export interface VerifyOutcome {
  found: boolean;
  challenge: ManualChallenge;
  /** What each authoritative server said; absent when the check itself failed. */
  result?: PropagationResult;
  /** Why the check could not be made (no zone found, no server answered). */
  error?: string;
}

/** Past its expires_at, whether or not the janitor has got to it yet. */
export function isExpired(row: ChallengeRow, now = Date.now()): boolean {
  return row.status === 'EXPIRED' || (ACTIVE_STATUSES.includes(row.status) && row.expiresAt.getTime() <= now);
}

export function remainingMs(row: ChallengeRow, now = Date.now()): number {
  return ACTIVE_STATUSES.includes(row.status) ? Math.max(0, row.expiresAt.getTime() - now) : 0;
}

function expiredError(row: ChallengeRow): AppError {
  const minutes = Math.round((row.expiresAt.getTime() - row.createdAt.getTime()) / 60_000);
  return new AppError('CHALLENGE_EXPIRED', `challenge timed out after ${minutes} minutes`, {
    details: { challenge_id: row.id, expired_at: row.expiresAt.toISOString() },
  });
}

export class ManualChallenges {
  constructor(
    private readonly database: Database,
    private readonly providers: ProviderStore,
    private readonly service: ChallengeService,
    private readonly checker: PropagationChecker,
  ) {}

  /** Active, unexpired challenges of every manual provider, the soonest to expire first. */
  async pending(): Promise<ManualChallenge[]> {
    const rows = await this.database.db
      .select({ row: challenges, provider: dnsProviders })
      .from(challenges)
      .innerJoin(dnsProviders, eq(challenges.providerId, dnsProviders.id))
      .where(and(eq(dnsProviders.providerType, manualPlugin.metadata.type), inArray(challenges.status, [...ACTIVE_STATUSES]), gt(challenges.expiresAt, new Date())))
      .orderBy(asc(challenges.expiresAt));
    return Promise.all(rows.map((r) => this.describe(r.row, r.provider)));
  }

  /** A challenge of a manual provider (of `providerId` when the path names one), expired or not. */
  async get(id: string, providerId?: string): Promise<ManualChallenge> {
    const provider = providerId === undefined ? undefined : await this.providers.get(providerId);
    const row = await this.service.get(id);
    const owner = provider ?? (await this.providers.get(row.providerId));
    if (row.providerId !== owner.id || owner.providerType !== manualPlugin.metadata.type) {
      throw new AppError('CHALLENGE_NOT_FOUND', 'no manual challenge with that id for this provider');
    }
    return this.describe(row, owner);
  }

  /** As get, but 410 CHALLENGE_EXPIRED once the challenge has timed out. */
  async live(id: string, providerId?: string): Promise<ManualChallenge> {
    const found = await this.get(id, providerId);
    if (isExpired(found.row)) throw expiredError(found.row);
    return found;
  }

  /** Asks every authoritative server now; a value they all serve moves the challenge to VERIFYING. */
  async verify(id: string, providerId?: string): Promise<VerifyOutcome> {
    const found = await this.live(id, providerId);
    const { row, provider } = found;
    if (row.status === 'VERIFYING' || row.status === 'VERIFIED') return { found: true, challenge: found };
    if (!ACTIVE_STATUSES.includes(row.status)) {
      throw new AppError('CONFLICT', `the challenge is finished (${row.status.toLowerCase()}); nothing to verify`);
    }
    try {
      const checked = await this.checker.checkNow(row, provider.name);
      return { found: checked.result.visible, challenge: { ...found, row: checked.row }, result: checked.result };
    } catch (err) {
      return { found: false, challenge: await this.get(id, providerId), error: (err as Error).message };
    }
  }

  /** Cancels: the row becomes DELETED (VERIFIED when the value had been seen). The record is the operator's to remove. */
  async cancel(id: string, providerId?: string): Promise<ManualChallenge> {
    const found = await this.live(id, providerId);
    return { ...found, row: await this.service.remove(found.row.id) };
  }

  private async describe(row: ChallengeRow, provider: DnsProviderRow): Promise<ManualChallenge> {
    let instructions: string | undefined;
    try {
      instructions = ((await this.providers.runtime(provider)).credentials as { instructions?: string }).instructions;
    } catch {
      // Unreadable credentials hide only the operator's notes, never the record to create.
    }
    return { row, provider, ttl: recordTtl(manualPlugin, provider.settings), instructions };
  }
}
