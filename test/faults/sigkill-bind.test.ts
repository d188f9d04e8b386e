// SIGKILL of the daemon in the middle of a burst of rfc2136 creates against a real BIND: after a restart and the
// janitor, BIND holds no TXT record the daemon wrote and every row is terminal.
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.js';
import { rfc2136ProviderCredentials, tsigKey, ZONE } from '../support/acme-rig.js';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { startDaemonProcess, type DaemonProcess } from '../support/daemon-process.js';
import { startBind, type RunningDnsServer } from '../support/dns-servers/index.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

// Large against the kill point (a few records seen): on a quiet machine a burst of 24 could land whole between two polls.
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
    const burst = names.map((fqdn, i) =>
      p.internal('/create', { body: { provider_id: providerId, fqdn, value: values[i] } }).then((r) => r.status, () => 0));

    // Kill once BIND holds some of the records but not all of them: mid-burst.
    for (let i = 0; ; i++) {
      const seen = (await Promise.all(names.map((n) => bind.txt(n)))).filter((v) => v.length > 0).length;
      if (seen >= 2) break;
      if (i > 600) throw new Error(`no record reached BIND:\n${p.output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await p.kill('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    const statuses = await Promise.all(burst);
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
