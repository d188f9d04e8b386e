// One conformance suite every provider plugin and DNS server must pass (after cert-manager's test/acme/suite.go).
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { challenges } from '../../src/db/schema.js';
import type { DnsServer } from '../../src/dns/transport.js';
import { ERROR_CODES, type ErrorCode } from '../../src/errors.js';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';

export interface ConformanceSetup {
  /** The zone's authoritative server: the daemon discovers the zone through it and asks it for the TXT values. */
  server: DnsServer;
  /** Admin API body creating the provider under test (name is filled in). */
  providerBody: Record<string, unknown>;
  /** A zone the provider may write to; each case uses its own name below it. */
  zone: string;
  /** The TXT values at `name`, read straight from the authoritative server. */
  readTxt(name: string): Promise<string[]>;
  /** Writes a TXT value at `name` without the daemon, as another tool or an operator would. */
  addForeignRecord(name: string, value: string): Promise<void>;
  /** The same provider with credentials the far side must refuse. */
  wrongCredentialsBody: Record<string, unknown>;
  expectedWrongCredentialsCode: ErrorCode;
  /** Extra daemon environment (e.g. DNS01_SCRIPTS_DIR). */
  env?: Record<string, string>;
  teardown(): Promise<void>;
}

interface Reply {
  status: number;
  body: { challenge_id?: string; status?: string; challenge?: { status: string }; error?: { code: string } };
}

export function runConformance(name: string, setup: () => Promise<ConformanceSetup>): void {
  describe(`conformance: ${name}`, () => {
    // Several suites may share one DNS server, so every name carries the suite's slug.
    const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
    let s: ConformanceSetup;
    let d: TestDaemon;
    let providerId: string;
    const nameFor = (kase: string) => `_acme-challenge.${kase}-${slug}.${s.zone}`;

    beforeAll(async () => {
      s = await setup();
      d = await startTestDaemon({
        env: { DNS01_DNS_RESOLVERS: `${s.server.host}:${s.server.port}`, DNS01_DNS_AUTH_PORT: String(s.server.port), ...s.env },
      });
      providerId = await d.addProvider({ ...s.providerBody, name: `conformance ${slug}` });
    });
    afterAll(async () => {
      await d?.stop();
      await s?.teardown();
    });

    const call = async (path: string, init: { method?: string; body?: unknown } = {}): Promise<Reply> => {
      const res = await d.internal(path, init);
      return { status: res.status, body: (await res.json()) as Reply['body'] };
    };
    const create = (fqdn: string, value: string, provider = providerId) => call('/create', { body: { provider_id: provider, fqdn, value } });
    const statusOf = async (id: string) => (await call(`/${id}`, { method: 'GET' })).body.challenge?.status;
    const remove = async (id: string) => {
      const r = await call(`/${id}`, { method: 'DELETE' });
      expect(r, JSON.stringify(r.body)).toMatchObject({ status: 200, body: { status: 'deleted' } });
    };
    const presented = async (fqdn: string, value: string): Promise<string> => {
      const r = await create(fqdn, value);
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      expect(r.body.status).toBe('PENDING');
      return r.body.challenge_id!;
    };

    it('presents a value every authoritative server serves, sees it propagate, and cleans it up', async () => {
      const fqdn = nameFor('present');
      const value = txtValue(`${slug}-present`);
      const id = await presented(fqdn, value);
      expect(await s.readTxt(fqdn)).toEqual([value]);
      await d.daemon.propagation.runOnce();
      expect(await statusOf(id)).toBe('VERIFYING');
      await remove(id);
      expect(await statusOf(id)).toBe('VERIFIED');
      expect(await s.readTxt(fqdn)).toEqual([]);
    });

    it('keeps two values on one name apart: deleting one retains the other', async () => {
      const fqdn = nameFor('pair');
      const [v1, v2] = [txtValue(`${slug}-pair-1`), txtValue(`${slug}-pair-2`)];
      const id1 = await presented(fqdn, v1);
      const id2 = await presented(fqdn, v2);
      expect((await s.readTxt(fqdn)).sort()).toEqual([v1, v2].sort());
      await remove(id1);
      expect(await s.readTxt(fqdn)).toEqual([v2]);
      await remove(id2);
      expect(await s.readTxt(fqdn)).toEqual([]);
    });

    it('keeps both values of two presents sent together for one name (wildcard + apex): the daemon runs them one after the other', async () => {
      const fqdn = nameFor('together');
      const [v1, v2] = [txtValue(`${slug}-together-1`), txtValue(`${slug}-together-2`)];
      const [id1, id2] = await Promise.all([presented(fqdn, v1), presented(fqdn, v2)]);
      expect((await s.readTxt(fqdn)).sort()).toEqual([v1, v2].sort());
      await Promise.all([remove(id1), remove(id2)]);
      expect(await s.readTxt(fqdn)).toEqual([]);
    });

    it('leaves a TXT record it did not create in place through present and cleanup', async () => {
      const fqdn = nameFor('foreign');
      const foreign = `foreign-${slug}`;
      const value = txtValue(`${slug}-foreign`);
      await s.addForeignRecord(fqdn, foreign);
      const id = await presented(fqdn, value);
      expect((await s.readTxt(fqdn)).sort()).toEqual([foreign, value].sort());
      await remove(id);
      expect(await s.readTxt(fqdn)).toEqual([foreign]);
    });

    it('answers wrong credentials with the documented code and leaves nothing pending', async () => {
      const wrongId = await d.addProvider({ ...s.wrongCredentialsBody, name: `conformance ${slug} wrong` });
      const fqdn = nameFor('wrong');
      const r = await create(fqdn, txtValue(`${slug}-wrong`), wrongId);
      expect(r.body.error?.code, JSON.stringify(r.body)).toBe(s.expectedWrongCredentialsCode);
      expect(r.status).toBe(ERROR_CODES[s.expectedWrongCredentialsCode]);
      const rows = await d.daemon.database.db.select().from(challenges).where(eq(challenges.providerId, wrongId));
      expect(rows.filter((row) => ['CREATED', 'PENDING', 'VERIFYING'].includes(row.status))).toEqual([]);
      expect(await s.readTxt(fqdn)).toEqual([]);
    });
  });
}
