// The challenge path's statements, built once: drizzle builds a statement's SQL on every call otherwise, a large share of a pair's CPU.
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { ACTIVE_STATUSES, challenges } from '../db/schema.js';
import { START } from './lifecycle.js';

const p = (name: string) => sql.placeholder(name);

export function challengeStatements(db: Db) {
  const sameChallenge = and(eq(challenges.providerId, p('providerId')), eq(challenges.fqdn, p('fqdn')), eq(challenges.value, p('value')));
  const holding = and(eq(challenges.fqdn, p('fqdn')), eq(challenges.value, p('value')), inArray(challenges.recordState, ['present', 'unknown']));
  return {
    /** The new row (in the lifecycle's START), or nothing when an identical challenge is active (the partial unique index challenges_active_key). */
    insert: db.insert(challenges)
      .values({
        providerId: p('providerId'), credentialId: p('credentialId'), fqdn: p('fqdn'), delegatedFrom: p('delegatedFrom'), zone: p('zone'), value: p('value'),
        ...START, expiresAt: p('expiresAt'),
      })
      .onConflictDoNothing({ target: [challenges.providerId, challenges.fqdn, challenges.value], where: sql`status in ('CREATED', 'PENDING', 'VERIFYING')` })
      .returning()
      .prepare('challenge_insert'),
    active: db.select().from(challenges).where(and(sameChallenge, inArray(challenges.status, [...ACTIVE_STATUSES]))).prepare('challenge_active'),
    byId: db.select().from(challenges).where(eq(challenges.id, p('id'))).prepare('challenge_by_id'),
    /** Rows whose record may exist at this name with this value, through any provider or through one. */
    holding: db.select().from(challenges).where(holding).prepare('challenge_holding'),
    holdingOf: db.select().from(challenges).where(and(holding, eq(challenges.providerId, p('providerId')))).prepare('challenge_holding_of'),
  };
}
