// GET /api/v1/openapi.json: a valid OpenAPI 3.1 document naming every route the app registers, with the request
// schemas the routes validate with (the example bodies pass, unknown keys do not) and the one error body.
import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, ERROR_CODES } from '../../src/errors.js';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';

interface Operation {
  operationId: string;
  security: Record<string, string[]>[];
  parameters?: { name: string; in: string; required: boolean; schema: object }[];
  requestBody?: { content: { 'application/json': { schema: object } } };
  responses: Record<string, { content?: Record<string, { schema?: { $ref: string } }> }>;
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
    expect(doc.paths['/acme-dns/register']!.post!.security).toEqual([{ adminBearer: [] }]);
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
    const res = await d.admin('/dns-providers', { method: 'POST', body: unknown });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('VALIDATION_ERROR');
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
