// Credential bodies as clients send them (numbers as strings, aliases, the env_vars string) through the admin API: accepted verbatim, stored canonically, honoured.
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const RECORD_SH = fileURLToPath(new URL('../fixtures/scripts/record.sh', import.meta.url));

interface ProviderView { id: string; credentials: Record<string, unknown> }
interface ErrorView { error: { code: string; message: string; details?: { fields?: { field: string; message: string }[] } } }

describe('seed-shaped credentials', () => {
  let d: TestDaemon;
  let hook: WebhookReceiver;
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'dns01-seedcreds-'));
    await chmod(root, 0o755);
    await mkdir(join(root, 'scripts', 'work'), { recursive: true, mode: 0o755 });
    await chmod(join(root, 'scripts'), 0o755);
    await copyFile(RECORD_SH, join(root, 'scripts', 'dns-update.sh'));
    await chmod(join(root, 'scripts', 'dns-update.sh'), 0o755);
    hook = await startWebhookReceiver();
    d = await startTestDaemon({ env: { DNS01_SCRIPTS_DIR: join(root, 'scripts') } });
  });
  afterAll(async () => {
    await d?.stop();
    await hook?.stop();
    await rm(root, { recursive: true, force: true });
  });

  const create = async (body: Record<string, unknown>) => {
    const res = await d.admin('/dns-providers', { method: 'POST', body });
    return { status: res.status, json: (await res.json()) as { provider: ProviderView } & ErrorView };
  };
  const count = async () => ((await (await d.admin('/dns-providers')).json()) as { providers: unknown[] }).providers.length;

  it('webhook (section 4.1, verbatim): retry_count and numbers as strings are stored as max_retries and numbers', async () => {
    const { status, json } = await create({
      name: 'My Webhook DNS',
      provider_type: 'webhook',
      credentials: {
        create_url: 'https://api.example.com/dns/txt/create',
        delete_url: 'https://api.example.com/dns/txt/delete',
        auth_header: 'X-API-Key',
        auth_value: 'secret-token-here',
        timeout_seconds: '30',
        retry_count: '3',
      },
    });
    expect(status).toBe(201);
    expect(json.provider.credentials).toEqual({
      create_url: 'https://api.example.com/dns/txt/create', delete_url: 'https://api.example.com/dns/txt/delete',
      auth_header: 'X-API-Key', auth_value: '********', headers: '********', content_type: 'application/json',
      timeout_seconds: 30, max_retries: 3, retry_backoff_ms: 1000, verify_tls: true,
    });
  });

  it('manual (section 4.4, verbatim) and rfc2136 (section 4.3, verbatim but for a real base64 secret)', async () => {
    const manual = await create({ name: 'Manual DNS', provider_type: 'manual', credentials: { timeout_minutes: '10', polling_interval_seconds: '30' } });
    expect(manual.status).toBe(201);
    expect(manual.json.provider.credentials).toEqual({ timeout_minutes: 10, polling_interval_seconds: 30 });
    const rfc = await create({
      name: 'My BIND Server',
      provider_type: 'rfc2136',
      credentials: {
        nameserver: 'ns1.example.com', port: '53', tsig_key_name: 'acme-update-key',
        tsig_key_secret: 'c2VjcmV0c2VjcmV0c2VjcmV0', tsig_algorithm: 'hmac-sha256', zone: 'example.com',
      },
    });
    expect(rfc.status).toBe(201);
    expect(rfc.json.provider.credentials).toMatchObject({ port: 53, tsig_key_secret: '********', zone: 'example.com' });
  });

  it('script (section 4.2 with the path inside the scripts directory; 6.3 keys): env_vars as "K=V,K2=V2" stored as a map, working_directory honoured', async () => {
    const out = await mkdtemp(join(root, 'out-'));
    await chmod(out, 0o777);
    const { status, json } = await create({
      name: 'My Script DNS',
      provider_type: 'script',
      credentials: {
        script_path: join(root, 'scripts', 'dns-update.sh'),
        timeout_seconds: '60',
        working_directory: 'work',
        env_vars: `DNS_SERVER=ns1.example.com,API_KEY=\${API_KEY},OUT_DIR=${out}`,
      },
    });
    expect(status).toBe(201);
    expect(json.provider.credentials).toMatchObject({ timeout_seconds: 60, working_directory: 'work', env_vars: '********' });
    const fqdn = '_acme-challenge.script.example.com';
    const created = await d.internal('/create', { body: { provider_id: json.provider.id, fqdn, value: txtValue('script') } });
    expect(created.status).toBe(201);
    expect((await readFile(join(out, 'cwd'), 'utf8')).trim()).toBe(join(root, 'scripts', 'work'));
    const env = (await readFile(join(out, 'env'), 'utf8')).split('\0');
    expect(env).toContain('DNS_SERVER=ns1.example.com');
    expect(env).toContain('API_KEY=${API_KEY}');

    const before = await count();
    const outside = await create({ name: 'escape', provider_type: 'script', credentials: { script_path: 'dns-update.sh', working_directory: '..' } });
    expect(outside.status).toBe(400);
    expect(outside.json.error.code).toBe('SCRIPT_PATH_INVALID');
    expect(outside.json.error.message).toMatch(/working_directory '\.\.' resolves outside/);
    const file = await create({ name: 'file-cwd', provider_type: 'script', credentials: { script_path: 'dns-update.sh', working_directory: 'dns-update.sh' } });
    expect(file.status).toBe(400);
    expect(file.json.error.message).toMatch(/is not a directory/);
    expect(await count()).toBe(before);
  });

  it('webhook (section 6.3 keys): content_type form and custom_headers reach the far side; retry_count sets the attempts', async () => {
    const { status, json } = await create({
      name: 'form-hook',
      provider_type: 'webhook',
      credentials: {
        create_url: hook.url, delete_url: hook.url, auth_header: 'X-API-Key', auth_value: 'k-123',
        content_type: 'application/x-www-form-urlencoded', timeout_seconds: 30, retry_count: 2,
        custom_headers: { 'X-Tenant': 't1' }, retry_backoff_ms: '0',
      },
    });
    expect(status).toBe(201);
    expect(json.provider.credentials).toMatchObject({ headers: '********', max_retries: 2, content_type: 'application/x-www-form-urlencoded' });
    expect(json.provider.credentials).not.toHaveProperty('custom_headers');
    expect(json.provider.credentials).not.toHaveProperty('retry_count');

    const value = txtValue('form');
    const before = hook.calls.length;
    expect((await d.internal('/create', { body: { provider_id: json.provider.id, fqdn: '_acme-challenge.form.example.com', value } })).status).toBe(201);
    const call = hook.calls[before]!;
    expect(call.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(call.headers['x-tenant']).toBe('t1');
    expect(call.headers['x-api-key']).toBe('k-123');
    const form = new URLSearchParams(call.raw);
    expect(form.get('action')).toBe('create');
    expect(form.get('value')).toBe(value);
    expect(form.get('fqdn')).toBe('_acme-challenge.form.example.com');

    // retry_count 2: one attempt and two retries, then the failure.
    hook.setBehaviour({ kind: 'fail', times: 100 });
    try {
      const at = hook.calls.length;
      const res = await d.internal('/create', { body: { provider_id: json.provider.id, fqdn: '_acme-challenge.retry.example.com', value: txtValue('retry') } });
      expect(res.status).toBeGreaterThanOrEqual(500);
      expect(hook.calls.length - at).toBe(3);
    } finally {
      hook.setBehaviour({ kind: 'ok' });
    }
  });

  it('refuses unknown keys by name on create and update, and one setting given twice; nothing changes', async () => {
    const before = await count();
    const cf = await create({ name: 'cf', provider_type: 'cloudflare', credentials: { api_token: 'tok', zone_id: 'abc123' } });
    expect(cf.status).toBe(400);
    expect(cf.json.error.code).toBe('VALIDATION_ERROR');
    expect(cf.json.error.message).toContain('zone_id');
    expect(cf.json.error.details!.fields).toEqual([{ field: 'zone_id', message: 'unknown key; cloudflare takes api_token, zone_token' }]);

    const typo = await create({ name: 'typo', provider_type: 'webhook', credentials: { create_url: hook.url, retry_cnt: 3 } });
    expect(typo.status).toBe(400);
    expect(typo.json.error.details!.fields!.map((f) => f.field)).toEqual(['retry_cnt']);

    const twice = await create({ name: 'twice', provider_type: 'webhook', credentials: { create_url: hook.url, max_retries: 1, retry_count: 2 } });
    expect(twice.status).toBe(400);
    expect(twice.json.error.details!.fields).toEqual([{ field: 'retry_count', message: 'names the same setting as max_retries' }]);

    for (const t of ['rfc2136', 'script', 'route53']) {
      const res = await create({ name: `x-${t}`, provider_type: t, credentials: { bogus_key: 1 } });
      expect(res.status, t).toBe(400);
      expect(res.json.error.details!.fields!.map((f) => f.field), t).toContain('bogus_key');
    }
    expect(await count()).toBe(before);

    const id = (await create({ name: 'cf-ok', provider_type: 'cloudflare', credentials: { api_token: 'tok' } })).json.provider.id;
    const put = await d.admin(`/dns-providers/${id}`, { method: 'PUT', body: { credentials: { api_token: 'tok2', zone_id: 'z' } } });
    expect(put.status).toBe(400);
    expect(((await put.json()) as ErrorView).error.details!.fields!.map((f) => f.field)).toEqual(['zone_id']);
    const after = (await (await d.admin(`/dns-providers/${id}`)).json()) as { provider: ProviderView & { updated_at: string; created_at: string } };
    expect(after.provider.updated_at).toBe(after.provider.created_at);
  });

  it('refuses oversized values by name (a credential over 8 KiB, a name over 100, a timeout past a day, a body over 64 KiB); nothing changes', async () => {
    const before = await count();
    const long = await create({ name: 'long', provider_type: 'cloudflare', credentials: { api_token: 'x'.repeat(9000) } });
    expect(long.status).toBe(400);
    expect(long.json.error.details!.fields).toEqual([{ field: 'api_token', message: 'longer than 8192 characters' }]);
    expect(JSON.stringify(long.json)).not.toContain('x'.repeat(100));
    const name = await create({ name: 'n'.repeat(101), provider_type: 'cloudflare', credentials: { api_token: 'tok' } });
    expect(name.status).toBe(400);
    expect(name.json.error.code).toBe('VALIDATION_ERROR');
    const timeout = await create({ name: 'slow', provider_type: 'cloudflare', credentials: { api_token: 'tok' }, propagation_timeout: 10 ** 9 });
    expect(timeout.status).toBe(400);
    expect(timeout.json.error.code).toBe('VALIDATION_ERROR');
    const huge = await d.admin('/dns-providers', { method: 'POST', body: { name: 'huge', provider_type: 'webhook', credentials: { create_url: hook.url }, pad: 'p'.repeat(70 * 1024) } });
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as ErrorView).error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await count()).toBe(before);
  });
});
