// GET /api/v1/openapi.json: a valid OpenAPI 3.1 document naming every route the app registers, with the request
// schemas the routes validate with (the documented example bodies pass, unknown keys do not), the one error body, and every
// reply body: real replies of every operation (a success each, and errors) are validated against the document.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, ERROR_CODES } from '../../src/errors.js';
import { acmeDnsAccountSchema } from '../../src/http/wire/acme-dns.js';
import { auditListReplySchema } from '../../src/http/wire/audit.js';
import { createdReplySchema } from '../../src/http/wire/challenges.js';
import { clientTokenCreatedReplySchema } from '../../src/http/wire/client-tokens.js';
import { credentialReplySchema } from '../../src/http/wire/credentials.js';
import { pluginListReplySchema } from '../../src/http/wire/plugins.js';
import { providerReplySchema } from '../../src/http/wire/providers.js';
import { siteReplySchema } from '../../src/http/wire/sites.js';
import { refusal } from '../support/api.js';
import { startCaddy, type RunningCaddy } from '../support/caddy.js';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { startBind, type RunningDnsServer } from '../support/dns-servers/index.js';
import { pluginDir, POWERDNS_MODULE, type PluginDir } from '../support/plugins.js';

interface Operation {
  operationId: string;
  security: Record<string, string[]>[];
  parameters?: { name: string; in: string; required: boolean; schema: object }[];
  requestBody?: { content: { 'application/json': { schema: object } } };
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}
interface OpenApiDoc {
  openapi: string;
  info: { version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, object>; securitySchemes: Record<string, { type: string; scheme?: string }> };
}

/** Example provider bodies as clients send them (numbers as strings, aliases), one per type, keyed by a label. */
const SEED_BODIES: Record<string, Record<string, unknown>> = {
  '4.1 webhook': {
    name: 'My Webhook DNS', provider_type: 'webhook',
    credentials: {
      create_url: 'https://api.example.com/dns/txt/create', delete_url: 'https://api.example.com/dns/txt/delete',
      auth_header: 'X-API-Key', auth_value: 'secret-token-here', timeout_seconds: '30', retry_count: '3',
    },
  },
  '4.2 script': {
    name: 'My Script DNS', provider_type: 'script',
    credentials: { script_path: '/scripts/dns-update.sh', timeout_seconds: '60', env_vars: 'DNS_SERVER=ns1.example.com,API_KEY=${API_KEY}' },
  },
  '4.3 rfc2136': {
    name: 'My BIND Server', provider_type: 'rfc2136',
    credentials: {
      nameserver: 'ns1.example.com', port: '53', tsig_key_name: 'acme-update-key', tsig_key_secret: 'base64-encoded-secret',
      tsig_algorithm: 'hmac-sha256', zone: 'example.com',
    },
  },
  '4.4 manual': { name: 'Manual DNS', provider_type: 'manual', credentials: { timeout_minutes: '10', polling_interval_seconds: '30' } },
  '6.3 webhook keys': {
    name: 'form-hook', provider_type: 'webhook',
    credentials: {
      create_url: 'https://api.example.com/c', delete_url: 'https://api.example.com/d', auth_header: 'X-API-Key', auth_value: 'k',
      content_type: 'application/x-www-form-urlencoded', timeout_seconds: 30, retry_count: 3, custom_headers: { 'X-Tenant': 't1' },
    },
  },
};

