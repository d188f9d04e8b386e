// Lease-based row claims shared by the background jobs: SKIP LOCKED means two replicas never take one row.
import { inArray, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { rowsOf } from '../db/client.js';
import { challenges, type ChallengeRow } from '../db/schema.js';

export interface ClaimOptions {
  where: SQL;
  orderBy?: SQL;
  leaseMs: number;
  limit: number;
}

/** Leases up to `limit` challenges matching `where` (and not leased by anyone) to this replica. */
export async function claimChallenges(database: Database, opts: ClaimOptions): Promise<ChallengeRow[]> {
  const lease = `${Math.max(1, Math.round(opts.leaseMs / 1000))} seconds`;
  const result = await database.db.execute(sql`
    update ${challenges} set claimed_until = now() + ${lease}::interval
    where id in (
      select id from ${challenges}
      where ${opts.where} and (claimed_until is null or claimed_until < now())
      order by ${opts.orderBy ?? sql`created_at`}
      limit ${opts.limit}
      for update skip locked)
    returning id`);
  const ids = rowsOf<{ id: string }>(result).map((r) => r.id);
  if (ids.length === 0) return [];
  return database.db.select().from(challenges).where(inArray(challenges.id, ids));
}
