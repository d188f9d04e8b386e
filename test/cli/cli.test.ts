// The operator CLI as shipped: built with tsc, run as a child process through bin/dns01-proxy.mjs against a running daemon.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { startBind } from '../support/dns-servers/index.js';
import { pluginDir, POWERDNS_MODULE, type PluginDir } from '../support/plugins.js';
import { freePort } from '../support/ports.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';

const REPO = resolve(import.meta.dirname, '../..');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('dns01-proxy CLI (built, as a child process)', () => {
  let dir: string;
  let bin: string;
  let d: TestDaemon;
  let plugins: PluginDir | undefined;
  const secret = `cf-${randomBytes(12).toString('hex')}`;

  /** Runs the built command with only the environment given (no DNS01_* leaks in from the test runner). */
  const cli = (args: string[], env: Record<string, string> = {}): Promise<Run> =>
    new Promise((done) => {
      execFile(process.execPath, [bin, ...args], { cwd: dir, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        done({ code, stdout, stderr });
      });
    });
  const as = (args: string[]) => cli([...args, '--url', d.url], { DNS01_ADMIN_TOKEN: d.adminToken });
  const ok = async (args: string[]) => {
    const r = await as(args);
    expect(r.code, r.stderr).toBe(0);
    return r;
  };
  const jsonOf = async <T>(args: string[]) => JSON.parse((await ok([...args, '--json'])).stdout) as T;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dns01-cli-'));
    // The package as installed: package.json, bin/, a fresh dist/ as `npm run build` makes it (tsc, then the daemon
    // bundled into dist/main.js), and for the daemon (`serve`) its migrations and node_modules.
    const build = (args: string[]) => new Promise<void>((done, fail) =>
      execFile(process.execPath, args, { cwd: REPO }, (err, out, errOut) => (err ? fail(new Error(`${args[0]} failed: ${out}${errOut}`)) : done())));
    await build([join(REPO, 'node_modules/typescript/bin/tsc'), '-p', join(REPO, 'tsconfig.build.json'), '--outDir', join(dir, 'dist')]);
    await build([join(REPO, 'bin/bundle-daemon.mjs'), join(dir, 'dist/main.js')]);
    await copyFile(join(REPO, 'package.json'), join(dir, 'package.json'));
    await mkdir(join(dir, 'bin'));
    for (const f of ['dns01-proxy.mjs', 'require-node24.mjs']) await copyFile(join(REPO, 'bin', f), join(dir, 'bin', f));
    await cp(join(REPO, 'drizzle'), join(dir, 'drizzle'), { recursive: true });
    await symlink(join(REPO, 'node_modules'), join(dir, 'node_modules'));
    bin = join(dir, 'bin/dns01-proxy.mjs');
    plugins = await pluginDir([POWERDNS_MODULE]);
    d = await startTestDaemon({ env: plugins.env });
  });
  afterAll(async () => {
    await d?.stop();
    await plugins?.remove();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('prints help (exit 0) and refuses unknown commands, flags and missing arguments with exit 2', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('challenges list');
    expect(help.stdout).toMatch(/^  credentials add\s+add a zone-specific credential/m);
    expect(help.stdout).not.toContain('not in this version');
    expect((await cli(['challenges', 'show', '--help'])).stdout).toContain('Usage: dns01-proxy challenges show ID');
    for (const args of [['frobnicate'], ['providers', 'list', '--bogus'], ['challenges', 'show'], ['providers', 'add', '--name', 'x'], ['providers', 'list', '--timeout', 'soon']]) {
      const r = await as(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^dns01-proxy: /);
    }
  });

  it('providers add/list/test/rm: a table for people, JSON for scripts, secrets masked', async () => {
    const added = await ok(['providers', 'add', '--name', 'cli-cf', '--type', 'cloudflare', '--set', `api_token=${secret}`]);
    expect(added.stdout).toMatch(/^ID\s+NAME\s+TYPE\s+ENABLED\s+DEFAULT\n[0-9a-f-]{36}\s+cli-cf\s+cloudflare\s+true\s+false\n$/);
    await writeFile(join(dir, 'creds.json'), JSON.stringify({ timeout_minutes: 20 }));
    const manual = await jsonOf<{ id: string; provider_type: string }>(['providers', 'add', '--name', 'cli-manual', '--type', 'manual', '--credentials-file', 'creds.json']);
    expect(manual.provider_type).toBe('manual');

    const listed = await jsonOf<{ name: string; credentials: Record<string, unknown> }[]>(['providers', 'list']);
    expect(listed.map((p) => p.name).sort()).toEqual(['cli-cf', 'cli-manual']);
    const table = (await ok(['providers', 'list'])).stdout;
    expect(table.split('\n')[0]).toMatch(/^ID\s+NAME\s+TYPE\s+ENABLED\s+DEFAULT$/);
    expect(table).toContain('cli-manual');
    expect(JSON.stringify(listed) + added.stdout + table).not.toContain(secret);

    expect((await ok(['providers', 'test', 'cli-manual'])).stdout).toMatch(/^RESULT\s+MESSAGE\n/);

    const refused = await as(['providers', 'add', '--name', 'bad', '--type', 'manual', '--credentials', '{"timeout_minutes": 0}']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('VALIDATION_ERROR');
    expect(refused.stderr).toContain('timeout_minutes');
    const notJson = await as(['providers', 'add', '--name', 'bad', '--type', 'cloudflare', '--credentials', `{"api_token": "${secret}"`]);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).not.toContain(secret);

    expect((await ok(['providers', 'rm', 'cli-cf'])).stdout).toMatch(/^DELETED/);
    const gone = await as(['providers', 'rm', 'cli-cf']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('no provider is named "cli-cf"');
  });

  it('credentials add/list/rm: zone-specific credentials of a provider named by name, secrets masked, bad zones refused', async () => {
    const own = `cf-own-${randomBytes(8).toString('hex')}`;
    const zoned = `cf-zoned-${randomBytes(8).toString('hex')}`;
    await d.addProvider({ name: 'cli-zoned', provider_type: 'cloudflare', credentials: { api_token: own } });
    // Not switched yet: the API's 409 says what to do, exit 1.
    const early = await as(['credentials', 'add', 'cli-zoned', '--label', 'early', '--set', `api_token=${zoned}`]);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain('use_multi_credentials');
    const added = await ok(['credentials', 'add', 'cli-zoned', '--switch', '--label', 'Customer A', '--zones', 'a.cli.test,*.a.cli.test', '--set', `api_token=${zoned}`]);
    expect(added.stdout).toMatch(/^ID\s+LABEL\s+ZONES\s+ENABLED\s+SUCCESSES\s+FAILURES\n[0-9a-f-]{36}\s+Customer A\s+a\.cli\.test,\*\.a\.cli\.test\s+true\s+0\s+0\n$/);
    const listed = await jsonOf<{ id: string; label: string; zone_filter: string; credentials: Record<string, unknown> }[]>(['credentials', 'list', 'cli-zoned']);
    // --switch moved the provider's own token into the catch-all row first.
    expect(listed.map((c) => [c.label, c.zone_filter])).toEqual([['default', ''], ['Customer A', 'a.cli.test,*.a.cli.test']]);
    expect(listed[1]!.credentials).toEqual({ api_token: '********' });
    const table = (await ok(['credentials', 'list', 'cli-zoned'])).stdout;
    expect(table).toMatch(/^\S+\s+default\s+\(catch-all\)\s+true/m);
    expect(JSON.stringify(listed) + added.stdout + table).not.toContain(zoned);
    expect(JSON.stringify(listed) + table).not.toContain(own);

    const bad = await as(['credentials', 'add', 'cli-zoned', '--label', 'bad', '--zones', 'a.*.cli.test', '--set', `api_token=${zoned}`]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('VALIDATION_ERROR');
    expect(bad.stderr).not.toContain(zoned);
    expect(await jsonOf<unknown[]>(['credentials', 'list', 'cli-zoned'])).toHaveLength(2);
    expect((await as(['credentials', 'add', 'cli-zoned', '--zones', 'x.cli.test'])).code).toBe(2);
    expect((await as(['credentials', 'rm', 'cli-zoned'])).code).toBe(2);

    expect((await ok(['credentials', 'rm', 'cli-zoned', listed[1]!.id])).stdout).toMatch(/^DELETED\n/);
    const gone = await as(['credentials', 'rm', 'cli-zoned', listed[1]!.id]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('CREDENTIAL_NOT_FOUND');
    expect((await jsonOf<{ label: string }[]>(['credentials', 'list', 'cli-zoned'])).map((c) => c.label)).toEqual(['default']);
  });

  it('types: TYPE/NAME/CATEGORY columns, or the list as JSON', async () => {
    const table = (await ok(['types'])).stdout.split('\n');
    expect(table[0]).toMatch(/^TYPE\s+NAME\s+CATEGORY$/);
    expect(table.some((l) => /^webhook\s+\S/.test(l))).toBe(true);
    const types = await jsonOf<{ type: string }[]>(['types']);
    expect(types.map((t) => t.type)).toEqual(expect.arrayContaining(['webhook', 'rfc2136', 'manual', 'cloudflare']));
  });

  it('sites add/list/rm with the provider named by name', async () => {
    await d.addProvider({ name: 'for-sites', provider_type: 'manual', credentials: {} });
    const site = await jsonOf<{ id: string; domain_names: string[] }>(['sites', 'add', '--domains', 'a.cli.test,b.cli.test', '--provider', 'for-sites']);
    expect(site.domain_names).toEqual(['a.cli.test', 'b.cli.test']);
    // The provider by name, as `providers list` shows it.
    expect((await ok(['sites', 'list'])).stdout).toMatch(new RegExp(`^${site.id}\\s+a\\.cli\\.test,b\\.cli\\.test\\s+for-sites\\s+true$`, 'm'));
    await ok(['sites', 'rm', site.id]);
    expect(await jsonOf<unknown[]>(['sites', 'list'])).toEqual([]);
  });

  it('challenges list (filters, pages, --all) and show', async () => {
    const provider = await d.addProvider({ name: 'for-challenges', provider_type: 'manual', credentials: {} });
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const res = await d.internal('/create', { body: { provider_id: provider, fqdn: `_acme-challenge.c${n}.cli.test`, value: txtValue(`cli${n}`) } });
      ids.push(((await res.json()) as { challenge_id: string }).challenge_id);
    }
    const all = await jsonOf<{ challenges: { id: string }[]; next_cursor: null }>(['challenges', 'list', '--all', '--limit', '1', '--provider', 'for-challenges']);
    expect(all.challenges.map((c) => c.id).sort()).toEqual([...ids].sort());
    expect(all.next_cursor).toBeNull();
    const page = await jsonOf<{ challenges: unknown[]; next_cursor: string }>(['challenges', 'list', '--limit', '2', '--status', 'pending']);
    expect(page.challenges).toHaveLength(2);
    expect(typeof page.next_cursor).toBe('string');
    const table = (await ok(['challenges', 'list', '--fqdn', 'c2.cli'])).stdout;
    expect(table).toMatch(/^ID\s+STATUS\s+PROVIDER\s+FQDN\s+CREATED\s+SECONDS LEFT\n/);
    expect(table).toContain(`${ids[1]}  PENDING`);
    expect(table.trim().split('\n')).toHaveLength(2);

    const shown = (await ok(['challenges', 'show', ids[0]!])).stdout;
    expect(shown).toMatch(/^ttl\s+60$/m);
    expect(shown).toMatch(/^last check\s+never$/m);
    expect((await jsonOf<{ id: string; ttl: number }>(['challenges', 'show', ids[0]!]))).toMatchObject({ id: ids[0], ttl: 60 });

    const bad = await as(['challenges', 'list', '--created-after', 'yesterday']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('created_after');
    const missing = await as(['challenges', 'show', '00000000-0000-4000-8000-000000000000']);
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toContain('CHALLENGE_NOT_FOUND');
  });

  it('caddy preview prints the policies; caddy sync with sync off is an API error (exit 1)', async () => {
    expect(await jsonOf<unknown[]>(['sites', 'list'])).toEqual([]);
    // No site: a sentence saying where policies come from, not a bare header.
    expect((await ok(['caddy', 'preview'])).stdout).toBe('no policies: Caddy gets one for the names of each enabled site whose provider is enabled (add one with `dns01-proxy sites add --domains NAME --provider NAME`)\n');
    await d.addProvider({ name: 'for-preview', provider_type: 'manual', credentials: {} });
    const site = await jsonOf<{ id: string }>(['sites', 'add', '--domains', 'p.cli.test', '--provider', 'for-preview']);
    expect((await ok(['caddy', 'preview'])).stdout).toMatch(/^SUBJECTS\s+DNS MODULE\np\.cli\.test\s+acmeproxy$/m);
    await ok(['sites', 'rm', site.id]);
    expect(await jsonOf<{ apps: unknown }>(['caddy', 'preview'])).toHaveProperty('apps.tls.automation.policies');
    const sync = await as(['caddy', 'sync']);
    expect(sync.code).toBe(1);
    expect(sync.stderr).toContain('SERVICE_UNAVAILABLE');
    // The rotation's success path against a real Caddy is test/caddy/daemon-sync.test.ts's (the API's).
    const rotate = await as(['caddy', 'token-rotate']);
    expect(rotate).toMatchObject({ code: 1, stdout: '' });
    expect(rotate.stderr).toContain('SERVICE_UNAVAILABLE');
  });

  it('client-tokens create/list/show/revoke: the secrets shown once on create, never after; refusals exit 1', async () => {
    const provider = await d.addProvider({ name: 'for-tokens', provider_type: 'manual', credentials: {} });
    const created = await ok(['client-tokens', 'create', '--name', 'cli-lego', '--domains', 'tok.cli.test,*.tok.cli.test', '--cidrs', '127.0.0.0/8,10.0.0.0/8', '--providers', 'for-tokens', '--expires', '30d', '--tsig-algorithm', 'hmac-sha256']);
    const out = created.stdout;
    expect(out).toMatch(/^ID\s+NAME\s+STATE\s+DOMAINS\s+EXPIRES\s+MANAGED BY\n[0-9a-f-]{36}\s+cli-lego\s+active\s+\*\.tok\.cli\.test,tok\.cli\.test\s+\S+\s+-\n/);
    const token = /^token: (dns01ct_\S+)$/m.exec(out)?.[1];
    const secret = /^tsig secret: (\S+)$/m.exec(out)?.[1];
    expect(token).toBeDefined();
    expect(secret).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(out).toMatch(/^tsig key: cli-lego\.dns01-proxy\. hmac-sha256$/m);
    expect(out).toContain('Shown this once: the daemon never shows the token or the TSIG secret again.');
    // The token works: the internal API takes it for its names.
    const present = (value: string) => d.internal('/create', { headers: { authorization: `Bearer ${token}` }, body: { provider_id: provider, fqdn: '_acme-challenge.tok.cli.test', value: txtValue(value) } });
    const res = await present('tok');
    expect(res.status, await res.clone().text()).toBe(201);

    const plain = await jsonOf<{ success: boolean; token: string; client_token: { id: string; name: string; providers: string[]; allowed_cidrs: string[] } }>(['client-tokens', 'create', '--name', 'cli-plain', '--domains', 'plain.cli.test']);
    expect(plain).toMatchObject({ success: true, client_token: { name: 'cli-plain', providers: null, allowed_cidrs: null } });
    expect(plain.token).toMatch(/^dns01ct_/);
    expect(plain).not.toHaveProperty('tsig_key');

    const listed = await jsonOf<{ id: string; name: string }[]>(['client-tokens', 'list']);
    expect(listed).toEqual(await d.api.clientTokens.list());
    const lego = listed.find((t) => t.name === 'cli-lego')!;
    const table = (await ok(['client-tokens', 'list'])).stdout;
    expect(table).toMatch(new RegExp(`^${plain.client_token.id}\\s+cli-plain\\s+active\\s+plain\\.cli\\.test\\s+-\\s+-$`, 'm'));
    const shown = (await ok(['client-tokens', 'show', 'cli-lego'])).stdout;
    expect(shown).toMatch(/^networks\s+127\.0\.0\.0\/8,10\.0\.0\.0\/8$/m);
    expect(shown).toMatch(new RegExp(`^providers\\s+${provider}$`, 'm'));
    expect(shown).toMatch(/^tsig key\s+cli-lego\.dns01-proxy\. hmac-sha256$/m);
    expect(await jsonOf(['client-tokens', 'show', lego.id])).toEqual(await d.api.clientTokens.get(lego.id));
    for (const text of [table, shown, JSON.stringify(listed)]) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(secret);
    }

    const revoked = (await ok(['client-tokens', 'revoke', 'cli-lego'])).stdout;
    expect(revoked).toMatch(new RegExp(`^ID\\s+NAME\\s+STATE\\s+REVOKED\\n${lego.id}\\s+cli-lego\\s+revoked\\s+\\d{4}-`));
    // By name still, as the one revoked token of that name; again is no error.
    expect(await jsonOf<{ state: string }>(['client-tokens', 'revoke', 'cli-lego'])).toMatchObject({ state: 'revoked' });
    expect((await present('tok2')).status).toBe(401);

    const unknown = await as(['client-tokens', 'revoke', '00000000-0000-4000-8000-000000000000']);
    expect(unknown).toMatchObject({ code: 1, stdout: '' });
    expect(unknown.stderr).toBe('dns01-proxy: NOT_FOUND: no client token with that id\n');
    expect((await as(['client-tokens', 'show', 'nobody'])).stderr).toContain('no client token is named "nobody"');
    const twice = await as(['client-tokens', 'create', '--name', 'cli-plain', '--domains', 'x.cli.test']);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('CONFLICT');
    const badAlgorithm = await as(['client-tokens', 'create', '--name', 'cli-x', '--domains', 'x.cli.test', '--tsig-algorithm', 'hmac-sha3']);
    expect(badAlgorithm.code).toBe(1);
    expect(badAlgorithm.stderr).toMatch(/VALIDATION_ERROR[^]*tsig_algorithm/);
    expect((await as(['client-tokens', 'create', '--name', 'cli-x'])).code).toBe(2);
  });

  it('client-tokens tsig-rotate/tsig-delete: a first key, a new secret shown once, the key removed; refusals exit 1', async () => {
    await jsonOf(['client-tokens', 'create', '--name', 'cli-door', '--domains', 'door.cli.test']);
    const noAlgorithm = await as(['client-tokens', 'tsig-rotate', 'cli-door']);
    expect(noAlgorithm.code).toBe(1);
    expect(noAlgorithm.stderr).toMatch(/VALIDATION_ERROR[^]*tsig_algorithm/);

    const first = (await ok(['client-tokens', 'tsig-rotate', 'cli-door', '--tsig-algorithm', 'hmac-sha512'])).stdout;
    expect(first).toMatch(/^tsig key: cli-door\.dns01-proxy\. hmac-sha512$/m);
    const secret1 = /^tsig secret: (\S+)$/m.exec(first)?.[1];
    expect(Buffer.from(secret1!, 'base64')).toHaveLength(64);
    expect(first).toContain('Shown this once');
    const again = await jsonOf<{ success: boolean; tsig_key: { name: string; algorithm: string; secret: string } }>(['client-tokens', 'tsig-rotate', 'cli-door']);
    expect(again).toMatchObject({ success: true, tsig_key: { name: 'cli-door.dns01-proxy.', algorithm: 'hmac-sha512' } });
    expect(again.tsig_key.secret).not.toBe(secret1);
    for (const text of [(await ok(['client-tokens', 'show', 'cli-door'])).stdout, (await ok(['client-tokens', 'list', '--json'])).stdout]) {
      expect(text).not.toContain(secret1);
      expect(text).not.toContain(again.tsig_key.secret);
    }

    const deleted = (await ok(['client-tokens', 'tsig-delete', 'cli-door'])).stdout;
    expect(deleted).toMatch(/^ID\s+NAME\s+DELETED TSIG KEY\n[0-9a-f-]{36}\s+cli-door\s+cli-door\.dns01-proxy\.$/m);
    const twice = await as(['client-tokens', 'tsig-delete', 'cli-door']);
    expect(twice).toMatchObject({ code: 1, stdout: '' });
    expect(twice.stderr).toContain('NOT_FOUND');
    expect((await as(['client-tokens', 'tsig-rotate'])).code).toBe(2);
  });

  it('encryption status/rotate/history: the key table, a rotation waited for, the history', async () => {
    const status = (await ok(['encryption', 'status'])).stdout;
    expect(status).toMatch(/^write key\s+\S+ \(\S+\)$/m);
    expect(status).toMatch(/^rotation\s+idle$/m);
    expect(status).toMatch(/^KEY VERSION\s+SLOT\s+CONFIGURED\s+WRITES\s+ROWS\n\S+\s+\S+\s+true\s+true\s+\d+$/m);
    expect(await jsonOf(['encryption', 'status'])).toEqual(await d.api.encryption.status());

    const rotated = await jsonOf<{ id: string; outcome: string; progress: number }>(['encryption', 'rotate', '--wait']);
    expect(rotated).toMatchObject({ outcome: 'completed', progress: 1 });
    const history = (await ok(['encryption', 'history'])).stdout;
    expect(history.split('\n')[0]).toMatch(/^ID\s+OUTCOME\s+PROGRESS\s+ROWS DONE\s+UNREADABLE\s+SKIPPED\s+TO KEY\s+TRIGGER\s+STARTED\s+FINISHED$/);
    expect(history).toMatch(new RegExp(`^${rotated.id}\\s+completed\\s+100%\\s+\\d+/\\d+\\s+0\\s+0\\s+\\S+\\s+api\\s`, 'm'));
    expect(await jsonOf(['encryption', 'history', '--limit', '5'])).toEqual(await d.api.encryption.history(5));
    const bad = await as(['encryption', 'history', '--limit', '0']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/VALIDATION_ERROR[^]*limit/);
  });

  it('audit list/show with the API\'s filters and cursor; export as NDJSON to a file and CSV to stdout', async () => {
    await ok(['client-tokens', 'create', '--name', 'cli-audit', '--domains', 'audit.cli.test']);
    await ok(['client-tokens', 'revoke', 'cli-audit']);
    // The audit writer queues its rows: every one is in the table before the lists are compared.
    await d.daemon.audit!.flush();
    const api = await d.api.audit.list({ category: 'client_token' });
    const listed = await jsonOf<{ audit_logs: { id: string; action: string }[]; next_cursor: null }>(['audit', 'list', '--category', 'client_token']);
    expect(listed).toEqual({ audit_logs: api.audit_logs, next_cursor: null });
    const table = (await ok(['audit', 'list', '--action', 'client_token.revoke', '--q', 'cli-audit'])).stdout;
    expect(table).toMatch(/^ID\s+TIME\s+ACTOR\s+ACTION\s+OUTCOME\s+RESOURCE\s+SOURCE\n[0-9a-f-]{36}\s+\S+\s+admin\s+client_token\.revoke\s+success\s+client_token:[0-9a-f-]{36}\s+127\.0\.0\.1\n$/);
    // One event a page: the cursor line, then --all follows it.
    const page = (await ok(['audit', 'list', '--category', 'client_token', '--limit', '1'])).stdout;
    expect(page).toMatch(/\nmore: --cursor \S+\n$/);
    const all = await jsonOf<{ audit_logs: { id: string }[] }>(['audit', 'list', '--category', 'client_token', '--limit', '1', '--all']);
    expect(all.audit_logs.map((e) => e.id)).toEqual(api.audit_logs.map((e) => e.id));
    const provider = (await d.api.providers.list()).find((p) => p.name === 'for-tokens')!;
    expect((await jsonOf<{ audit_logs: unknown[] }>(['audit', 'list', '--provider', 'for-tokens'])).audit_logs).toEqual((await d.api.providers.auditLogs(provider.id)).audit_logs);

    const event = api.audit_logs[0]!;
    expect((await ok(['audit', 'show', event.id])).stdout).toMatch(new RegExp(`^action\\s+${event.action.replace('.', '\\.')}$`, 'm'));
    expect(await jsonOf(['audit', 'show', event.id])).toEqual(await d.api.audit.get(event.id));
    const missing = await as(['audit', 'show', '00000000-0000-4000-8000-000000000000']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('NOT_FOUND');
    const bad = await as(['audit', 'list', '--outcome', 'maybe']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/VALIDATION_ERROR[^]*outcome/);

    const file = join(dir, 'audit.ndjson');
    const exported = await ok(['audit', 'export', '--category', 'client_token', '--output', file]);
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as { id: string; category: string });
    expect(lines.map((e) => e.id)).toEqual(api.audit_logs.map((e) => e.id));
    expect(exported.stdout).toBe(`${lines.length} event(s) written to ${file} (ndjson)\n`);
    const csv = await ok(['audit', 'export', '--format', 'csv', '--category', 'client_token', '--action', 'client_token.create']);
    const rows = csv.stdout.trimEnd().split('\r\n');
    expect(rows[0]).toBe('id,created_at,actor,action,category,resource_type,resource_id,outcome,source_ip,user_agent,details');
    expect(rows.slice(1).map((r) => r.split(',')[3])).toEqual(api.audit_logs.filter((e) => e.action === 'client_token.create').map(() => 'client_token.create'));
    const refused = await as(['audit', 'export', '--format', 'xml', '--output', join(dir, 'never.xml')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('expected csv or ndjson');
    await expect(readFile(join(dir, 'never.xml'))).rejects.toThrow(/ENOENT/);
  });

  it('audit export streams: the timeout is per pause, not per export, and an export that broke off is exit 1 with its reason', async () => {
    // A stand-in daemon that sends its export a line at a time, longer in all than --timeout, then the error line.
    const lines = Array.from({ length: 8 }, (_, i) => `${JSON.stringify({ id: `e${i}` })}\n`);
    const fake = createHttpServer((req, res) => {
      if (req.url === '/health') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"service":"dns01-proxy"}');
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      const broken = req.url?.includes('actor=broken');
      let i = 0;
      const timer = setInterval(() => {
        if (i < lines.length) return void res.write(lines[i++]);
        clearInterval(timer);
        res.end(broken ? '{"error":{"code":"SERVICE_UNAVAILABLE","message":"the export stopped before its end (the database is unavailable; try again shortly); this file is incomplete"}}\n' : '');
      }, 250);
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(fake.address() as { port: number }).port}`;
    try {
      const whole = await cli(['audit', 'export', '--url', url, '--timeout', '1.5'], { DNS01_ADMIN_TOKEN: 'abc' });
      expect(whole.code, whole.stderr).toBe(0);
      expect(whole.stdout).toBe(lines.join(''));
      const file = join(dir, 'broken.ndjson');
      const broken = await cli(['audit', 'export', '--actor', 'broken', '--output', file, '--url', url, '--timeout', '1.5'], { DNS01_ADMIN_TOKEN: 'abc' });
      expect(broken.code).toBe(1);
      expect(broken.stderr).toBe('dns01-proxy: SERVICE_UNAVAILABLE: the export stopped before its end (the database is unavailable; try again shortly); this file is incomplete\n');
      // What came is kept, its last line saying it is incomplete.
      expect((await readFile(file, 'utf8')).split('\n')).toHaveLength(lines.length + 2);
    } finally {
      await new Promise((r) => fake.close(r));
    }
  });

  it('plugins list/show/enable/disable/reload: the refusal reason when the API refuses', async () => {
    const listed = await jsonOf<{ id: string; name: string; status: string }[]>(['plugins', 'list']);
    expect(listed.map((p) => [p.name, p.status])).toEqual([['powerdns', 'loaded']]);
    expect((await ok(['plugins', 'list'])).stdout).toMatch(/^ID\s+NAME\s+TYPE\s+STATUS\s+ENABLED\s+VERSION\s+ERROR\n[0-9a-f-]{36}\s+powerdns\s+powerdns\s+loaded\s+true\s+\S+\s+-\n$/);
    expect((await ok(['plugins', 'show', 'powerdns'])).stdout).toMatch(/^signature\s+sha256:[0-9a-f]{64}$/m);
    const provider = await d.addProvider({ name: 'for-plugins', provider_type: 'powerdns', credentials: { api_url: 'http://127.0.0.1:1', api_key: 'k' } });
    const refused = await as(['plugins', 'disable', 'powerdns']);
    expect(refused).toMatchObject({ code: 1, stdout: '' });
    expect(refused.stderr).toBe('dns01-proxy: CONFLICT: plugin powerdns serves enabled providers: for-plugins; disable or move them first\n');
    await d.api.providers.update(provider, { enabled: false });
    expect(await jsonOf(['plugins', 'disable', 'powerdns'])).toMatchObject({ name: 'powerdns', enabled: false, status: 'disabled' });
    expect((await ok(['plugins', 'enable', listed[0]!.id])).stdout).toMatch(/\s+powerdns\s+loaded\s+true\s/);
    expect(await jsonOf<{ status: string }[]>(['plugins', 'reload'])).toMatchObject([{ name: 'powerdns', status: 'loaded' }]);
    const unknown = await as(['plugins', 'enable', '00000000-0000-4000-8000-000000000000']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('NOT_FOUND: no plugin with that id');
    expect((await as(['plugins', 'show', 'absent'])).stderr).toContain('no plugin is named "absent"');
  });

  it('providers show/update, credentials show/update/test, sites show/update, types fields: --set alone keeps the other fields', async () => {
    const auth = `Bearer hook-${randomBytes(12).toString('hex')}`;
    const id = await d.addProvider({ name: 'cli-upd', provider_type: 'webhook', credentials: { create_url: 'http://127.0.0.1:1999/a', auth_value: auth } });
    const shown = (await ok(['providers', 'show', 'cli-upd'])).stdout;
    expect(shown).toMatch(/^type\s+webhook$/m);
    expect(shown).toMatch(/^credentials\s+\{.*"auth_value":"\*{8}".*\}$/m);
    expect(await jsonOf(['providers', 'show', id])).toEqual(await d.api.providers.get(id));
    const updated = (await ok(['providers', 'update', 'cli-upd', '--set', 'create_url=http://127.0.0.1:2999/b', '--disable'])).stdout;
    expect(updated).toMatch(new RegExp(`^${id}\\s+cli-upd\\s+webhook\\s+false\\s+false$`, 'm'));
    // The secret the update did not name is kept, not dropped.
    expect((await d.api.providers.get(id)).credentials).toMatchObject({ create_url: 'http://127.0.0.1:2999/b', auth_value: '********' });
    expect(shown + updated + (await ok(['providers', 'show', id])).stdout).not.toContain(auth);
    expect(await jsonOf(['providers', 'update', id, '--name', 'cli-upd2', '--enable', '--default'])).toMatchObject({ name: 'cli-upd2', enabled: true, is_default: true });
    expect((await as(['providers', 'update', id])).code).toBe(2);
    const bad = await as(['providers', 'update', id, '--name', 'no/slash']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/VALIDATION_ERROR[^]*name/);
    await d.api.providers.update(id, { is_default: false });

    const multi = (await d.api.providers.create({ name: 'cli-multi', provider_type: 'manual', use_multi_credentials: true })).id;
    const cred = await d.api.credentials.create(multi, { label: 'zone a', zone_filter: 'a.cli.test' });
    expect((await ok(['credentials', 'show', 'cli-multi', cred.id])).stdout).toMatch(/^zones\s+a\.cli\.test$/m);
    expect(await jsonOf(['credentials', 'show', multi, cred.id])).toEqual(await d.api.credentials.get(multi, cred.id));
    expect((await ok(['credentials', 'update', 'cli-multi', cred.id, '--zones', 'b.cli.test', '--disable'])).stdout)
      .toMatch(new RegExp(`^${cred.id}\\s+zone a\\s+b\\.cli\\.test\\s+false\\s+0\\s+0$`, 'm'));
    expect((await ok(['credentials', 'test', 'cli-multi', cred.id])).stdout).toMatch(/^RESULT\s+MESSAGE\nnot tested\s+\S/);
    const gone = await as(['credentials', 'test', 'cli-multi', '00000000-0000-4000-8000-000000000000']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('CREDENTIAL_NOT_FOUND');

    const site = await d.api.sites.create({ domain_names: ['s.cli.test'], dns_provider_id: multi });
    expect((await ok(['sites', 'show', site.id])).stdout).toMatch(new RegExp(`^${site.id}\\s+s\\.cli\\.test\\s+cli-multi\\s+true$`, 'm'));
    expect(await jsonOf(['sites', 'update', site.id, '--domains', 's.cli.test,t.cli.test', '--disable'])).toMatchObject({ domain_names: ['s.cli.test', 't.cli.test'], enabled: false });
    expect(await jsonOf(['sites', 'show', site.id])).toEqual(await d.api.sites.get(site.id));
    await d.api.sites.remove(site.id);

    const fields = (await ok(['types', 'fields', 'webhook'])).stdout;
    expect(fields).toMatch(/^FIELD\s+LABEL\s+KIND\s+REQUIRED\s+SECRET\s+DEFAULT\n/);
    expect(fields).toMatch(/^auth_value\s+Auth header value\s+password\s+false\s+true\s+-$/m);
    expect(await jsonOf(['types', 'fields', 'webhook'])).toEqual(await d.api.providers.fields('webhook'));
    const unknown = await as(['types', 'fields', 'nosuch']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('nosuch');
  });

  it('detect and manual list/show/verify/cancel against a daemon whose resolvers are a real BIND', async () => {
    const seen = txtValue('cli-manual-seen');
    const bind = await startBind({
      zones: ['cli.test', 'cf.test'], tsigKeys: [],
      nameservers: { 'cf.test': ['amy.ns.cloudflare.com.', 'bob.ns.cloudflare.com.'] },
      records: { 'cli.test': [`_acme-challenge.seen IN TXT "${seen}"`] },
    });
    const dns = await startTestDaemon({ env: { DNS01_DNS_RESOLVERS: `127.0.0.1:${bind.port}`, DNS01_DNS_AUTH_PORT: String(bind.port) } });
    const on = (args: string[]) => cli([...args, '--url', dns.url], { DNS01_ADMIN_TOKEN: dns.adminToken });
    try {
      const cf = await dns.addProvider({ name: 'cf-here', provider_type: 'cloudflare', credentials: { api_token: 'x' } });
      const detected = await on(['detect', 'www.cf.test']);
      expect(detected.code, detected.stderr).toBe(0);
      expect(detected.stdout).toMatch(/^type\s+cloudflare$/m);
      expect(detected.stdout).toMatch(new RegExp(`^suggested provider\\s+cf-here \\(${cf}\\)$`, 'm'));
      expect(JSON.parse((await on(['detect', 'www.cf.test', '--json'])).stdout)).toMatchObject({ zone: 'cf.test', detected: true, confidence: 'high', suggested_provider: { id: cf } });
      const bad = await on(['detect', 'no such name']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('VALIDATION_ERROR');

      const manual = await dns.addProvider({ name: 'by-hand', provider_type: 'manual', credentials: { instructions: 'Use the zone editor.' } });
      const made = async (name: string, value: string) =>
        ((await (await dns.internal('/create', { body: { provider_id: manual, fqdn: `_acme-challenge.${name}.cli.test`, value } })).json()) as { challenge_id: string }).challenge_id;
      const missing = await made('missing', txtValue('cli-manual-missing'));
      const found = await made('seen', seen);
      const listed = await on(['manual', 'list']);
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout).toMatch(new RegExp(`^${missing}\\s+_acme-challenge\\.missing\\.cli\\.test\\s+${txtValue('cli-manual-missing')}\\s+pending\\s+\\d+$`, 'm'));
      expect(JSON.parse((await on(['manual', 'list', '--json'])).stdout)).toEqual(await dns.api.manual.pending());
      const shown = (await on(['manual', 'show', missing])).stdout;
      expect(shown).toMatch(/^instructions\s+Use the zone editor\.$/m);
      expect(shown).toMatch(/^dns propagated\s+false$/m);

      const notYet = await on(['manual', 'verify', missing]);
      expect(notYet).toMatchObject({ code: 1, stdout: '' });
      expect(notYet.stderr).toMatch(/^dns01-proxy: DNS_NOT_PROPAGATED: _acme-challenge\.missing\.cli\.test is served by 0 of 1 authoritative servers/);
      const verified = await on(['manual', 'verify', found]);
      expect(verified.code, verified.stderr).toBe(0);
      expect(verified.stdout).toMatch(/^RESULT\s+MESSAGE\nverified\s+TXT record verified successfully\n$/);

      expect((await on(['manual', 'cancel', missing])).stdout).toMatch(new RegExp(`^ID\\s+STATUS\\n${missing}\\s+deleted\\n$`));
      expect((await on(['manual', 'show', missing])).stdout).toMatch(/^status\s+deleted$/m);
      const unknown = await on(['manual', 'cancel', '00000000-0000-4000-8000-000000000000']);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('CHALLENGE_NOT_FOUND');
    } finally {
      await dns.stop();
      await bind.stop();
    }
  });

  it('finds the token in the data directory and the URL in DNS01_URL', async () => {
    const data = join(dir, 'data');
    await mkdir(data, { recursive: true });
    await writeFile(join(data, 'admin-token'), `${d.adminToken}\n`);
    const r = await cli(['providers', 'list', '--json'], { DNS01_URL: d.url, DNS01_DATA_DIR: data });
    expect(r.code, r.stderr).toBe(0);
    expect(Array.isArray(JSON.parse(r.stdout))).toBe(true);
    // No token anywhere: a usage error that says where it looked.
    const none = await cli(['providers', 'list'], { DNS01_URL: d.url, DNS01_DATA_DIR: join(dir, 'nowhere') });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('admin-token');
  });

  it('a wrong token is exit 4 and the token is never echoed, from a flag or the environment', async () => {
    const wrong = `wrong-${randomBytes(16).toString('hex')}`;
    for (const r of [
      await cli(['providers', 'list', '--url', d.url, '--token', wrong]),
      await cli(['challenges', 'list', '--json'], { DNS01_URL: d.url, DNS01_ADMIN_TOKEN: wrong }),
    ]) {
      expect(r.code).toBe(4);
      expect(r.stderr).toContain('refused the admin token');
      expect(r.stdout + r.stderr).not.toContain(wrong);
    }
    // A token no header can carry is refused before any request, still without echoing it.
    const bad = await cli(['providers', 'list', '--url', d.url], { DNS01_ADMIN_TOKEN: `${wrong}\nx` });
    expect(bad.code).toBe(2);
    expect(bad.stderr).not.toContain(wrong);
  });

  it('an unreachable daemon is exit 3: a closed connection, or no answer within --timeout', async () => {
    const servers: Server[] = [];
    const listen = async (onConn: (s: import('node:net').Socket) => void) => {
      const srv = createServer(onConn);
      servers.push(srv);
      await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
      return `http://127.0.0.1:${(srv.address() as { port: number }).port}`;
    };
    const held: import('node:net').Socket[] = [];
    try {
      const closer = await listen((s) => s.destroy());
      const silent = await listen((s) => held.push(s));
      const closed = await cli(['providers', 'list', '--url', closer, '--token', 'abc']);
      expect(closed.code).toBe(3);
      expect(closed.stderr).toContain(`cannot reach ${closer}`);
      const slow = await cli(['providers', 'list', '--url', silent, '--token', 'abc', '--timeout', '0.5']);
      expect(slow.code).toBe(3);
      expect(slow.stderr).toContain('no answer within 0.5s');
    } finally {
      for (const s of held) s.destroy();
      for (const s of servers) await new Promise((r) => s.close(r));
    }
  });

  it('a foreign daemon answering 200 on /health never gets the token: exit 3, naming what answered', async () => {
    const seen: { path: string; authorization?: string }[] = [];
    const foreign = createHttpServer((req, res) => {
      seen.push({ path: req.url ?? '', ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
      res.writeHead(200, { 'content-type': 'application/json' }).end(req.url === '/health' ? '{"status":"ok","service":"other-daemon"}' : '[]');
    });
    await new Promise<void>((r) => foreign.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(foreign.address() as { port: number }).port}`;
    try {
      const r = await cli(['providers', 'list', '--url', url], { DNS01_ADMIN_TOKEN: d.adminToken });
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toContain(`${url}/health says it is "other-daemon": this is not the dns01-proxy daemon, so the admin token was not sent`);
      expect(seen).toEqual([{ path: '/health' }]);
    } finally {
      await new Promise((r) => foreign.close(r));
    }
  });

  it('`npm run cli -- …` runs the same CLI from the checkout', async () => {
    const r = await new Promise<Run>((done) =>
      execFile('npm', ['run', '--silent', 'cli', '--', 'types', '--json', '--url', d.url], {
        cwd: REPO, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), DNS01_ADMIN_TOKEN: d.adminToken }, timeout: 60_000,
      }, (err, stdout, stderr) => done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr })),
    );
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { type: string }[]).map((t) => t.type)).toContain('webhook');
  });

  it('`dns01-proxy serve` on a taken port: the daemon\'s exit status 1 and its message naming DNS01_PORT', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as { port: number }).port;
    const data = await mkdtemp(join(tmpdir(), 'dns01-cli-taken-'));
    try {
      const r = await cli(['serve'], { DNS01_HOST: '127.0.0.1', DNS01_PORT: String(port), DNS01_DATA_DIR: data });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(`DNS01_PORT=${port}; EADDRINUSE`);
    } finally {
      await new Promise((r) => taken.close(r));
      await rm(data, { recursive: true, force: true });
    }
  });

  it('`dns01-proxy serve` takes no arguments (exit 2)', async () => {
    const r = await cli(['serve', '--port', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('serve takes no arguments');
  });

  /**
   * `dns01-proxy serve` of the built package on a free port with only `env` (and PATH), until `path` answers 200 or
   * it exits; `stop()` sends SIGTERM and waits for the exit.
   */
  async function serve(env: Record<string, string>, path: string) {
    const port = await freePort();
    const child = spawn(process.execPath, [bin, 'serve'], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', DNS01_HOST: '127.0.0.1', DNS01_PORT: String(port), LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    for (const stream of [child.stdout, child.stderr]) stream.on('data', (b: Buffer) => { output = (output + b.toString()).slice(-5000); });
    const url = `http://127.0.0.1:${port}`;
    let status = 0;
    for (let i = 0; i < 600 && status !== 200 && child.exitCode === null; i++) {
      status = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(2000) }).then((r) => r.status, () => 0);
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    return {
      url, status, output: () => output, pid: child.pid!,
      stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
        if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode };
        const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, sig) => r({ code, signal: sig })));
        child.kill(signal);
        return exited;
      },
    };
  }

  it('the built daemon loads its split-off parts when first needed: undici for a webhook, yaml for a plugin allow-list', async () => {
    // dist/chunks/ holds what the daemon imports on first use (bin/bundle-daemon.mjs); a bundling slip there, such as
    // a CommonJS package without its named exports, shows only in the build, never when tests run from src/.
    const hook = await startWebhookReceiver();
    const data = await mkdtemp(join(tmpdir(), 'dns01-cli-chunks-'));
    await mkdir(join(data, 'plugins'));
    await writeFile(join(data, 'allow.yaml'), `# YAML, not JSON\nplugins:\n  absent:\n    signature: sha256:${'0'.repeat(64)}\n`);
    const adminToken = randomBytes(24).toString('base64url');
    const daemon = await serve({
      DNS01_DATA_DIR: data, DNS01_ADMIN_TOKEN: adminToken, DNS01_ALLOW_PRIVATE_WEBHOOKS: 'true',
      DNS01_PLUGINS_DIR: join(data, 'plugins'), DNS01_PLUGINS_CONFIG: join(data, 'allow.yaml'),
    }, '/ready');
    try {
      expect(daemon.status, daemon.output()).toBe(200);
      const plugins = await fetch(`${daemon.url}/api/v1/admin/plugins`, { headers: { authorization: `Bearer ${adminToken}` } }).then((r) => r.json()) as { plugins: { name: string; status: string }[] };
      expect(plugins.plugins.map((p) => [p.name, p.status])).toEqual([['absent', 'error']]);

      const env = { DNS01_URL: daemon.url, DNS01_ADMIN_TOKEN: adminToken };
      const added = await cli(['providers', 'add', '--name', 'chunk-hook', '--type', 'webhook', '--set', `create_url=${hook.url}`, '--json'], env);
      expect(added.code, added.stderr).toBe(0);
      const tested = await cli(['providers', 'test', 'chunk-hook', '--json'], env);
      expect(tested.code, tested.stderr + daemon.output()).toBe(0);
      expect(hook.calls.map((c) => (c.body as { action?: string }).action)).toEqual(['test']);
    } finally {
      await daemon.stop();
      await hook.stop();
      await rm(data, { recursive: true, force: true });
    }
  });

  it('`dns01-proxy serve` still starts the daemon, in a child with the image\'s V8 flags that SIGINT stops with status 0', async () => {
    const data = await mkdtemp(join(tmpdir(), 'dns01-cli-serve-'));
    const daemon = await serve({ DNS01_DATA_DIR: data }, '/health');
    try {
      expect(daemon.status, daemon.output()).toBe(200);
      // The CLI reads the token the daemon generated into its data directory.
      const r = await cli(['providers', 'list', '--json'], { DNS01_URL: daemon.url, DNS01_DATA_DIR: data });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual([]);
      // The launcher runs node again with the Dockerfile's flags (docs/deployment.md, "Memory").
      const [inner] = (await readFile(`/proc/${daemon.pid}/task/${daemon.pid}/children`, 'utf8')).trim().split(/\s+/);
      const argv = (await readFile(`/proc/${inner}/cmdline`, 'utf8')).split('\0');
      expect(argv.slice(1, 4)).toEqual(['--max-semi-space-size=2', '--heap-growing-percent=20', '--liftoff-only']);
      expect(await daemon.stop('SIGINT')).toEqual({ code: 0, signal: null });
      await expect(readFile(`/proc/${inner}/cmdline`)).rejects.toThrow(/ENOENT/);
    } finally {
      await daemon.stop();
      await rm(data, { recursive: true, force: true });
    }
  });
});
