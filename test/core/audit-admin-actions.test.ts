// The admin actions recorded besides the resource routes: plugin enable, disable and reload, and a manual challenge's
// verify and cancel through the API and through the operator page; each with its actor, resource and outcome, refusals too.
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { challenges } from '../../src/db/schema.js';
import { startBind, type RunningDnsServer } from '../support/dns-servers/index.js';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { nsupdate } from '../support/nsupdate.js';

interface AuditView {
  id: string; actor: string; action: string; category: string; resource_type: string | null; resource_id: string | null;
  outcome: string; details: Record<string, unknown>; source_ip: string | null; user_agent: string | null;
}

async function eventsOf(d: TestDaemon, query: Record<string, string>): Promise<AuditView[]> {
  await d.daemon.audit!.flush();
  const res = await d.admin(`/audit-logs?${new URLSearchParams({ ...query, limit: '500' })}`);
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { audit_logs: AuditView[] }).audit_logs;
}

/** The newest event of `action` on `resourceId`. */
async function lastEvent(d: TestDaemon, action: string, resourceId: string): Promise<AuditView> {
  const [e] = await eventsOf(d, { action, resource_id: resourceId });
  expect(e, `${action} on ${resourceId}`).toBeDefined();
  return e!;
}

const PLUGIN = `
export default function create(host) {
  return {
    metadata: { type: 'auditdns', name: 'Audit DNS', description: 'records nowhere, for tests', version: '1.0.0', author: 'tests', interfaceVersion: host.interfaceVersion },
    credentials: host.z.object({}),
    defaults: { propagationTimeout: 60, pollingInterval: 2, ttl: 60 },
    async present() { return { recordId: null }; },
    async cleanup() {},
  };
}
`;

describe('audit: plugin admin routes', () => {
  let root: string;
  let d: TestDaemon;
  let config: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'dns01-audit-plugins-'));
    const dir = join(root, 'plugins');
    await mkdir(dir);
    await chmod(dir, 0o755);
    await writeFile(join(dir, 'auditdns.mjs'), PLUGIN);
    await chmod(join(dir, 'auditdns.mjs'), 0o644);
    config = join(root, 'plugins.yaml');
    await writeFile(config, `plugins:\n  auditdns:\n    enabled: true\n    signature: "sha256:${createHash('sha256').update(PLUGIN).digest('hex')}"\n`);
    d = await startTestDaemon({ env: { DNS01_PLUGINS_DIR: dir, DNS01_PLUGINS_CONFIG: config }, audit: { flushIntervalMs: 20 } });
  });
  afterAll(async () => {
    await d?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('enable, disable and reload are recorded with actor admin, the plugin as resource, and refusals with their code', async () => {
    const list = (await (await d.admin('/admin/plugins')).json()) as { plugins: { id: string; name: string }[] };
    const pluginId = list.plugins.find((p) => p.name === 'auditdns')!.id;
    const providerId = await d.addProvider({ name: 'audited-plugin', provider_type: 'auditdns', credentials: {} });

    // Refused while an enabled provider uses it.
    expect((await d.admin(`/admin/plugins/${pluginId}/disable`, { method: 'POST' })).status).toBe(409);
    expect(await lastEvent(d, 'plugin.disable', pluginId)).toMatchObject({
      actor: 'admin', category: 'plugin', resource_type: 'plugin', outcome: 'failure', details: { code: 'CONFLICT' }, source_ip: expect.stringMatching(/127\.0\.0\.1/),
    });
    expect((await d.admin(`/dns-providers/${providerId}`, { method: 'PUT', body: { enabled: false } })).status).toBe(200);
    expect((await d.admin(`/admin/plugins/${pluginId}/disable`, { method: 'POST' })).status).toBe(200);
    expect(await lastEvent(d, 'plugin.disable', pluginId)).toMatchObject({
      actor: 'admin', outcome: 'success', details: { name: 'auditdns', type: 'auditdns', status: 'disabled', enabled: false },
    });
    expect((await d.admin(`/admin/plugins/${pluginId}/enable`, { method: 'POST' })).status).toBe(200);
    expect(await lastEvent(d, 'plugin.enable', pluginId)).toMatchObject({
      actor: 'admin', category: 'plugin', resource_type: 'plugin', outcome: 'success', details: { name: 'auditdns', status: 'loaded', enabled: true, version: '1.0.0' },
    });
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect((await d.admin(`/admin/plugins/${unknown}/enable`, { method: 'POST' })).status).toBe(404);
    expect(await lastEvent(d, 'plugin.enable', unknown)).toMatchObject({ actor: 'admin', outcome: 'failure', details: { code: 'NOT_FOUND' } });

    expect((await d.admin('/admin/plugins/reload', { method: 'POST' })).status).toBe(200);
    let [reload] = await eventsOf(d, { action: 'plugin.reload' });
    expect(reload).toMatchObject({ actor: 'admin', category: 'plugin', resource_type: 'plugin', resource_id: null, outcome: 'success', details: { plugins: 1, loaded: 1, error: 0 } });
    // An allow-list that no longer parses: the reload is refused and recorded so.
    await writeFile(config, 'plugins: [\n');
    expect((await d.admin('/admin/plugins/reload', { method: 'POST' })).status).toBe(400);
    [reload] = await eventsOf(d, { action: 'plugin.reload', outcome: 'failure' });
    expect(reload).toMatchObject({ actor: 'admin', details: { code: 'VALIDATION_ERROR' } });

    // A wrong token never reaches the route: it is an auth.failed, not a plugin event.
    const before = (await eventsOf(d, { category: 'plugin' })).length;
    expect((await fetch(`${d.url}/api/v1/admin/plugins/${pluginId}/disable`, { method: 'POST', headers: { authorization: 'Bearer wrong' } })).status).toBe(403);
    expect((await eventsOf(d, { category: 'plugin' })).length).toBe(before);
    expect((await eventsOf(d, { action: 'auth.failed' })).length).toBeGreaterThan(0);
  });
});