describe('OpenAPI document', () => {
  let d: TestDaemon;
  let doc: OpenApiDoc;
  const ajv = ajvFormats.default(new Ajv2020({ strict: false, allErrors: true }));
  const bodySchema = (path: string, method: string) => {
    const op = doc.paths[path]?.[method];
    expect(op?.requestBody, `${method.toUpperCase()} ${path} has a request body`).toBeDefined();
    return ajv.compile(op!.requestBody!.content['application/json'].schema);
  };

  beforeAll(async () => {
    d = await startTestDaemon();
    const res = await fetch(`${d.url}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    doc = (await res.json()) as OpenApiDoc;
  });
  afterAll(async () => {
    await d?.stop();
  });

  it('is served without a token and is a valid OpenAPI 3.1 document with the package version', async () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc) as unknown as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(doc.info.version).toBe(pkg.version);
  });

  it('describes every route the app registers, and no other', () => {
    // The operator page (/ui) is HTML forms behind a session cookie, not an API.
    const registered = new Set(
      d.daemon.app.routes
        .filter((r) => r.method !== 'ALL' && r.path !== '/ui' && !r.path.startsWith('/ui/'))
        .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, '{$1}')}`),
    );
    const described = new Set(Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`)));
    expect([...registered].filter((r) => !described.has(r)), 'registered routes missing from the document').toEqual([]);
    expect([...described].filter((r) => !registered.has(r)), 'documented routes the app does not register').toEqual([]);
    // A sample of each family, so an empty route table cannot pass the comparison above.
    for (const key of ['post /internal/dns-challenge/present', 'post /internal/dns-challenge/providers/{providerId}/cleanup',
      'post /api/v1/dns-providers', 'get /api/v1/dns-providers/types/{type}/fields', 'get /api/v1/challenges', 'get /health',
      'get /metrics', 'post /acme-dns/update', 'get /api/v1/openapi.json']) {
      expect(described.has(key), key).toBe(true);
    }
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('names the tokens each family takes, as the daemon enforces them', async () => {
    const schemes = doc.components.securitySchemes;
    expect(schemes.internalBearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(schemes.internalBasic).toMatchObject({ type: 'http', scheme: 'basic' });
    expect(schemes.adminBearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/internal/dns-challenge/present']!.post!.security).toEqual([{ internalBearer: [] }, { internalBasic: [] }]);
    expect(doc.paths['/api/v1/dns-providers']!.post!.security).toEqual([{ adminBearer: [] }]);
    expect(schemes.clientBearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(schemes.clientBasic).toMatchObject({ type: 'http', scheme: 'basic' });
    expect(doc.paths['/acme-dns/register']!.post!.security).toEqual([{ adminBearer: [] }, { clientBearer: [] }, { clientBasic: [] }]);
    expect(doc.paths['/health']!.get!.security).toEqual([]);
    expect(doc.paths['/api/v1/openapi.json']!.get!.security).toEqual([]);
    // The document's claims, checked against the daemon: basic works on the internal API, not on the admin API.
    const basic = (token: string) => `Basic ${Buffer.from(`x:${token}`).toString('base64')}`;
    const internal = await fetch(`${d.url}/internal/dns-challenge/00000000-0000-4000-8000-000000000000`, { headers: { authorization: basic(d.internalToken) } });
    expect(internal.status).toBe(404);
    const admin = await fetch(`${d.url}/api/v1/dns-providers`, { headers: { authorization: basic(d.adminToken) } });
    expect(admin.status).toBe(401);
  });

  it('describes the error body once, with every documented code, and real error replies match it', async () => {
    const error = doc.components.schemas.Error as { properties: { error: { properties: { code: { enum: string[] } } } } };
    expect(error.properties.error.properties.code.enum.sort()).toEqual(Object.keys(ERROR_CODES).sort());
    expect(doc.paths['/api/v1/sites']!.post!.responses.default!.content!['application/json']!.schema).toEqual({ $ref: '#/components/schemas/Error' });
    const validError = ajv.compile(doc.components.schemas.Error!);
    const res = await d.admin('/sites/00000000-0000-4000-8000-000000000000');
    expect(res.status).toBe(404);
    expect(validError(await res.json())).toBe(true);
    expect(validError(new AppError('VALIDATION_ERROR', 'x', { details: { fields: [] } }).toBody())).toBe(true);
    expect(validError({ success: false, error: { code: 'NO_SUCH_CODE', message: 'x' } })).toBe(false);
  });

  it('the provider body accepts the example bodies and rejects an unknown key, as the daemon does', async () => {
    const valid = bodySchema('/api/v1/dns-providers', 'post');
    for (const [section, body] of Object.entries(SEED_BODIES)) {
      expect(valid(body), `${section}: ${JSON.stringify(valid.errors)}`).toBe(true);
    }
    const unknown = { ...SEED_BODIES['4.4 manual']!, colour: 'blue' };
    expect(valid(unknown)).toBe(false);
    expect(valid.errors?.[0]?.keyword).toBe('additionalProperties');
    expect(await refusal(d.api.providers.create(unknown))).toMatchObject({ status: 400, code: 'VALIDATION_ERROR' });
    // The same body without the unknown key is what the daemon takes.
    expect((await d.admin('/dns-providers', { method: 'POST', body: SEED_BODIES['4.4 manual'] })).status).toBe(201);

    const patch = bodySchema('/api/v1/dns-providers/{id}', 'put');
    expect(patch({ enabled: false })).toBe(true);
    expect(patch({ enabled: false, colour: 'blue' })).toBe(false);
  });

  it('the internal bodies: native create is strict, acmeproxy takes both shapes', () => {
    const create = bodySchema('/internal/dns-challenge/create', 'post');
    const body = { provider_id: '42a76275-a64b-498c-86bd-9f970f7bdd64', fqdn: '_acme-challenge.example.com', value: txtValue('doc'), wait: 'none' };
    expect(create(body)).toBe(true);
    expect(create({ ...body, ttl: 60 })).toBe(false);
    expect(create({ ...body, wait: 'later' })).toBe(false);
    const present = bodySchema('/internal/dns-challenge/present', 'post');
    expect(present({ fqdn: '_acme-challenge.example.com.', value: body.value })).toBe(true);
    expect(present({ domain: 'example.com', token: 't', keyAuth: 't.thumb' })).toBe(true);
    expect(present({ fqdn: '_acme-challenge.example.com.' })).toBe(false);
    const site = bodySchema('/api/v1/sites', 'post');
    expect(site({ domain_names: ['example.com', '*.example.com'], dns_provider_id: body.provider_id })).toBe(true);
    expect(site({ domain_names: ['example.com'], dns_provider_id: body.provider_id, zone: 'x' })).toBe(false);
    expect(site({ domain_names: ['example.com'], dns_provider_id: 'not-a-uuid' })).toBe(false);
  });

  it('the challenge list\'s query parameters are the ones the daemon accepts', async () => {
    const params = doc.paths['/api/v1/challenges']!.get!.parameters!;
    expect(params.every((p) => p.in === 'query' && !p.required)).toBe(true);
    const query = new URLSearchParams(Object.fromEntries(params.map((p) => [p.name, p.name === 'limit' ? '5' : p.name === 'status' ? 'pending' : p.name.startsWith('created_') ? '2026-01-01' : 'x'])));
    query.delete('cursor');
    query.set('created_before', '2027-01-01');
    expect((await d.admin(`/challenges?${query}`)).status).toBe(200);
    expect(params.map((p) => p.name)).toContain('cursor');
    expect((await d.admin('/challenges?colour=blue')).status).toBe(400);
    expect(doc.paths['/internal/dns-challenge/create']!.post!.parameters).toEqual([expect.objectContaining({ name: 'wait', in: 'query', required: false })]);
  });

  it('a query parameter\'s schema refuses what the daemon refuses (lengths, control characters, digits, choices)', async () => {
    const params = doc.paths['/api/v1/audit-logs']!.get!.parameters!;
    const cases: [string, string, boolean][] = [
      ['q', 'b.example', true], ['q', 'a\u0000b', false], ['q', '\u001b[31m', false], ['q', 'x'.repeat(201), false], ['q', '', false],
      ['limit', '5', true], ['limit', '-1', false], ['limit', '1e2', false],
      ['from', '2026-01-31T12:00:00Z', true], ['from', 'yesterday', false], ['from', '2026-01-31T12:00:00+0200', true],
      ['category', 'site', true], ['category', 'nope', false], ['cursor', 'A'.repeat(201), false],
    ];
    for (const [name, value, ok] of cases) {
      const valid = ajv.compile(params.find((p) => p.name === name)!.schema);
      expect(valid(value), `schema of ${name} on ${JSON.stringify(value)}`).toBe(ok);
      expect((await d.admin(`/audit-logs?${name}=${encodeURIComponent(value)}`)).status, `daemon on ${name}=${JSON.stringify(value)}`).toBe(ok ? 200 : 400);
    }
  });
});

/** What the tour below asks of every operation: its path template, the values of its path parameters, and how to call it. */
interface Call {
  params?: Record<string, string>;
  query?: string;
  body?: unknown;
  raw?: string;
  /** Whose token goes with it; `none` sends none. Default: the one the path's family takes. */
  auth?: 'admin' | 'internal' | 'none';
  headers?: Record<string, string>;
}

describe('OpenAPI document: real replies match it', () => {
  const ZONE = 'wire.test';
  let bind: RunningDnsServer;
  let caddy: RunningCaddy;
  let plugins: PluginDir;
  let d: TestDaemon;
  let doc: OpenApiDoc;
  const ajv = ajvFormats.default(new Ajv2020({ strict: false, allErrors: true }));
  const compiled = new Map<object, ValidateFunction>();
  /** `<method> <path template>` of every operation that gave a 2xx reply; the statuses each operation answered. */
  const succeeded = new Set<string>();
  const answered: string[] = [];
  const configFile = join(tmpdir(), `dns01-openapi-${process.pid}-${Date.now()}.yaml`);

  beforeAll(async () => {
    bind = await startBind({ zones: [ZONE], tsigKeys: [], allowUnsignedLocal: true });
    caddy = await startCaddy();
    plugins = await pluginDir([POWERDNS_MODULE]);
    writeFileSync(configFile, 'providers: []\n');
    d = await startTestDaemon({
      env: {
        DNS01_DNS_RESOLVERS: `127.0.0.1:${bind.port}`, DNS01_DNS_AUTH_PORT: String(bind.port), DNS01_ACME_DNS_DOMAIN: `auth.${ZONE}`,
        DNS01_CADDY_ADMIN_URL: caddy.adminUrl, ...plugins.env, DNS01_CONFIG: configFile,
      },
    });
    doc = (await (await fetch(`${d.url}/api/v1/openapi.json`)).json()) as OpenApiDoc;
  });
  afterAll(async () => {
    await d?.stop();
    await caddy?.stop();
    await bind?.stop();
    await plugins?.remove();
    rmSync(configFile, { force: true });
  });

  /** The schema a reply must match: the status's own, else (an error status) `default`; a `$ref` is a component's. */
  const responseSchema = (method: string, template: string, status: number): object | undefined => {
    const op = doc.paths[template]?.[method];
    const response = op?.responses[String(status)] ?? (status >= 400 ? op?.responses.default : undefined);
    const schema = response?.content?.['application/json']?.schema;
    if (!schema?.$ref) return schema;
    return doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')];
  };

  /** Calls one documented operation and checks the reply against the document; returns the parsed body. */
  const call = async (method: 'get' | 'post' | 'put' | 'delete', template: string, c: Call = {}): Promise<{ status: number; body: unknown }> => {
    expect(doc.paths[template]?.[method], `${method} ${template} is documented`).toBeDefined();
    const path = template.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(c.params?.[name] ?? 'missing'));
    const auth = c.auth ?? (template.startsWith('/internal/') ? 'internal' : template.startsWith('/api/v1/') || template === '/acme-dns/register' ? 'admin' : 'none');
    const headers: Record<string, string> = { 'content-type': 'application/json', ...c.headers };
    if (auth === 'admin') headers.authorization = `Bearer ${d.adminToken}`;
    if (auth === 'internal') headers.authorization = `Bearer ${d.internalToken}`;
    const res = await fetch(`${d.url}${path}${c.query ? `?${c.query}` : ''}`, {
      method: method.toUpperCase(), headers,
      ...(c.raw !== undefined ? { body: c.raw } : c.body !== undefined ? { body: JSON.stringify(c.body) } : {}),
    });
    const text = await res.text();
    const label = `${method.toUpperCase()} ${path} → ${res.status} ${text.slice(0, 600)}`;
    const schema = responseSchema(method, template, res.status);
    expect(schema, `the document describes the reply of ${label}`).toBeDefined();
    expect(res.headers.get('content-type'), label).toMatch(/^application\/json/);
    const body: unknown = JSON.parse(text);
    let validate = compiled.get(schema!);
    if (!validate) compiled.set(schema!, (validate = ajv.compile(schema!)));
    expect(validate(body), `${label}\n${ajv.errorsText(validate.errors)}`).toBe(true);
    if (res.status < 300) succeeded.add(`${method} ${template}`);
    answered.push(`${method} ${template} ${res.status}`);
    return { status: res.status, body };
  };
  const ok = async (method: 'get' | 'post' | 'put' | 'delete', template: string, c: Call = {}) => {
    const r = await call(method, template, c);
    expect(r.status, `${method} ${template}: ${JSON.stringify(r.body)}`).toBeLessThan(300);
    return r.body;
  };

  it('every operation that answers JSON gives a reply the document describes, success and error', async () => {
    // Operations first, and the Caddy push before any provider exists: Debian's Caddy has no acmeproxy module to take one.
    await ok('get', '/health');
    await ok('get', '/');
    await ok('get', '/ready');
    await ok('get', '/api/v1/openapi.json', { auth: 'none' });
    await ok('post', '/api/v1/caddy/sync');
    await ok('post', '/api/v1/caddy/token/rotate');

    // Providers, their types, zone-specific credentials.
    await ok('get', '/api/v1/dns-providers/types');
    await ok('get', '/api/v1/dns-providers/types/{type}/fields', { params: { type: 'manual' } });
    const manual = providerReplySchema.parse(await ok('post', '/api/v1/dns-providers', {
      body: { name: 'by hand', provider_type: 'manual', is_default: true, credentials: { instructions: 'Use the zone editor.' } },
    })).provider;
    const multi = providerReplySchema.parse(await ok('post', '/api/v1/dns-providers', {
      body: { name: 'zones', provider_type: 'manual', use_multi_credentials: true },
    })).provider;
    const spare = providerReplySchema.parse(await ok('post', '/api/v1/dns-providers', { body: { name: 'spare', provider_type: 'manual' } })).provider;
    await ok('get', '/api/v1/dns-providers');
    await ok('get', '/api/v1/dns-providers/{id}', { params: { id: manual.id } });
    await ok('put', '/api/v1/dns-providers/{id}', { params: { id: spare.id }, body: { settings: { ttl: 60 } } });
    await ok('post', '/api/v1/dns-providers/{id}/test', { params: { id: manual.id } });
    await ok('delete', '/api/v1/dns-providers/{id}', { params: { id: spare.id } });
    const cred = credentialReplySchema.parse(await ok('post', '/api/v1/dns-providers/{id}/credentials', {
      params: { id: multi.id }, body: { label: 'wire', zone_filter: ZONE },
    })).credential;
    await ok('get', '/api/v1/dns-providers/{id}/credentials', { params: { id: multi.id } });
    await ok('get', '/api/v1/dns-providers/{id}/credentials/{credId}', { params: { id: multi.id, credId: cred.id } });
    await ok('put', '/api/v1/dns-providers/{id}/credentials/{credId}', { params: { id: multi.id, credId: cred.id }, body: { enabled: false } });
    await ok('post', '/api/v1/dns-providers/{id}/credentials/{credId}/test', { params: { id: multi.id, credId: cred.id } });
    await ok('delete', '/api/v1/dns-providers/{id}/credentials/{credId}', { params: { id: multi.id, credId: cred.id } });
    await ok('post', '/api/v1/dns-providers/detect', { body: { domain: ZONE } });

    // Sites and the Caddy preview.
    const site = siteReplySchema.parse(await ok('post', '/api/v1/sites', { body: { domain_names: [`www.${ZONE}`], dns_provider_id: manual.id } })).site;
    await ok('get', '/api/v1/sites');
    await ok('get', '/api/v1/sites/{id}', { params: { id: site.id } });
    await ok('put', '/api/v1/sites/{id}', { params: { id: site.id }, body: { enabled: false } });
    await ok('delete', '/api/v1/sites/{id}', { params: { id: site.id } });
    await ok('get', '/api/v1/caddy/config');

    // Challenges: the native internal API, acmeproxy, the operator's list and the manual provider's endpoints.
    const fqdn = `_acme-challenge.www.${ZONE}`;
    const created = createdReplySchema.parse(await ok('post', '/internal/dns-challenge/create', { body: { provider_id: manual.id, fqdn, value: txtValue('wire-1') } }));
    // The same again is the challenge already there: 200, not 201.
    expect((await call('post', '/internal/dns-challenge/create', { body: { provider_id: manual.id, fqdn, value: txtValue('wire-1') } })).status).toBe(200);
    await ok('get', '/internal/dns-challenge/{id}', { params: { id: created.challenge_id } });
    await ok('get', '/api/v1/challenges');
    await ok('get', '/api/v1/challenges/{id}', { params: { id: created.challenge_id } });
    const at = { id: manual.id, challengeId: created.challenge_id };
    await ok('get', '/api/v1/manual-challenges');
    await ok('get', '/api/v1/dns-providers/{id}/manual-challenge/{challengeId}', { params: at });
    await ok('get', '/api/v1/dns-providers/{id}/manual-challenge/{challengeId}/poll', { params: at });
    // Not in DNS: DNS_NOT_PROPAGATED, the error body with HTTP 200.
    const verify = await ok('post', '/api/v1/dns-providers/{id}/manual-challenge/{challengeId}/verify', { params: at });
    expect(verify).toMatchObject({ success: false, error: { code: 'DNS_NOT_PROPAGATED' } });
    await ok('delete', '/api/v1/dns-providers/{id}/manual-challenge/{challengeId}', { params: at });
    const second = createdReplySchema.parse(await ok('post', '/internal/dns-challenge/create', { body: { provider_id: manual.id, fqdn, value: txtValue('wire-2') } }));
    await ok('delete', '/internal/dns-challenge/{id}', { params: { id: second.challenge_id } });
    for (const [i, base] of [[3, '/internal/dns-challenge'], [4, '/internal/dns-challenge/providers/{providerId}']] as const) {
      const plain = { fqdn: `${fqdn}.`, value: txtValue(`wire-${i}`) };
      await ok('post', `${base}/present`, { params: { providerId: manual.id }, body: plain });
      await ok('post', `${base}/cleanup`, { params: { providerId: manual.id }, body: plain });
    }
    const rawBody = { domain: `raw.${ZONE}`, token: 't', keyAuth: 't.thumbprint' };
    await ok('post', '/internal/dns-challenge/present', { body: rawBody });
    await ok('post', '/internal/dns-challenge/cleanup', { body: rawBody });

    // Client tokens.
    const token = clientTokenCreatedReplySchema.parse(await ok('post', '/api/v1/client-tokens', { body: { name: 'wire', allowed_domains: [ZONE] } }));
    await ok('get', '/api/v1/client-tokens');
    await ok('get', '/api/v1/client-tokens/{id}', { params: { id: token.client_token.id } });
    await ok('post', '/api/v1/client-tokens/{id}/tsig-key', { params: { id: token.client_token.id }, body: { tsig_algorithm: 'hmac-sha256' } });
    await ok('post', '/api/v1/client-tokens/{id}/tsig-key', { params: { id: token.client_token.id } });
    await ok('delete', '/api/v1/client-tokens/{id}/tsig-key', { params: { id: token.client_token.id } });
    expect((await call('delete', '/api/v1/client-tokens/{id}/tsig-key', { params: { id: token.client_token.id } })).status).toBe(404);
    await ok('delete', '/api/v1/client-tokens/{id}', { params: { id: token.client_token.id } });

    // The config file: what applying it would change.
    await ok('post', '/api/v1/config/apply', { body: { dry_run: true } });

    // Loadable plugins.
    await ok('post', '/api/v1/admin/plugins/reload');
    const plugin = pluginListReplySchema.parse(await ok('get', '/api/v1/admin/plugins')).plugins[0]!;
    await ok('get', '/api/v1/admin/plugins/{id}', { params: { id: plugin.id } });
    await ok('post', '/api/v1/admin/plugins/{id}/disable', { params: { id: plugin.id } });
    await ok('post', '/api/v1/admin/plugins/{id}/enable', { params: { id: plugin.id } });

    // Encryption at rest.
    await ok('post', '/api/v1/admin/encryption/rotate');
    await ok('get', '/api/v1/admin/encryption/status');
    await ok('get', '/api/v1/admin/encryption/history');

    // acme-dns: an account on the default (manual) provider sets its value.
    const account = acmeDnsAccountSchema.parse(await ok('post', '/acme-dns/register', { body: { allowfrom: ['127.0.0.0/8'] } }));
    await ok('post', '/acme-dns/update', {
      headers: { 'x-api-user': account.username, 'x-api-key': account.password }, body: { subdomain: account.subdomain, txt: txtValue('wire-acme-dns') },
    });

    // The audit log, last: every call above wrote to it (in batches: flushed first).
    await d.daemon.audit!.flush();
    const events = auditListReplySchema.parse(await ok('get', '/api/v1/audit-logs', { query: 'limit=200' })).audit_logs;
    await ok('get', '/api/v1/audit-logs/{id}', { params: { id: events[0]!.id } });
    await ok('get', '/api/v1/dns-providers/{id}/audit-logs', { params: { id: manual.id } });

    // Errors: not found, refused bodies and queries, no token, a conflict, acme-dns's own error body.
    const missing = '00000000-0000-4000-8000-000000000000';
    const errors: [Parameters<typeof call>[0], string, Call, number][] = [
      ['get', '/api/v1/dns-providers/{id}', { params: { id: missing } }, 404],
      ['put', '/api/v1/dns-providers/{id}', { params: { id: manual.id }, body: { colour: 'blue' } }, 400],
      ['post', '/api/v1/dns-providers', { body: { name: 'by hand', provider_type: 'manual' } }, 409],
      ['get', '/api/v1/dns-providers/types/{type}/fields', { params: { type: 'nope' } }, 400],
      ['get', '/api/v1/dns-providers/{id}/credentials/{credId}', { params: { id: multi.id, credId: missing } }, 404],
      ['get', '/api/v1/sites/{id}', { params: { id: missing } }, 404],
      ['get', '/api/v1/challenges', { query: 'status=nope' }, 400],
      ['get', '/api/v1/challenges/{id}', { params: { id: missing } }, 404],
      ['get', '/api/v1/audit-logs/{id}', { params: { id: missing } }, 404],
      ['get', '/api/v1/client-tokens/{id}', { params: { id: missing } }, 404],
      ['get', '/api/v1/admin/plugins/{id}', { params: { id: missing } }, 404],
      ['get', '/api/v1/dns-providers/{id}/manual-challenge/{challengeId}', { params: { id: manual.id, challengeId: missing } }, 404],
      ['get', '/api/v1/sites', { auth: 'none' }, 401],
      ['post', '/internal/dns-challenge/create', { body: { provider_id: manual.id, fqdn } }, 400],
      ['get', '/internal/dns-challenge/{id}', { params: { id: missing } }, 404],
      ['post', '/internal/dns-challenge/present', { raw: '{' }, 400],
      ['post', '/acme-dns/update', { headers: { 'x-api-user': account.username, 'x-api-key': 'wrong' }, body: {} }, 401],
      ['post', '/acme-dns/register', { raw: '[' }, 400],
      ['post', '/api/v1/config/apply', { body: { dry_run: true, config: 'sites: [{}]' } }, 400],
    ];
    for (const [method, template, c, status] of errors) {
      expect((await call(method, template, c)).status, `${method} ${template}`).toBe(status);
    }

    // Every documented operation that answers JSON gave at least one success above.
    const jsonOps = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops)
      .filter(([, op]) => Object.entries(op.responses).some(([status, r]) => status.startsWith('2') && r.content?.['application/json']))
      .map(([method]) => `${method} ${path}`));
    expect(jsonOps.length).toBeGreaterThan(50);
    expect(jsonOps.filter((op) => !succeeded.has(op)), 'operations with no success reply checked').toEqual([]);
  });

  it('a reply the document does not describe fails the check', () => {
    const schema = responseSchema('get', '/api/v1/sites/{id}', 200)!;
    const valid = ajv.compile(schema);
    const site = { id: '00000000-0000-4000-8000-000000000000', domain_names: ['a.example'], dns_provider_id: '00000000-0000-4000-8000-000000000000', enabled: true, managed_by: null, created_at: 'x', updated_at: 'x' };
    expect(valid({ success: true, site })).toBe(true);
    expect(valid({ success: true, site: { ...site, colour: 'blue' } })).toBe(false);
    expect(valid({ success: true, site: { ...site, enabled: undefined } })).toBe(false);
    expect(responseSchema('get', '/api/v1/sites/{id}', 201)).toBeUndefined();
  });
});
