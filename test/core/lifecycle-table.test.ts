// The challenge lifecycle table: every row of it, a pair it does not hold refused, its guard applied by the database, and
// no status written anywhere else; and the errors that leave no row marked where they are raised.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/client.js';
import { runMigrations } from '../../src/db/migrate.js';
import { CHALLENGE_STATUSES, challenges, dnsProviders, type ChallengeRow, type ChallengeStatus, type RecordState } from '../../src/db/schema.js';
import { AppError } from '../../src/errors.js';
import { resolveScript } from '../../src/plugins/script/path.js';
import { checkWebhookUrl, targetBlocked } from '../../src/security/ssrf.js';
import {
  allowedFrom, applyTransition, discard, nextStatus, transition, TransitionRefused, TRANSITIONS, type LifecycleEvent, type Target,
} from '../../src/challenges/lifecycle.js';

const EVENTS: LifecycleEvent[] = ['presented', 'present_failed', 'present_stopped', 'seen', 'cleaned', 'expired', 'interrupted', 'record_removed'];

/** The whole table, written out: status -> event -> target. */
const EXPECTED: Record<ChallengeStatus, Partial<Record<LifecycleEvent, Target>>> = {
  CREATED: { presented: 'PENDING', present_failed: 'FAILED', present_stopped: 'deleted', cleaned: 'DELETED', expired: 'EXPIRED', interrupted: 'FAILED' },
  PENDING: { seen: 'VERIFYING', cleaned: 'DELETED', expired: 'EXPIRED' },
  VERIFYING: { cleaned: 'VERIFIED', expired: 'EXPIRED' },
  VERIFIED: { record_removed: 'VERIFIED' },
  DELETED: { record_removed: 'DELETED' },
  EXPIRED: { record_removed: 'EXPIRED' },
  FAILED: { record_removed: 'FAILED' },
};

describe('the transition table', () => {
  for (const from of CHALLENGE_STATUSES) {
    for (const event of EVENTS) {
      const to = EXPECTED[from][event];
      it(`${from} × ${event} → ${to ?? 'refused'}`, () => {
        if (to) expect(transition(from, event)).toBe(to);
        else expect(() => transition(from, event)).toThrow(TransitionRefused);
      });
    }
  }

  it('holds exactly the rows above, each once', () => {
    const listed = Object.entries(EXPECTED).flatMap(([from, row]) => Object.keys(row).map((event) => `${from} ${event}`)).sort();
    expect(TRANSITIONS.map((t) => `${t.from} ${t.event}`).sort()).toEqual(listed);
  });

  it('names the statuses each event applies to', () => {
    expect(allowedFrom('presented')).toEqual(['CREATED']);
    expect(allowedFrom('seen')).toEqual(['PENDING']);
    expect(allowedFrom('cleaned')).toEqual(['CREATED', 'PENDING', 'VERIFYING']);
    expect(allowedFrom('record_removed')).toEqual(['VERIFIED', 'DELETED', 'EXPIRED', 'FAILED']);
  });

  it('refuses a status for an event that deletes the row', () => {
    expect(() => nextStatus('CREATED', 'present_stopped')).toThrow(TransitionRefused);
  });
});

