// The plugin loader with real module files on disk: every refusal, and a plugin loaded, disabled, enabled and hot-reloaded.
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { challenges } from '../../src/db/schema.js';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';

/**
 * A plugin that keeps its records in a process-wide map, so a test can see which version served each call.
 * `delayMs` makes present slow enough that a reload lands while calls are in flight.
 */
function pluginSource(o: { type?: string; version?: string; interfaceVersion?: number; delayMs?: number; init?: string; metadata?: string; bad?: string; presentThrows?: string } = {}): string {
  const type = o.type ?? 'memdns';
  const version = o.version ?? '1.0.0';
  return `
const state = (globalThis.__memdns ??= { records: new Map(), calls: [], closed: [] });
export default function create(host) {
  ${o.bad ?? ''}
  return {
    metadata: ${o.metadata ?? `{ type: ${JSON.stringify(type)}, name: 'Memory DNS', description: 'records in memory, for tests', version: ${JSON.stringify(version)}, author: 'tests', interfaceVersion: ${o.interfaceVersion ?? 'host.interfaceVersion'} }`},
    credentials: host.z.object({ label: host.z.string().default('x').meta({ title: 'Label' }), token: host.z.string().optional().meta({ title: 'Token', secret: true }) }),
    defaults: { propagationTimeout: 60, pollingInterval: 2, ttl: 60 },
    ${o.init ? `async init(ctx) { ${o.init} },` : ''}
    async present(creds, req, ctx) {
      await new Promise((r) => setTimeout(r, ${o.delayMs ?? 0}));
      ${o.presentThrows ? `throw new Error(${JSON.stringify(o.presentThrows)});` : ''}
      const set = state.records.get(req.fqdn) ?? new Set();
      set.add(req.value);
      state.records.set(req.fqdn, set);
      state.calls.push({ version: ${JSON.stringify(version)}, step: 'present', fqdn: req.fqdn });
      return { recordId: null };
    },
    async cleanup(creds, req) {
      state.records.get(req.fqdn)?.delete(req.value);
      state.calls.push({ version: ${JSON.stringify(version)}, step: 'cleanup', fqdn: req.fqdn });
    },
    async test() { return { ok: true, message: 'memdns ${version}' }; },
    async close() { state.closed.push(${JSON.stringify(version)}); },
  };
}
`;
}

interface State {
  records: Map<string, Set<string>>;
  calls: { version: string; step: string; fqdn: string }[];
  closed: string[];
}
const state = (): State => ((globalThis as { __memdns?: State }).__memdns ??= { records: new Map(), calls: [], closed: [] });

const sha = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

interface PluginRowView {
  id: string;
  name: string;
  type: string | null;
  status: string;
  error: string | null;
  version: string | null;
  enabled: boolean;
  signature: string | null;
}

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dns01-plugins-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A fresh plugin directory (0755) and allow-list; `files` are written 0644 unless a test changes them. */
async function pluginDir(name: string, files: Record<string, string>, allow: Record<string, { enabled?: boolean; signature: string }>) {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  await chmod(dir, 0o755);
  for (const [file, text] of Object.entries(files)) {
    await writeFile(join(dir, file), text);
    await chmod(join(dir, file), 0o644);
  }
  const config = join(root, `${name}.yaml`);
  const lines = ['plugins:', ...Object.entries(allow).flatMap(([n, e]) => [`  ${n}:`, `    enabled: ${e.enabled ?? true}`, `    signature: "${e.signature}"`])];
  await writeFile(config, `${lines.join('\n')}\n`);
  return { dir, config, env: { DNS01_PLUGINS_DIR: dir, DNS01_PLUGINS_CONFIG: config } };
}

async function listPlugins(d: TestDaemon): Promise<Map<string, PluginRowView>> {
  const res = await d.admin('/admin/plugins');
  expect(res.status).toBe(200);
  const body = (await res.json()) as { plugins: PluginRowView[] };
  return new Map(body.plugins.map((p) => [p.name, p]));
}

const daemons: TestDaemon[] = [];
async function daemonWith(env: Record<string, string>, opts: { pluginInitTimeoutMs?: number } = {}): Promise<TestDaemon> {
  const d = await startTestDaemon({ env, ...opts });
  daemons.push(d);
  return d;
}
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.stop();
});

