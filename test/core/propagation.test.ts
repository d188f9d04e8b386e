// The propagation checker and wait=propagated against real BIND, fed by a webhook endpoint that writes into it.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolversFrom } from '../../src/challenges/resolvers.js';
import { challenges } from '../../src/db/schema.js';
import { startBind, type RunningDnsServer } from '../support/dns-servers/index.js';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { startDnsWebhook, type DnsWebhook } from '../conformance/dns-webhook.js';

const ZONE = 'prop.test';
const DELEGATED = 'delegated.test';
const AUTH = `Bearer ${randomBytes(12).toString('hex')}`;
const CNAMED = `_acme-challenge.cname.${ZONE}`;
const CNAME_TARGET = `cname.acme.${DELEGATED}`;

describe('propagation checker', () => {
  let bind: RunningDnsServer;
  let writer: DnsWebhook;
  let liar: DnsWebhook;
  let d: TestDaemon;
  let writes: string;
  let lies: string;
  let liesBriefly: string;

  beforeAll(async () => {
    const key = { name: 'prop-backend', algorithm: 'hmac-sha256' as const, secret: randomBytes(32).toString('base64') };
    bind = await startBind({ zones: [ZONE, DELEGATED], tsigKeys: [key], records: { [ZONE]: [`${CNAMED}. IN CNAME ${CNAME_TARGET}.`] } });
    const zones = [ZONE, DELEGATED];
    writer = await startDnsWebhook({ server: bind, key, zones, authorization: AUTH });
    // Says "done" and writes nothing: a far side whose record never lands.
    liar = await startDnsWebhook({ server: bind, key, zones, authorization: AUTH, write: () => false });
    d = await startTestDaemon({ env: { DNS01_DNS_RESOLVERS: `127.0.0.1:${bind.port}`, DNS01_DNS_AUTH_PORT: String(bind.port) } });
    const hook = (url: string) => ({ provider_type: 'webhook', credentials: { create_url: url, auth_value: AUTH, max_retries: 0 } });
    writes = await d.addProvider({ name: 'writes', ...hook(writer.url), polling_interval: 1 });
    // A long interval: one check, then the row is not due again within this test file.
    lies = await d.addProvider({ name: 'lies', ...hook(liar.url), polling_interval: 3600 });
    liesBriefly = await d.addProvider({ name: 'lies briefly', ...hook(liar.url), propagation_timeout: 2, polling_interval: 1 });
  });
  afterAll(async () => {
    await d?.stop();
    await Promise.all([writer?.stop(), liar?.stop()]);
    await bind?.stop();
  });

  const create = async (provider: string, fqdn: string, value: string, wait = false) => {
    const res = await d.internal(`/create${wait ? '?wait=propagated' : ''}`, { body: { provider_id: provider, fqdn, value } });
    return { status: res.status, body: (await res.json()) as { challenge_id?: string; status?: string; error?: { code: string; details?: Record<string, unknown> } } };
  };
  const row = async (id: string) => (await d.daemon.database.db.select().from(challenges).where(eq(challenges.id, id)))[0]!;

  it('moves a PENDING challenge to VERIFYING once BIND serves it, and to VERIFIED on cleanup', async () => {
    const fqdn = `_acme-challenge.www.${ZONE}`;
    const value = txtValue('prop-1');
    const r = await create(writes, fqdn, value);
    expect(r).toMatchObject({ status: 201, body: { status: 'PENDING' } });
    const report = await d.daemon.propagation.runOnce();
    expect(report.verified).toBeGreaterThanOrEqual(1);
    const seen = await row(r.body.challenge_id!);
    expect(seen).toMatchObject({ status: 'VERIFYING', claimedUntil: null });
    expect(seen.verifiedAt).toBeInstanceOf(Date);
    const del = await d.internal(`/${r.body.challenge_id}`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect((await row(r.body.challenge_id!)).status).toBe('VERIFIED');
    expect(await bind.txt(fqdn)).toEqual([]);
  });

  it('leaves a value that was never written PENDING and schedules the next check one polling interval on', async () => {
    const fqdn = `_acme-challenge.missing.${ZONE}`;
    const r = await create(lies, fqdn, txtValue('prop-missing'));
    expect(r.body.status).toBe('PENDING');
    await d.daemon.propagation.runOnce();
    const after = await row(r.body.challenge_id!);
    expect(after).toMatchObject({ status: 'PENDING', recordState: 'present', claimedUntil: null, verifiedAt: null });
    expect(after.nextCheckAt!.getTime()).toBeGreaterThan(after.updatedAt.getTime() + 3000 * 1000);
    // Not due again: a second run leaves it exactly as it was.
    await d.daemon.propagation.runOnce();
    expect((await row(r.body.challenge_id!)).nextCheckAt).toEqual(after.nextCheckAt);
  });

  it('treats a failed check as a retry, not an error: a name in no zone the resolver knows stays PENDING', async () => {
    const r = await create(lies, '_acme-challenge.www.nowhere.invalid', txtValue('prop-nowhere'));
    expect(r.body.status).toBe('PENDING');
    const report = await d.daemon.propagation.runOnce();
    expect(report.errors).toBeGreaterThanOrEqual(1);
    expect(await row(r.body.challenge_id!)).toMatchObject({ status: 'PENDING', claimedUntil: null });
    expect((await row(r.body.challenge_id!)).nextCheckAt).not.toBeNull();
    expect(d.logs()).toContain('propagation check failed; retrying next interval');
  });

  it('never checks a row whose present has not succeeded', async () => {
    const [created] = await d.daemon.database.db
      .insert(challenges)
      .values({ providerId: writes, fqdn: `_acme-challenge.early.${ZONE}`, value: txtValue('prop-early'), status: 'CREATED', expiresAt: new Date(Date.now() + 3_600_000) })
      .returning();
    await d.daemon.propagation.runOnce();
    expect(await row(created!.id)).toMatchObject({ status: 'CREATED', nextCheckAt: null, claimedUntil: null });
    await d.daemon.database.db.delete(challenges).where(eq(challenges.id, created!.id));
  });

  it('answers wait=propagated with VERIFYING once every authoritative server serves the value', async () => {
    const fqdn = `_acme-challenge.wait.${ZONE}`;
    const r = await create(writes, fqdn, txtValue('prop-wait'), true);
    expect(r).toMatchObject({ status: 201, body: { status: 'VERIFYING' } });
    expect((await row(r.body.challenge_id!)).verifiedAt).toBeInstanceOf(Date);
  });

  it('answers wait=propagated with 200 DNS_NOT_PROPAGATED after the propagation timeout, keeping the record', async () => {
    const fqdn = `_acme-challenge.never.${ZONE}`;
    const r = await create(liesBriefly, fqdn, txtValue('prop-never'), true);
    expect(r.status).toBe(200);
    expect(r.body.error?.code).toBe('DNS_NOT_PROPAGATED');
    const id = r.body.error?.details?.challenge_id as string;
    expect(await row(id)).toMatchObject({ status: 'PENDING', recordState: 'present' });
    expect(r.body.error?.details?.servers).toEqual([{ server: `127.0.0.1:${bind.port}`, seen: false }]);
  });

  it('follows a CNAME on _acme-challenge into another zone and checks the target', async () => {
    const value = txtValue('prop-cname');
    const r = await create(writes, CNAMED, value);
    expect(r.body.status).toBe('PENDING');
    expect(await bind.txt(CNAME_TARGET)).toEqual([value]);
    await d.daemon.propagation.runOnce();
    expect((await row(r.body.challenge_id!)).status).toBe('VERIFYING');
    await d.internal(`/${r.body.challenge_id}`, { method: 'DELETE' });
    expect(await bind.txt(CNAME_TARGET)).toEqual([]);
  });

  // Last in this block: it stops the checker, which then answers every wait at once.
  it('lets a waiting request go with DNS_NOT_PROPAGATED when the checker stops (shutdown)', async () => {
    const patient = await d.addProvider({
      name: 'lies patiently', provider_type: 'webhook', credentials: { create_url: liar.url, auth_value: AUTH, max_retries: 0 },
      propagation_timeout: 3600, polling_interval: 1,
    });
    const fqdn = `_acme-challenge.shutdown.${ZONE}`;
    const pending = create(patient, fqdn, txtValue('prop-shutdown'), true);
    // The wait begins once present has succeeded, i.e. once the row is PENDING.
    for (;;) {
      const rows = await d.daemon.database.db.select().from(challenges).where(eq(challenges.fqdn, fqdn));
      if (rows[0]?.status === 'PENDING') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await d.daemon.propagation.stop();
    const r = await pending;
    expect(r).toMatchObject({ status: 200, body: { error: { code: 'DNS_NOT_PROPAGATED' } } });
  });
});

describe('resolver configuration', () => {
  it('uses DNS01_DNS_RESOLVERS as given, IPv6 in brackets', () => {
    expect(resolversFrom(['127.0.0.1:5353', '[::1]:53'])).toEqual({ servers: [{ host: '127.0.0.1', port: 5353 }, { host: '::1', port: 53 }], source: 'DNS01_DNS_RESOLVERS' });
  });

  it('falls back to the first nameserver of resolv.conf at port 53, else 127.0.0.1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dns01-resolv-'));
    try {
      await writeFile(join(dir, 'resolv.conf'), '# comment\nsearch example.com\nnameserver 192.0.2.53\nnameserver 192.0.2.54\n');
      expect(resolversFrom(undefined, join(dir, 'resolv.conf'))).toEqual({ servers: [{ host: '192.0.2.53', port: 53 }], source: 'system', file: join(dir, 'resolv.conf') });
      expect(resolversFrom([], join(dir, 'missing'))).toEqual({ servers: [{ host: '127.0.0.1', port: 53 }], source: 'default', file: join(dir, 'missing') });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
