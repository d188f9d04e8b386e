// Webhook URLs: query values masked in every reply, log line and audit event while the far side still gets the full
// URL; the port and host-name rules at save time and, for rows saved under other settings, at call time.
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

type ErrorBody = { error: { code: string; message: string; details?: Record<string, unknown> } };
type ProviderBody = { provider: { id: string; credentials: Record<string, unknown> } };

const secret = (prefix: string) => `${prefix}${randomBytes(12).toString('hex')}`;

describe('DNS01_WEBHOOK_ALLOWED_PORTS', () => {
  it('is a comma-separated list of ports, empty by default; anything else stops start-up naming the variable', () => {
    expect(loadConfig({}).webhookAllowedPorts).toEqual([]);
    expect(loadConfig({ DNS01_WEBHOOK_ALLOWED_PORTS: '22, 873,' }).webhookAllowedPorts).toEqual([22, 873]);
    for (const bad of ['ssh', '0', '65536', '22;25', '-1']) {
      expect(() => loadConfig({ DNS01_WEBHOOK_ALLOWED_PORTS: bad }), bad).toThrow(/DNS01_WEBHOOK_ALLOWED_PORTS/);
    }
  });
});

describe('webhook URL secrets and target rules', () => {
  let d: TestDaemon;
  let hook: WebhookReceiver;
  const key = randomBytes(32).toString('base64');
  const TOKEN = secret('qtok');
  const DELETE_KEY = secret('qdel');
  const NEW_TOKEN = secret('qnew');
  const DNSIMPLE_KEY = secret('qdns');
  const secrets = [TOKEN, DELETE_KEY, NEW_TOKEN, DNSIMPLE_KEY];

  const json = async <T>(res: Response): Promise<T> => (await res.json()) as T;
  const auditText = async () => {
    await d.daemon.audit!.flush();
    const rows = await d.daemon.database.db.execute(sql`select action, details::text as details from security_audits`);
    return JSON.stringify(rows);
  };
  const stored = async (id: string) => d.daemon.providers.decrypt(await d.daemon.providers.get(id));

  beforeAll(async () => {
    hook = await startWebhookReceiver();
    d = await startTestDaemon({ env: { DNS01_WEBHOOK_ALLOWED_PORTS: '25', DNS01_ENCRYPTION_KEY: key }, audit: { flushIntervalMs: 20 } });
  });
  afterAll(async () => {
    await d?.stop();
    await hook?.stop();
  });

  describe('query values masked, the stored URL intact', () => {
    let id: string;
    let created: ProviderBody;
    const createUrl = () => `${hook.url}?token=${TOKEN}&zone=example.com&empty=`;
    const masked = () => `${hook.url}?token=********&zone=********&empty=`;

    beforeAll(async () => {
      const res = await d.admin('/dns-providers', {
        method: 'POST',
        body: { name: 'hook-q', provider_type: 'webhook', credentials: { create_url: createUrl(), delete_url: `${hook.url}/del?key=${DELETE_KEY}`, max_retries: 0 } },
      });
      created = await json<ProviderBody>(res);
      expect(res.status, JSON.stringify(created)).toBe(201);
      id = created.provider.id;
    });

    it('the POST reply, GET one and the list show the masks; the row keeps the full URLs', async () => {
      expect(created.provider.credentials).toMatchObject({ create_url: masked(), delete_url: `${hook.url}/del?key=********` });
      const one = await json<ProviderBody>(await d.admin(`/dns-providers/${id}`));
      expect(one.provider.credentials.create_url).toBe(masked());
      const list = await (await d.admin('/dns-providers')).text();
      expect(list).toContain('token=********');
      for (const s of secrets) expect(list).not.toContain(s);
      expect(await stored(id)).toMatchObject({ create_url: createUrl(), delete_url: `${hook.url}/del?key=${DELETE_KEY}` });
    });

    it('the far side gets the full URL, token included, for create and delete', async () => {
      const fqdn = '_acme-challenge.q.example.com';
      const value = txtValue('q');
      const before = hook.calls.length;
      const res = await d.internal('/create', { body: { provider_id: id, fqdn, value } });
      expect(res.status, await res.clone().text()).toBe(201);
      const { challenge_id } = await json<{ challenge_id: string }>(res);
      expect(hook.calls[before]!.path).toBe(`/hook?token=${TOKEN}&zone=example.com&empty=`);
      expect((await d.internal(`/${challenge_id}`, { method: 'DELETE' })).status).toBe(200);
      expect(hook.calls.at(-1)!.path).toBe(`/hook/del?key=${DELETE_KEY}`);
    });

    it('a PUT sending the masked URL back keeps the token; one with a new path keeps it too; a new value replaces it', async () => {
      const shown = (await json<ProviderBody>(await d.admin(`/dns-providers/${id}`))).provider.credentials;
      const same = await d.admin(`/dns-providers/${id}`, { method: 'PUT', body: { credentials: { ...shown, timeout_seconds: 7 } } });
      expect(same.status, await same.clone().text()).toBe(200);
      expect((await json<ProviderBody>(same)).provider.credentials.create_url).toBe(masked());
      expect(await stored(id)).toMatchObject({ create_url: createUrl(), delete_url: `${hook.url}/del?key=${DELETE_KEY}`, timeout_seconds: 7 });

      const moved = `${hook.url}/v2?token=********&zone=********&empty=`;
      expect((await d.admin(`/dns-providers/${id}`, { method: 'PUT', body: { credentials: { ...shown, create_url: moved } } })).status).toBe(200);
      expect((await stored(id)).create_url).toBe(`${hook.url}/v2?token=${TOKEN}&zone=example.com&empty=`);
      const before = hook.calls.length;
      const test = await json<{ result: { ok: boolean } }>(await d.admin(`/dns-providers/${id}/test`, { method: 'POST' }));
      expect(test.result.ok).toBe(true);
      expect(hook.calls[before]!.path).toBe(`/hook/v2?token=${TOKEN}&zone=example.com&empty=`);

      const fresh = `${hook.url}?token=${NEW_TOKEN}&zone=********`;
      expect((await d.admin(`/dns-providers/${id}`, { method: 'PUT', body: { credentials: { ...shown, create_url: fresh } } })).status).toBe(200);
      expect((await stored(id)).create_url).toBe(`${hook.url}?token=${NEW_TOKEN}&zone=example.com`);
    });

    it('a masked parameter the stored URL lacks is a 400 naming the field, and changes nothing', async () => {
      const before = await stored(id);
      const res = await d.admin(`/dns-providers/${id}`, { method: 'PUT', body: { credentials: { create_url: `${hook.url}?other=********` } } });
      const body = await json<ErrorBody>(res);
      expect(res.status).toBe(400);
      expect(body.error.code).toBe('VALIDATION_ERROR');
      expect(body.error.details).toEqual({ fields: [{ field: 'create_url', message: expect.stringContaining('query parameter other') }] });
      expect(await stored(id)).toEqual(before);
    });

    it('zone-specific credentials are masked and restored the same way', async () => {
      const res = await d.admin('/dns-providers', {
        method: 'POST', body: { name: 'hook-multi', provider_type: 'webhook', use_multi_credentials: true, credentials: { create_url: createUrl() } },
      });
      const multi = (await json<ProviderBody>(res)).provider.id;
      const created = await d.admin(`/dns-providers/${multi}/credentials`, {
        method: 'POST', body: { label: 'zone-a', zone_filter: 'a.example', credentials: { create_url: `${hook.url}?token=${TOKEN}` } },
      });
      const cred = await json<{ credential: { id: string; credentials: Record<string, unknown> } }>(created);
      expect(created.status).toBe(201);
      expect(cred.credential.credentials.create_url).toBe(`${hook.url}?token=********`);
      const listed = await (await d.admin(`/dns-providers/${multi}/credentials`)).text();
      expect(listed).toContain('token=********');
      for (const s of secrets) expect(listed).not.toContain(s);
      const put = await d.admin(`/dns-providers/${multi}/credentials/${cred.credential.id}`, { method: 'PUT', body: { credentials: cred.credential.credentials } });
      expect(put.status, await put.clone().text()).toBe(200);
      const before = hook.calls.length;
      expect((await d.internal('/create', { body: { provider_id: multi, fqdn: '_acme-challenge.a.example', value: txtValue('zone-a') } })).status).toBe(201);
      expect(hook.calls[before]!.path).toBe(`/hook?token=${TOKEN}`);
    });

    it('the Caddy preview masks a native type\'s URL query values', async () => {
      const dns = await d.addProvider({ name: 'dnsimple-q', provider_type: 'dnsimple', credentials: { api_access_token: secret('at'), api_url: `https://api.dnsimple.example/?key=${DNSIMPLE_KEY}` } });
      expect((await d.admin('/sites', { method: 'POST', body: { domain_names: ['preview.example.org'], dns_provider_id: dns } })).status).toBe(201);
      const preview = await (await d.admin('/caddy/config')).text();
      expect(preview).toContain('https://api.dnsimple.example/?key=********');
      expect(preview).not.toContain(DNSIMPLE_KEY);
    });

    it('no log line and no audit event holds a query value', async () => {
      const audit = await auditText();
      expect(audit).toContain('dns_provider.create');
      expect(audit).toContain('dns_provider.update');
      for (const s of secrets) {
        expect(d.logs(), s).not.toContain(s);
        expect(audit, s).not.toContain(s);
      }
    });
  });

  describe('ports and host names', () => {
    const save = (name: string, url: string) => d.admin('/dns-providers', { method: 'POST', body: { name, provider_type: 'webhook', credentials: { create_url: 'https://hooks.example.com/ok', delete_url: url, max_retries: 0 } } });

    it.each([22, 1023, 0])('refuses port %i at save time, naming the field and port', async (port) => {
      const res = await save(`port-${port}`, `https://hooks.example.com:${port}/x?token=${TOKEN}`);
      const body = await json<ErrorBody>(res);
      expect(res.status).toBe(400);
      expect(body.error.code).toBe('WEBHOOK_TARGET_BLOCKED');
      expect(body.error.message).toContain('delete_url');
      expect(body.error.message).toContain(`port ${port}`);
      expect(body.error.details).toMatchObject({ field: 'delete_url', port, host: 'hooks.example.com' });
      expect(JSON.stringify(body)).not.toContain(TOKEN);
      expect((await (await d.admin('/dns-providers')).text())).not.toContain(`port-${port}`);
    });

    it('takes 80, 443, 1024-65535, and a port DNS01_WEBHOOK_ALLOWED_PORTS lists (25); the guard lets a call through it', async () => {
      for (const [name, url] of [['p80', 'http://hooks.example.com:80/'], ['p443', 'https://hooks.example.com/'], ['p1024', 'https://hooks.example.com:1024/'], ['p65535', 'https://hooks.example.com:65535/']]) {
        expect((await save(name!, url!)).status, url).toBe(201);
      }
      const res = await d.admin('/dns-providers', { method: 'POST', body: { name: 'smtp-ok', provider_type: 'webhook', credentials: { create_url: 'http://127.0.0.1:25/hook', max_retries: 0, timeout_seconds: 5 } } });
      expect(res.status, await res.clone().text()).toBe(201);
      const id = (await json<ProviderBody>(res)).provider.id;
      // Not blocked: the call goes out (and fails at the socket or on the answer, as nothing here speaks HTTP on 25).
      const test = await json<{ result: { ok: boolean; message: string } }>(await d.admin(`/dns-providers/${id}/test`, { method: 'POST' }));
      expect(test.result.message).not.toMatch(/refused|not allowed/);
    });

    it.each([
      ['over 253 characters', `https://${Array.from({ length: 5 }, () => 'a'.repeat(60)).join('.')}/`, 'over 253'],
      ['a label over 63', `https://${'b'.repeat(64)}.example.com/`, 'over 63'],
      ['two dots in a row', 'https://hooks..example.com/', 'empty label'],
      ['a leading dot', 'https://.hooks.example.com/', 'empty label'],
    ])('refuses a host name with %s as a validation error naming the field', async (what, url, words) => {
      const res = await save(`bad host ${what}`, url);
      const body = await json<ErrorBody>(res);
      expect(res.status).toBe(400);
      expect(body.error.code).toBe('VALIDATION_ERROR');
      expect(body.error.message).toContain(words);
      expect(body.error.details).toEqual({ fields: [{ field: 'delete_url', message: expect.stringContaining(words) }] });
    });

    it('a trailing dot and a name of exactly 253 characters are fine; IP literals still meet the SSRF guard', async () => {
      const name253 = `${Array.from({ length: 3 }, () => 'c'.repeat(63)).join('.')}.${'c'.repeat(61)}`;
      expect(name253.length).toBe(253);
      expect((await save('host-253', `https://${name253}/`)).status).toBe(201);
      expect((await save('host-dot', 'https://hooks.example.com./')).status).toBe(201);
      const meta = await json<ErrorBody>(await save('meta', 'http://169.254.169.254:25/'));
      expect(meta.error.code).toBe('WEBHOOK_TARGET_BLOCKED');
      expect(meta.error.message).toContain('metadata');
    });

    it('a row saved under a setting that allowed its port is refused at call time where the setting is gone', async () => {
      const saved = await d.admin('/dns-providers', { method: 'POST', body: { name: 'was-25', provider_type: 'webhook', credentials: { create_url: `http://127.0.0.1:25/hook?token=${TOKEN}`, max_retries: 0 } } });
      expect(saved.status).toBe(201);
      const id = (await json<ProviderBody>(saved)).provider.id;
      // A second replica on the same database, started without DNS01_WEBHOOK_ALLOWED_PORTS.
      const strict = await startTestDaemon({ databaseUrl: d.daemon.config.databaseUrl!, env: { DNS01_ENCRYPTION_KEY: key } });
      try {
        const res = await strict.internal('/create', { body: { provider_id: id, fqdn: '_acme-challenge.port.example.com', value: txtValue('port') } });
        const body = await json<ErrorBody>(res);
        expect(res.status).toBe(400);
        expect(body.error.code).toBe('WEBHOOK_TARGET_BLOCKED');
        expect(body.error.message).toMatch(/create_url: .*port 25 is not allowed.*DNS01_WEBHOOK_ALLOWED_PORTS/);
        const test = await json<{ result: { ok: boolean; message: string } }>(await strict.admin(`/dns-providers/${id}/test`, { method: 'POST' }));
        expect(test.result).toEqual({ tested: true, ok: false, message: expect.stringContaining('port 25 is not allowed') });
        // The row is still there, readable and unchanged: only its calls are refused.
        const shown = await json<ProviderBody>(await strict.admin(`/dns-providers/${id}`));
        expect(shown.provider.credentials.create_url).toBe('http://127.0.0.1:25/hook?token=********');
        expect(strict.logs()).not.toContain(TOKEN);
      } finally {
        await strict.stop();
      }
    });
  });
});