describe('the guard in the database', () => {
  let dir: string;
  let database: Database;
  let providerId: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lifecycle-'));
    database = await openDatabase({ dataDir: dir });
    await runMigrations(database);
    const [p] = await database.db.insert(dnsProviders)
      .values({ name: 'table', providerType: 'webhook', credentialsEncrypted: 'x', keyVersion: 'v1' })
      .returning();
    providerId = p!.id;
  }, 120_000);

  afterAll(async () => {
    await database?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function rowIn(status: ChallengeStatus, recordState: RecordState): Promise<ChallengeRow> {
    const [row] = await database.db.insert(challenges)
      .values({ providerId, fqdn: `_acme-challenge.t${Math.random().toString(36).slice(2)}.example.com`, value: 'v'.repeat(43), status, recordState, expiresAt: new Date(Date.now() + 60_000) })
      .returning();
    return row!;
  }

  async function reread(id: string): Promise<ChallengeRow | undefined> {
    return (await database.db.select().from(challenges).where(eq(challenges.id, id)))[0];
  }

  it('moves a row the table allows', async () => {
    const row = await rowIn('CREATED', 'unknown');
    const moved = await applyTransition(database.db, row, 'presented', { recordState: 'present' }, 'unknown');
    expect(moved).toMatchObject({ status: 'PENDING', recordState: 'present' });
  });

  it('leaves a row that moved on since it was read', async () => {
    const row = await rowIn('DELETED', 'removed');
    // Read as PENDING, but DELETED in the database: `seen` does not apply to it.
    expect(await applyTransition(database.db, { id: row.id, status: 'PENDING' }, 'seen', { verifiedAt: new Date() })).toBeUndefined();
    expect((await reread(row.id))?.status).toBe('DELETED');
  });

  it('checks the record state the table fixes and the one the writer read', async () => {
    const unseen = await rowIn('PENDING', 'unknown');
    expect(await applyTransition(database.db, unseen, 'seen', {})).toBeUndefined();
    const present = await rowIn('PENDING', 'present');
    expect(await applyTransition(database.db, present, 'cleaned', { recordState: 'removed' }, 'unknown')).toBeUndefined();
    expect(await applyTransition(database.db, present, 'cleaned', { recordState: 'removed' }, 'present')).toMatchObject({ status: 'DELETED', recordState: 'removed' });
  });

  it('deletes only a CREATED row for present_stopped', async () => {
    const created = await rowIn('CREATED', 'unknown');
    await discard(database.db, created);
    expect(await reread(created.id)).toBeUndefined();
    const pending = await rowIn('PENDING', 'present');
    await discard(database.db, { ...pending, status: 'CREATED' });
    expect((await reread(pending.id))?.status).toBe('PENDING');
  });

  it('throws for a pair the table does not hold, before any write', async () => {
    const row = await rowIn('VERIFIED', 'removed');
    await expect(applyTransition(database.db, row, 'presented', {})).rejects.toThrow(TransitionRefused);
    await expect(discard(database.db, row)).rejects.toThrow(TransitionRefused);
  });
});

describe('writers of a challenge status', () => {
  const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
  /** The lifecycle room's two writers: the table's own UPDATE and the one for outcomes held while the database is away. */
  const OWNERS = new Set(['challenges/lifecycle.ts', 'challenges/pending-writes.ts']);

  async function sources(dir: string): Promise<string[]> {
    const out: string[] = [];
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) out.push(...(await sources(path)));
      else if (e.name.endsWith('.ts')) out.push(path);
    }
    return out;
  }

  it('go through the table: no other file sets status in an UPDATE of challenges', async () => {
    const offenders: string[] = [];
    for (const path of await sources(SRC)) {
      const name = relative(SRC, path);
      if (OWNERS.has(name)) continue;
      const text = await readFile(path, 'utf8');
      for (const m of text.matchAll(/\.update\(challenges\)\s*\.set\(\{([^}]*)\}/g)) {
        if (/(^|[{,\s])(status|recordState)\s*[:,}]/.test(m[1]!)) offenders.push(`${name}: ${m[0].slice(0, 80)}`);
      }
      for (const m of text.matchAll(/update\s+(challenges|\$\{challenges\})\s+set\s[^;`]*/gi)) {
        if (/\b(status|record_state)\s*=/.test(m[0])) offenders.push(`${name}: ${m[0].slice(0, 80)}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});

describe('errors that leave no challenge row', () => {
  const stoppedHere = (err: unknown) => {
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ beforeCall: true, delivery: 'not_sent' });
  };

  it('a blocked webhook target, raised by the SSRF guard and by the URL check', () => {
    stoppedHere(targetBlocked('10.0.0.1', 'private address'));
    let thrown: unknown;
    try {
      checkWebhookUrl('https://10.0.0.1/hook', { allowPrivate: false, field: 'create_url' });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ code: 'WEBHOOK_TARGET_BLOCKED' });
    stoppedHere(thrown);
  });

  it('a script path outside the allowed directory', async () => {
    const err = await resolveScript('/etc/passwd', tmpdir(), null).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SCRIPT_PATH_INVALID' });
    stoppedHere(err);
  });

  it('not an error the far side gave, even one that says nothing was sent', () => {
    const refused = new AppError('WEBHOOK_FAILED', 'unreachable', { retryable: true, delivery: 'not_sent' });
    expect(refused.beforeCall).toBe(false);
    expect(new AppError('PROVIDER_RATE_LIMITED', 'over', { retryable: true, beforeCall: true }).delivery).toBe('not_sent');
  });
});
