// host.fail from a real loaded module: a refusal leaves the breaker alone, "not sent" leaves no record to clean up.
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { challenges } from '../../src/db/schema.js';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { pluginDir, type PluginDir } from '../support/plugins.js';

/** Fails each present as the name's first label says (refused-*, not-sent-*, maybe-*), else succeeds. */
const MODULE = `
export default function create(host) {
  return {
    metadata: { type: 'faildns', name: 'Failing DNS', description: 'fails as the name says, for tests', version: '1.0.0', author: 'tests', interfaceVersion: 1 },
    credentials: host.z.object({}),
    defaults: { propagationTimeout: 60, pollingInterval: 2, ttl: 60 },
    async present(creds, req) {
      const label = req.fqdn.split('.')[1];
      if (label.startsWith('refused-')) host.fail('the far side refused ' + req.fqdn + ' (policy)', { refused: true });
      if (label.startsWith('not-sent-')) host.fail('could not connect to the far side for ' + req.fqdn, { sent: false });
      if (label.startsWith('maybe-')) host.fail('the far side timed out on ' + req.fqdn, { sent: true });
      return { recordId: null };
    },
    async cleanup() {},
  };
}
`;

let d: TestDaemon;
let dir: PluginDir;
let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'dns01-host-fail-'));
  await writeFile(join(scratch, 'faildns.mjs'), MODULE);
  dir = await pluginDir([join(scratch, 'faildns.mjs')]);
  d = await startTestDaemon({ env: dir.env });
});
afterAll(async () => {
  await d?.stop();
  await dir?.remove();
  await rm(scratch, { recursive: true, force: true });
});

/** One sample of /metrics, matched by name and every given label; undefined when there is none. */
async function sample(name: string, labels: Record<string, string>): Promise<number | undefined> {
  const text = await (await fetch(`${d.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

const present = (providerId: string, label: string) =>
  d.internal('/create', { body: { provider_id: providerId, fqdn: `_acme-challenge.${label}.fail.example.test`, value: txtValue(label) } });

async function failure(res: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await res.json()) as { error: { code: string; message: string } };
  return { status: res.status, code: body.error.code, message: body.error.message };
}

describe('host.fail in a loaded plugin', () => {
  it('a refused present fails its challenge alone: counted as a refusal, never toward the breaker', async () => {
    const providerId = await d.addProvider({ name: 'fail-refused', provider_type: 'faildns', credentials: {} });
    for (let i = 0; i < 7; i++) {
      const res = await present(providerId, `refused-${i}`);
      // The plugin's words stay out of the reply, as for any loaded plugin's failure.
      expect(await failure(res)).toEqual({ status: 502, code: 'PROVIDER_ERROR', message: 'provider fail-refused failed' });
    }
    expect(await sample('dns01_plugin_refusals_total', { provider: 'fail-refused', provider_type: 'faildns', step: 'present', code: 'PROVIDER_ERROR' })).toBe(7);
    expect(await sample('dns01_provider_breaker_state', { provider: 'fail-refused' })).toBe(0);
    expect((await present(providerId, 'granted')).status).toBe(201);
    expect(d.logs()).toContain('the far side refused _acme-challenge.refused-0.fail.example.test (policy)');
  });

  it('five failures that may have been sent open the breaker (the contrast)', async () => {
    const providerId = await d.addProvider({ name: 'fail-maybe', provider_type: 'faildns', credentials: {} });
    for (let i = 0; i < 5; i++) expect((await failure(await present(providerId, `maybe-${i}`))).code).toBe('PROVIDER_ERROR');
    expect(await sample('dns01_provider_breaker_state', { provider: 'fail-maybe' })).toBe(2);
    expect((await failure(await present(providerId, 'after'))).code).toBe('PROVIDER_CIRCUIT_OPEN');
  });

  it("a present that sent nothing leaves record_state 'none'; one that may have been sent leaves 'unknown' for the janitor", async () => {
    const providerId = await d.addProvider({ name: 'fail-rows', provider_type: 'faildns', credentials: {} });
    expect((await failure(await present(providerId, 'not-sent-1'))).code).toBe('PROVIDER_ERROR');
    expect((await failure(await present(providerId, 'maybe-1'))).code).toBe('PROVIDER_ERROR');
    const rows = await d.daemon.database.db.select().from(challenges).where(eq(challenges.providerId, providerId));
    const byLabel = Object.fromEntries(rows.map((r) => [r.fqdn.split('.')[1], { status: r.status, recordState: r.recordState, error: r.error }]));
    expect(byLabel['not-sent-1']).toMatchObject({ status: 'FAILED', recordState: 'none' });
    expect(byLabel['not-sent-1']!.error).toContain('could not connect to the far side');
    expect(byLabel['maybe-1']).toMatchObject({ status: 'FAILED', recordState: 'unknown' });
  });
});