describe('plugin loader refusals', () => {
  it('refuses, logs and shows the reason for each bad file while loading the good one', async () => {
    const good = pluginSource();
    const other = pluginSource({ type: 'otherdns' });
    const files: Record<string, string> = {
      memdns: good,
      unlisted: pluginSource({ type: 'unlisteddns' }),
      wronghash: pluginSource({ type: 'wronghashdns' }),
      loosefile: pluginSource({ type: 'loosedns' }),
      oldiface: pluginSource({ type: 'oldifacedns', interfaceVersion: 0 }),
      builtinclash: pluginSource({ type: 'webhook' }),
      pluginclash: pluginSource({ type: 'memdns' }),
      badmeta: pluginSource({ metadata: "{ type: 'Bad Type!', name: '', interfaceVersion: 1 }" }),
      initthrows: pluginSource({ type: 'initthrowsdns', init: "throw new Error('cannot reach the API');" }),
      inithangs: pluginSource({ type: 'inithangsdns', init: 'await new Promise(() => {});' }),
      notafactory: 'export default 42;\n',
      syntaxerror: 'export default function (host) { return {\n',
    };
    const allow: Record<string, { signature: string }> = {};
    for (const [n, text] of Object.entries(files)) allow[n] = { signature: sha(text) };
    allow.wronghash = { signature: sha('something else') };
    delete allow.unlisted;
    allow.missingfile = { signature: sha('gone') };
    const p = await pluginDir('refusals', Object.fromEntries(Object.entries(files).map(([n, t]) => [`${n}.mjs`, t])), allow);
    await chmod(join(p.dir, 'loosefile.mjs'), 0o666);
    // A symlink to a file outside the directory, listed with the target's true hash.
    const outside = join(root, 'outside.mjs');
    await writeFile(outside, other);
    await symlink(outside, join(p.dir, 'escape.mjs'));
    allow.escape = { signature: sha(other) };
    const p2 = await pluginDir('refusals', {}, allow);

    const d = await daemonWith(p2.env, { pluginInitTimeoutMs: 1500 });
    const rows = await listPlugins(d);
    const reason = (n: string) => ({ status: rows.get(n)?.status, error: rows.get(n)?.error ?? '' });

    expect(reason('memdns')).toEqual({ status: 'loaded', error: '' });
    expect(rows.get('memdns')).toMatchObject({ type: 'memdns', version: '1.0.0', signature: sha(good) });
    const expected: Record<string, RegExp> = {
      unlisted: /not on the allow-list/,
      wronghash: /has sha256:[0-9a-f]{64}; the allow-list expects sha256:/,
      loosefile: /writable by group or others \(mode 0666\)/,
      oldiface: /interfaceVersion is 0; this daemon speaks 1/,
      builtinclash: /type "webhook", which is built in/,
      pluginclash: /type "memdns", which plugin memdns already registers/,
      badmeta: /metadata\.type must be .*metadata\.name must be a non-empty string/,
      initthrows: /init failed: cannot reach the API/,
      inithangs: /inithangs init did not finish within 1\.5 s/,
      notafactory: /must default-export a factory function/,
      syntaxerror: /failed to load/,
      missingfile: /on the allow-list but not in/,
      escape: /symlink leaving the plugin directory/,
    };
    for (const [name, re] of Object.entries(expected)) {
      expect(reason(name).status, name).toBe('error');
      expect(reason(name).error, name).toMatch(re);
      // Each refusal is logged with its reason.
      expect(d.logs()).toContain(`"plugin":"${name}"`);
    }
    // Only the good plugin's type is offered; refused ones never reach the catalogue.
    const types = (await (await d.admin('/dns-providers/types')).json()) as { types: { type: string; category: string; is_built_in: boolean; fields: { name: string; type: string }[] }[] };
    const plugins = types.types.filter((t) => t.category === 'plugin');
    expect(plugins.map((t) => t.type)).toEqual(['memdns']);
    expect(plugins[0]!.fields).toEqual([
      expect.objectContaining({ name: 'label', type: 'text', secret: false }),
      expect.objectContaining({ name: 'token', type: 'password', secret: true }),
    ]);
    expect(plugins[0]!.is_built_in).toBe(false);
    expect(types.types.find((t) => t.type === 'webhook')!.category).toBe('custom');
  });

  it('refuses everything in a directory writable by others unless DNS01_PLUGINS_STRICT=false, which it says loudly', async () => {
    const good = pluginSource();
    const p = await pluginDir('loose-dir', { 'memdns.mjs': good }, { memdns: { signature: sha(good) } });
    await chmod(p.dir, 0o777);
    const strict = await daemonWith(p.env);
    expect((await listPlugins(strict)).get('memdns')).toMatchObject({ status: 'error', error: expect.stringMatching(/writable by group or others \(mode 0777\)/) });
    await strict.stop();
    daemons.splice(0);

    const relaxed = await daemonWith({ ...p.env, DNS01_PLUGINS_STRICT: 'false' });
    expect((await listPlugins(relaxed)).get('memdns')).toMatchObject({ status: 'loaded' });
    expect(relaxed.logs()).toMatch(/"level":"warn"[^\n]*DNS01_PLUGINS_STRICT=false: loading anyway although plugin directory/);
    // Strict off relaxes the permission check only: a wrong hash is still refused.
    await writeFile(join(p.dir, 'memdns.mjs'), pluginSource({ version: '9.9.9' }));
    const reloaded = (await (await relaxed.admin('/admin/plugins/reload', { method: 'POST' })).json()) as { plugins: PluginRowView[] };
    expect(reloaded.plugins.find((r) => r.name === 'memdns')!.error).toMatch(/the allow-list expects/);
  });

  it('stops start-up with one line when the allow-list is not valid, and when only one of the two settings is given', async () => {
    const p = await pluginDir('bad-list', {}, {});
    await writeFile(p.config, 'plugins:\n  memdns:\n    signature: "md5:abc"\n');
    await expect(startTestDaemon({ env: p.env })).rejects.toThrow(/memdns\.signature: signature must be "sha256:"/);
    await expect(startTestDaemon({ env: { DNS01_PLUGINS_DIR: p.dir } })).rejects.toThrow(/DNS01_PLUGINS_DIR and DNS01_PLUGINS_CONFIG go together/);
  });
});

