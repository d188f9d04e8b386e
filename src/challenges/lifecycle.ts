// The challenge lifecycle table: every change of a challenge's status, and the WHERE guard each such UPDATE carries.
import { and, eq, inArray, type Placeholder, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { challenges, type ChallengeRow, type ChallengeStatus, type RecordState } from '../db/schema.js';

/** What happens to a challenge; each event moves a row between the statuses the table allows, and no others. */
export type LifecycleEvent =
  /** The plugin wrote the record. */
  | 'presented'
  /** The plugin call failed; the record may or may not exist (record_state says which). */
  | 'present_failed'
  /** The daemon stopped the call before the plugin reached the far side (see AppError.beforeCall): the row goes. */
  | 'present_stopped'
  /** Every authoritative server serves the value. */
  | 'seen'
  /** A client's cleanup: DELETE, the acmeproxy cleanup, acme-dns replacing a value, the manual page's cancel. */
  | 'cleaned'
  /** The janitor: past expires_at before any cleanup came. */
  | 'expired'
  /** The janitor: a CREATED row nobody holds, a present cut off by a crash. */
  | 'interrupted'
  /** A finished row's record removed (or its removal tried again): the status stays. */
  | 'record_removed';

/** `deleted`: the row itself is deleted (no record can exist, nothing for an operator to see). */
export type Target = ChallengeStatus | 'deleted';

export interface Transition {
  from: ChallengeStatus;
  event: LifecycleEvent;
  to: Target;
  /** The record states the row must also be in for the UPDATE to apply, when fixed by the event itself. */
  recordStates?: readonly RecordState[];
}

/**
 * Where every row starts (the insert in statements.ts). Record state 'unknown' from the start: if this process dies while
 * present is in flight, the far side may have written the record, and the janitor must delete it when it fails the row.
 */
export const START = { status: 'CREATED', recordState: 'unknown' } as const satisfies { status: ChallengeStatus; recordState: RecordState };

const FINISHED: readonly ChallengeStatus[] = ['VERIFIED', 'DELETED', 'EXPIRED', 'FAILED'];

/** The table (ARCHITECTURE.md shows it). A (status, event) pair not in it is refused. */
export const TRANSITIONS: readonly Transition[] = [
  { from: 'CREATED', event: 'presented', to: 'PENDING' },
  { from: 'CREATED', event: 'present_failed', to: 'FAILED' },
  { from: 'CREATED', event: 'present_stopped', to: 'deleted' },
  { from: 'PENDING', event: 'seen', to: 'VERIFYING', recordStates: ['present'] },
  { from: 'CREATED', event: 'cleaned', to: 'DELETED' },
  { from: 'PENDING', event: 'cleaned', to: 'DELETED' },
  // A seen record that is cleaned up is VERIFIED; one cleaned up before propagation was confirmed is DELETED.
  { from: 'VERIFYING', event: 'cleaned', to: 'VERIFIED' },
  { from: 'CREATED', event: 'expired', to: 'EXPIRED' },
  { from: 'PENDING', event: 'expired', to: 'EXPIRED' },
  { from: 'VERIFYING', event: 'expired', to: 'EXPIRED' },
  { from: 'CREATED', event: 'interrupted', to: 'FAILED' },
  ...FINISHED.map((s): Transition => ({ from: s, event: 'record_removed', to: s })),
];

export class TransitionRefused extends Error {
  constructor(readonly from: ChallengeStatus, readonly event: LifecycleEvent) {
    super(`challenge lifecycle: ${event} is not allowed from ${from}`);
    this.name = 'TransitionRefused';
  }
}

function rowOf(from: ChallengeStatus, event: LifecycleEvent): Transition | undefined {
  return TRANSITIONS.find((t) => t.from === from && t.event === event);
}

/** Where `event` takes a row in `from`; throws TransitionRefused for a pair the table does not hold. */
export function transition(from: ChallengeStatus, event: LifecycleEvent): Target {
  const t = rowOf(from, event);
  if (!t) throw new TransitionRefused(from, event);
  return t.to;
}

/** transition() for an event that keeps the row. */
export function nextStatus(from: ChallengeStatus, event: LifecycleEvent): ChallengeStatus {
  const to = transition(from, event);
  if (to === 'deleted') throw new TransitionRefused(from, event);
  return to;
}

/** The statuses a row may be in for `event` to apply to it. */
export function allowedFrom(event: LifecycleEvent): ChallengeStatus[] {
  return TRANSITIONS.filter((t) => t.event === event).map((t) => t.from);
}

/**
 * The WHERE of every status write: this row, in a status `event` applies to, in the record states the table fixes for
 * it, and in `recordState` when the writer decided on the record state it read under the name's lock.
 */
export function guardOf(event: LifecycleEvent, id: string | Placeholder, recordState?: RecordState | Placeholder): SQL {
  const fixed = TRANSITIONS.find((t) => t.event === event)?.recordStates;
  return and(
    eq(challenges.id, id),
    inArray(challenges.status, allowedFrom(event)),
    ...(fixed ? [inArray(challenges.recordState, [...fixed])] : []),
    ...(recordState !== undefined ? [eq(challenges.recordState, recordState)] : []),
  )!;
}

/** The columns a transition writes besides the status, which the table decides. */
export type TransitionSet = Partial<Omit<ChallengeRow, 'id' | 'status'>>;

/**
 * Moves `row` by `event` (the status from the table, `set` beside it) if it is still in a status the event applies to;
 * returns the updated row, or undefined when someone else moved it first.
 */
export async function applyTransition(db: Db, row: Pick<ChallengeRow, 'id' | 'status'>, event: LifecycleEvent, set: TransitionSet, recordState?: RecordState): Promise<ChallengeRow | undefined> {
  const status = nextStatus(row.status, event);
  const [moved] = await db.update(challenges).set({ ...set, status }).where(guardOf(event, row.id, recordState)).returning();
  return moved;
}

/** A `present_stopped` row: deleted, if still in a status the table allows. */
export async function discard(db: Db, row: ChallengeRow): Promise<void> {
  if (transition(row.status, 'present_stopped') !== 'deleted') throw new TransitionRefused(row.status, 'present_stopped');
  await db.delete(challenges).where(guardOf('present_stopped', row.id));
}