const ZONE = 'audit-manual.test';

describe('audit: manual challenge verify and cancel', () => {
  let bind: RunningDnsServer;
  let d: TestDaemon;
  let manual: string;

  beforeAll(async () => {
    bind = await startBind({ zones: [ZONE], tsigKeys: [], allowUnsignedLocal: true });
    d = await startTestDaemon({ env: { DNS01_DNS_RESOLVERS: `127.0.0.1:${bind.port}`, DNS01_DNS_AUTH_PORT: String(bind.port) }, audit: { flushIntervalMs: 20 } });
    manual = await d.addProvider({ name: 'by hand', provider_type: 'manual', credentials: {} });
  });
  afterAll(async () => {
    await d?.stop();
    await bind?.stop();
  });

  const create = async (name: string) => {
    const fqdn = `_acme-challenge.${name}.${ZONE}`;
    const value = txtValue(`audit-${name}`);
    const res = await d.internal('/create', { body: { provider_id: manual, fqdn, value } });
    expect(res.status).toBe(201);
    return { id: ((await res.json()) as { challenge_id: string }).challenge_id, fqdn, value };
  };
  const at = (id: string) => `/dns-providers/${manual}/manual-challenge/${id}`;
  const expire = (id: string) => d.daemon.database.db.update(challenges).set({ expiresAt: sql`now() - interval '1 second'` }).where(eq(challenges.id, id));

  it('through the API: verify (not found, then found), cancel, and refused ones, each with the challenge as resource', async () => {
    const c = await create('api');
    expect((await d.admin(`${at(c.id)}/verify`, { method: 'POST' })).status).toBe(200);
    expect(await lastEvent(d, 'challenge.verify', c.id)).toMatchObject({
      actor: 'admin', category: 'challenge', resource_type: 'challenge', outcome: 'success', source_ip: expect.stringMatching(/127\.0\.0\.1/),
      details: { api: 'admin', provider_id: manual, fqdn: c.fqdn, dns_found: false, result: 'not_found' },
    });
    await nsupdate(bind.port, ZONE, 'add', c.fqdn, c.value);
    expect((await d.admin(`${at(c.id)}/verify`, { method: 'POST' })).status).toBe(200);
    expect(await lastEvent(d, 'challenge.verify', c.id)).toMatchObject({ outcome: 'success', details: { dns_found: true, result: 'verified' } });
    expect((await d.admin(at(c.id), { method: 'DELETE' })).status).toBe(200);
    expect(await lastEvent(d, 'challenge.cancel', c.id)).toMatchObject({
      actor: 'admin', resource_type: 'challenge', outcome: 'success', details: { api: 'admin', provider_id: manual, fqdn: c.fqdn, status: 'VERIFIED' },
    });
    // Its cleanup is recorded as well, as every challenge's is.
    expect(await lastEvent(d, 'challenge.delete', c.id)).toMatchObject({ actor: 'admin', outcome: 'success' });

    // Refused: finished, unknown, expired.
    const gone = await create('api-gone');
    expect((await d.admin(at(gone.id), { method: 'DELETE' })).status).toBe(200);
    expect(await lastEvent(d, 'challenge.cancel', gone.id)).toMatchObject({ outcome: 'success', details: { status: 'DELETED' } });
    expect((await d.admin(`${at(gone.id)}/verify`, { method: 'POST' })).status).toBe(409);
    expect(await lastEvent(d, 'challenge.verify', gone.id)).toMatchObject({ outcome: 'failure', details: { api: 'admin', provider_id: manual, code: 'CONFLICT' } });
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect((await d.admin(at(unknown), { method: 'DELETE' })).status).toBe(404);
    expect(await lastEvent(d, 'challenge.cancel', unknown)).toMatchObject({ actor: 'admin', outcome: 'failure', details: { provider_id: manual, code: 'CHALLENGE_NOT_FOUND' } });
    const late = await create('api-late');
    await expire(late.id);
    expect((await d.admin(at(late.id), { method: 'DELETE' })).status).toBe(410);
    expect(await lastEvent(d, 'challenge.cancel', late.id)).toMatchObject({ outcome: 'failure', details: { code: 'CHALLENGE_EXPIRED' } });
    expect((await d.admin(`${at(late.id)}/verify`, { method: 'POST' })).status).toBe(410);
    expect(await lastEvent(d, 'challenge.verify', late.id)).toMatchObject({ outcome: 'failure', details: { code: 'CHALLENGE_EXPIRED' } });
  });

  it('through the operator page: check, verify and cancel, and a refused (expired) verify answered with a redirect', async () => {
    const origin = d.url;
    const login = await fetch(`${origin}/ui/login`, {
      method: 'POST', redirect: 'manual', headers: { origin, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: d.adminToken, next: '/ui/challenges' }),
    });
    expect(login.status).toBe(303);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const page = async (path: string) => {
      const res = await fetch(`${origin}${path}`, { headers: { cookie } });
      expect(res.status).toBe(200);
      return /name="csrf" value="([^"]+)"/.exec(await res.text())![1]!;
    };
    const post = async (path: string) => {
      const csrf = await page('/ui/challenges');
      return fetch(`${origin}${path}`, {
        method: 'POST', redirect: 'manual', headers: { cookie, origin, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf }),
      });
    };

    const c = await create('page');
    let res = await post(`/ui/challenges/${c.id}/check`);
    expect([res.status, res.headers.get('location')]).toEqual([303, expect.stringContaining('result=checked')]);
    expect(await lastEvent(d, 'challenge.verify', c.id)).toMatchObject({
      actor: 'admin', resource_type: 'challenge', outcome: 'success', details: { api: 'ui', step: 'check', provider_id: manual, dns_found: false, result: 'not_found' },
    });
    await nsupdate(bind.port, ZONE, 'add', c.fqdn, c.value);
    res = await post(`/ui/challenges/${c.id}/verify`);
    expect(res.headers.get('location')).toContain('result=verified');
    expect(await lastEvent(d, 'challenge.verify', c.id)).toMatchObject({ outcome: 'success', details: { api: 'ui', step: 'verify', dns_found: true, result: 'verified' } });
    res = await post(`/ui/challenges/${c.id}/cancel`);
    expect(res.headers.get('location')).toBe(`/ui/challenges/${c.id}?result=cancelled`);
    expect(await lastEvent(d, 'challenge.cancel', c.id)).toMatchObject({ actor: 'admin', outcome: 'success', details: { api: 'ui', fqdn: c.fqdn, status: 'VERIFIED' } });

    // The page answers an expired challenge with a redirect, but the event says the verify was refused.
    const late = await create('page-late');
    await expire(late.id);
    res = await post(`/ui/challenges/${late.id}/verify`);
    expect(res.headers.get('location')).toContain('result=expired');
    expect(await lastEvent(d, 'challenge.verify', late.id)).toMatchObject({ actor: 'admin', outcome: 'failure', details: { api: 'ui', code: 'CHALLENGE_EXPIRED' } });
    res = await post('/ui/challenges/not-a-challenge/cancel');
    expect(res.status).toBe(404);
    expect(await lastEvent(d, 'challenge.cancel', 'not-a-challenge')).toMatchObject({ actor: 'admin', outcome: 'failure', details: { code: 'CHALLENGE_NOT_FOUND' } });

    // A forged form (a CSRF token that is not the session's) is refused before the route, and recorded.
    const forged = await fetch(`${origin}/ui/challenges/${late.id}/cancel`, {
      method: 'POST', redirect: 'manual', headers: { cookie, origin, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf: 'forged' }),
    });
    expect(forged.status).toBe(403);
    const refusals = (await eventsOf(d, { action: 'auth.failed' })).filter((e) => e.details.reason === 'csrf');
    expect(refusals).toEqual([expect.objectContaining({ outcome: 'denied', details: expect.objectContaining({ api: 'ui', code: 'FORBIDDEN', path: `/ui/challenges/${late.id}/cancel` }) })]);
  });

  it('with plugins off, a reload is refused and recorded so', async () => {
    expect((await d.admin('/admin/plugins/reload', { method: 'POST' })).status).toBe(404);
    const [reload] = await eventsOf(d, { action: 'plugin.reload' });
    expect(reload).toMatchObject({ actor: 'admin', outcome: 'failure', details: { code: 'NOT_FOUND' } });
  });
});