describe('a loaded plugin', () => {
  it('serves challenges, refuses to be disabled while in use, and comes back after disable and enable', async () => {
    const good = pluginSource();
    const p = await pluginDir('lifecycle', { 'memdns.mjs': good }, { memdns: { signature: sha(good) } });
    const d = await daemonWith(p.env);
    const providerId = await d.addProvider({ name: 'mem', provider_type: 'memdns', credentials: { label: 'a', token: 'secret-token-value' } });
    const fqdn = '_acme-challenge.life.example.test';
    const value = txtValue('life');
    const created = await d.internal('/create', { body: { provider_id: providerId, fqdn, value } });
    expect(created.status).toBe(201);
    expect(state().records.get(fqdn)?.has(value)).toBe(true);
    // The secret field is masked like any built-in's.
    const shown = (await (await d.admin(`/dns-providers/${providerId}`)).json()) as { provider: { credentials: Record<string, unknown> } };
    expect(shown.provider.credentials).toEqual({ label: 'a', token: '********' });

    const row = (await listPlugins(d)).get('memdns')!;
    const refused = await d.admin(`/admin/plugins/${row.id}/disable`, { method: 'POST' });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('mem');

    await d.admin(`/dns-providers/${providerId}`, { method: 'PUT', body: { enabled: false } });
    const disabled = await d.admin(`/admin/plugins/${row.id}/disable`, { method: 'POST' });
    expect(disabled.status).toBe(200);
    expect(((await disabled.json()) as { plugin: PluginRowView }).plugin).toMatchObject({ status: 'disabled', enabled: false });
    const typesOff = (await (await d.admin('/dns-providers/types')).json()) as { types: { type: string }[] };
    expect(typesOff.types.map((t) => t.type)).not.toContain('memdns');
    // A reload keeps the operator's disable.
    await d.admin('/admin/plugins/reload', { method: 'POST' });
    expect((await listPlugins(d)).get('memdns')!.status).toBe('disabled');

    const enabled = await d.admin(`/admin/plugins/${row.id}/enable`, { method: 'POST' });
    expect(((await enabled.json()) as { plugin: PluginRowView }).plugin).toMatchObject({ status: 'loaded', enabled: true });
    await d.admin(`/dns-providers/${providerId}`, { method: 'PUT', body: { enabled: true } });
    const id = ((await created.json()) as { challenge_id: string }).challenge_id;
    expect((await d.internal(`/${id}`, { method: 'DELETE' })).status).toBe(200);
    expect(state().records.get(fqdn)?.has(value)).toBe(false);
    expect(d.logs()).not.toContain('secret-token-value');

    const unknown = await d.admin('/admin/plugins/00000000-0000-4000-8000-000000000000/enable', { method: 'POST' });
    expect(unknown.status).toBe(404);
  });

  it('hot-reloads to a new version under a steady load of challenges with no failed call', async () => {
    const v1 = pluginSource({ version: '1.0.0', delayMs: 30 });
    const v2 = pluginSource({ version: '2.0.0', delayMs: 30 });
    const p = await pluginDir('reload', { 'memdns.mjs': v1 }, { memdns: { signature: sha(v1) } });
    const d = await daemonWith(p.env);
    const providerId = await d.addProvider({ name: 'mem-reload', provider_type: 'memdns', credentials: {}, settings: { rate_limit_per_minute: 10_000 } });
    state().calls.length = 0;
    state().closed.length = 0;

    let stop = false;
    const failures: string[] = [];
    let done = 0;
    const worker = async (w: number) => {
      for (let i = 0; !stop; i += 1) {
        const fqdn = `_acme-challenge.w${w}-${i}.reload.example.test`;
        const res = await d.internal('/create', { body: { provider_id: providerId, fqdn, value: txtValue(`${w}-${i}`) } });
        if (res.status !== 201) failures.push(`create ${res.status} ${await res.text()}`);
        else {
          const id = ((await res.json()) as { challenge_id: string }).challenge_id;
          const del = await d.internal(`/${id}`, { method: 'DELETE' });
          if (del.status !== 200) failures.push(`delete ${del.status} ${await del.text()}`);
        }
        done += 1;
      }
    };
    const workers = [0, 1, 2, 3].map(worker);
    const until = async (cond: () => boolean) => {
      while (!cond()) await new Promise((r) => setTimeout(r, 20));
    };
    await until(() => state().calls.filter((c) => c.version === '1.0.0').length >= 20);

    await writeFile(join(p.dir, 'memdns.mjs'), v2);
    await writeFile(p.config, `plugins:\n  memdns:\n    enabled: true\n    signature: "${sha(v2)}"\n`);
    const reload = await d.admin('/admin/plugins/reload', { method: 'POST' });
    expect(reload.status).toBe(200);
    const atReload = done;
    await until(() => state().calls.filter((c) => c.version === '2.0.0').length >= 20 && done > atReload + 10);
    stop = true;
    await Promise.all(workers);

    expect(failures).toEqual([]);
    expect((await listPlugins(d)).get('memdns')).toMatchObject({ status: 'loaded', version: '2.0.0', signature: sha(v2) });
    // Old code closed once its last call finished; every call after that ran the new one.
    await until(() => state().closed.includes('1.0.0'));
    const lastV1 = state().calls.map((c) => c.version).lastIndexOf('1.0.0');
    expect(state().calls.slice(lastV1 + 1).every((c) => c.version === '2.0.0')).toBe(true);
    expect(state().closed).toEqual(['1.0.0']);
    // A present and its cleanup may straddle the swap, but no value is left behind.
    expect([...state().records.entries()].filter(([name, set]) => name.endsWith('.reload.example.test') && set.size > 0)).toEqual([]);
  });

  it('keeps the loaded version serving when a reload finds a bad new file', async () => {
    const v1 = pluginSource({ version: '1.0.0' });
    const p = await pluginDir('bad-reload', { 'memdns.mjs': v1 }, { memdns: { signature: sha(v1) } });
    const d = await daemonWith(p.env);
    const broken = pluginSource({ version: '2.0.0', init: "throw new Error('boom');" });
    await writeFile(join(p.dir, 'memdns.mjs'), broken);
    await writeFile(p.config, `plugins:\n  memdns:\n    enabled: true\n    signature: "${sha(broken)}"\n`);
    await d.admin('/admin/plugins/reload', { method: 'POST' });
    const row = (await listPlugins(d)).get('memdns')!;
    expect(row).toMatchObject({ status: 'loaded', version: '1.0.0', signature: sha(v1) });
    expect(row.error).toMatch(/init failed: boom; version 1\.0\.0 loaded at .* keeps serving/);
    const providerId = await d.addProvider({ name: 'mem-bad', provider_type: 'memdns', credentials: {} });
    const res = await d.internal('/create', { body: { provider_id: providerId, fqdn: '_acme-challenge.bad.example.test', value: txtValue('bad') } });
    expect(res.status).toBe(201);
    const id = ((await res.json()) as { challenge_id: string }).challenge_id;
    expect((await d.internal(`/${id}`, { method: 'DELETE' })).status).toBe(200);
  });

  it("keeps a failing plugin's own words for the log and the challenge row, not for the reply", async () => {
    const failing = pluginSource({ presentThrows: 'far side answered HTTP 401 for zone example.test' });
    const p = await pluginDir('failing', { 'memdns.mjs': failing }, { memdns: { signature: sha(failing) } });
    const d = await daemonWith(p.env);
    const providerId = await d.addProvider({ name: 'mem-failing', provider_type: 'memdns', credentials: {} });
    const res = await d.internal('/create', { body: { provider_id: providerId, fqdn: '_acme-challenge.fail.example.test', value: txtValue('fail') } });
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect({ status: res.status, code: body.error.code, message: body.error.message }).toEqual({ status: 502, code: 'PROVIDER_ERROR', message: 'provider mem-failing failed' });
    expect(JSON.stringify(body)).not.toContain('HTTP 401');
    expect(d.logs()).toMatch(/"level":"warn"[^\n]*far side answered HTTP 401 for zone example\.test/);
    const [row] = await d.daemon.database.db.select().from(challenges).where(eq(challenges.providerId, providerId));
    expect(row!.error).toContain('far side answered HTTP 401 for zone example.test');
  });
});
