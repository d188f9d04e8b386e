// SIGKILL of the daemon in the middle of a burst of rfc2136 creates against a real BIND: after a restart and the
// janitor, BIND holds no TXT record the daemon wrote and every row is terminal.
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.js';
import { rfc2136ProviderCredentials, tsigKey, ZONE } from '../support/acme-rig.js';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { startDaemonProcess, type DaemonProcess } from '../support/daemon-process.js';
import { startBind, type RunningDnsServer } from '../support/dns-servers/index.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

const BURST = 64;
const key = tsigKey('fault-kill');
let bind: RunningDnsServer;
let db: TestDatabase;
let proc: DaemonProcess | undefined;
let d: TestDaemon | undefined;

beforeAll(async () => {
  [bind, db] = await Promise.all([startBind({ zones: [ZONE], tsigKeys: [key] }), createTestDatabase()]);
});
afterAll(async () => {
  try {
    await proc?.stop();
    await d?.stop();
  } finally {
    await db?.drop();
    await bind?.stop();
  }
});

describe('SIGKILL mid-burst on rfc2136', () => {
  it('leaves no orphan TXT record in BIND and every row terminal once the janitor has run', { timeout: 300_000 }, async () => {
    const encryptionKey = randomBytes(32).toString('base64');
    proc = await startDaemonProcess({ databaseUrl: db.url, env: { DNS01_ENCRYPTION_KEY: encryptionKey } });
    const providerId = await proc.addProvider({
      name: 'bind', provider_type: 'rfc2136', credentials: rfc2136ProviderCredentials(bind, key, ZONE), settings: { rate_limit_per_minute: 10_000 },
    });
    const names = Array.from({ length: BURST }, (_, i) => `_acme-challenge.k${i}.${ZONE}`);
    const values = names.map((n) => txtValue(`${n}-${randomBytes(4).toString('hex')}`));
    const p = proc;
    // Four creates in flight at a time, so the burst lasts long enough to be cut in the middle even on a quiet
    // machine; the kill point is read from the database (one fast query), not from BIND (64 lookups a poll).
    const statusList: number[] = [];
    let next = 0;
    const worker = async () => {
      while (next < BURST) {
        const i = next++;
        statusList[i] = await p.internal('/create', { body: { provider_id: providerId, fqdn: names[i], value: values[i] } }).then((r) => r.status, () => 0);
      }
    };
    const burst = Array.from({ length: 4 }, worker);

    const watch = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      for (let i = 0; ; i++) {
        const [row] = await watch<{ n: number }[]>`select count(*)::int as n from challenges where record_state = 'present'`;
        if ((row?.n ?? 0) >= 4) break;
        if (i > 6000) throw new Error(`no record reached BIND:\n${p.output().slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    } finally {
      await watch.end({ timeout: 5 });
    }
    expect(await p.kill('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    await Promise.all(burst);
    const statuses = statusList;
    const inBind = (await Promise.all(names.map((n) => bind.txt(n)))).filter((v) => v.length > 0).length;
    expect(inBind).toBeLessThan(BURST);

    // Restart on the same database; everything unfinished is due now, and the dead process's leases are over.
    d = await startTestDaemon({ databaseUrl: db.url, env: { DNS01_ENCRYPTION_KEY: encryptionKey }, janitor: { interruptedAfterMs: 0 } });
    await d.daemon.database.db.execute(sql`update challenges set expires_at = now() - interval '1 second', claimed_until = null where status in ('CREATED', 'PENDING', 'VERIFYING')`);
    for (let i = 0; i < 5; i++) {
      const report = await d.daemon.janitor.runOnce();
      if (report.interrupted + report.expired + report.recordsRemoved + report.cleanupFailures === 0) break;
    }

    const rows = rowsOf<{ status: string; record_state: string; value: string }>(
      await d.daemon.database.db.execute(sql`select status, record_state, value from challenges`));
    for (const r of rows) {
      expect(['VERIFIED', 'DELETED', 'EXPIRED', 'FAILED'], JSON.stringify(r)).toContain(r.status);
      expect(['none', 'removed'], JSON.stringify(r)).toContain(r.record_state);
    }
    // Every value that reached BIND has a row (nothing was written untracked), and BIND holds none of them now.
    const left = (await Promise.all(names.map((n) => bind.txt(n)))).flat().filter((v) => values.includes(v));
    expect(left).toEqual([]);
    console.log(`SIGKILL burst: ${BURST} creates, ${statuses.filter((s) => s === 201).length} answered 201 before the kill, ${inBind} names in BIND at the kill, ${rows.length} rows, 0 left in BIND after the janitor`);
  });
});
