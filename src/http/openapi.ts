// Builds the OpenAPI 3.1 document (GET /api/v1/openapi.json) from the routes the app registers and their descriptions.
//
// How a route is described (every route module follows this; test/core/openapi.test.ts fails for a route without it):
//
//   app.put('/things/:id', described({ summary: 'Replace a thing', body: thingPatchSchema,
//     responses: { 200: { description: 'the thing', schema: thingReplySchema } } }),
//     async (c) => { const patch = await readBody(c, thingPatchSchema); ... });
//
// - `described` is a pass-through middleware that carries the description; the method and the full path come from
//   Hono when the document is built, so a mount prefix (`admin.route('/things', …)`) is never written twice.
// - `body` and `query` are the very zod schemas the handler validates with (no second copy): `readBody(c, schema)`
//   for bodies, the schema's keys for query strings. They become JSON Schema 2020-12 (z.toJSONSchema, input side).
// - `responses` names the success statuses, each with the zod schema of its body from the wire layer (src/http/wire/,
//   output side), or a content type other than JSON; every operation also gets `default`: the one error body (Error component).
// - Who may call it follows the path (`/internal/…` internal token, `/api/v1/…` admin token, see app.ts); `auth`
//   overrides that for a route with its own rule. Path parameters (`:id` → `{id}`) and tags come from the path.
import type { MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { errorBodySchema } from '../errors.js';
import { VERSION } from './identity.js';

export type AuthScheme = 'internal' | 'admin' | 'acmeDnsRegister' | 'acmeDnsAccount' | 'none';

export interface RouteDoc {
  summary: string;
  description?: string;
  /** A JSON object body, validated by the handler with this same schema. */
  body?: z.ZodType;
  /** The body may be left out (the handler then reads `{}`). */
  bodyOptional?: boolean;
  /** Query parameters: each key of the object is one, its `.describe()` text the parameter's description. */
  query?: z.ZodObject;
  /** Success statuses: a JSON body's schema (src/http/wire/), or a content type other than JSON (e.g. /metrics). */
  responses: Record<number, { description: string; schema: z.ZodType } | { description: string; contentType: string }>;
  auth?: AuthScheme;
  /** The error body these routes answer with, when it is not the daemon's own (acme-dns's `{"error": "..."}`). */
  errorBody?: { name: string; schema: z.ZodType };
}

const docs = new WeakMap<object, RouteDoc>();

/** A middleware that does nothing but carry `doc` into the app's route table (see the top of this module). */
export function described(doc: RouteDoc): MiddlewareHandler {
  const carrier: MiddlewareHandler = async (_c, next) => next();
  docs.set(carrier, doc);
  return carrier;
}

/** The description a registered handler carries, also when Hono wrapped it for a sub-app with its own error handler. */
function docOf(handler: unknown): RouteDoc | undefined {
  if (typeof handler !== 'function') return undefined;
  return docs.get(handler) ?? docOf((handler as { __COMPOSED_HANDLER?: unknown }).__COMPOSED_HANDLER);
}

export interface RegisteredRoute {
  method: string;
  path: string;
  handler: unknown;
}

/** Input side for what a client sends (defaults make a field optional; transforms are the daemon's business), output for replies. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' });
  return rest;
}

const SECURITY: Record<AuthScheme, Record<string, string[]>[]> = {
  internal: [{ internalBearer: [] }, { internalBasic: [] }],
  admin: [{ adminBearer: [] }],
  acmeDnsRegister: [{ adminBearer: [] }, { clientBearer: [] }, { clientBasic: [] }],
  acmeDnsAccount: [{ acmeDnsUser: [], acmeDnsKey: [] }],
  none: [],
};

function tagOf(path: string): string {
  if (path.startsWith('/internal/')) return 'internal';
  if (path.startsWith('/acme-dns/')) return 'acme-dns';
  // /api/v1/admin/plugins → plugins
  if (path.startsWith('/api/v1/')) return path.split('/').slice(3).find((s) => s !== 'admin')!.replace(/\.json$/, '');
  return 'operations';
}

function operationId(method: string, path: string): string {
  const words = path.split(/[/.-]/).filter(Boolean).map((w) => (w.startsWith(':') ? `by_${w.slice(1)}` : w));
  return [method.toLowerCase(), ...words.map((w) => w.replace(/(^|_)(\w)/g, (_m, _s, ch: string) => ch.toUpperCase()))].join('');
}

function operation(method: string, path: string, doc: RouteDoc, authFor: (path: string) => AuthScheme): Record<string, unknown> {
  const params: Record<string, unknown>[] = [...path.matchAll(/:(\w+)/g)]
    .map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
  for (const [name, field] of Object.entries(doc.query?.shape ?? {})) {
    const { description, ...schema } = jsonSchema(field as z.ZodType);
    const required = !(field as z.ZodType).safeParse(undefined).success;
    params.push({ name, in: 'query', required, schema, ...(description ? { description } : {}) });
  }
  const errorName = doc.errorBody?.name ?? 'Error';
  const responses: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(doc.responses)) {
    responses[status] = 'schema' in r
      ? { description: r.description, content: { 'application/json': { schema: jsonSchema(r.schema, 'output') } } }
      : { description: r.description, content: { [r.contentType]: {} } };
  }
  responses.default = {
    description: 'an error; the codes are listed in docs/errors.md',
    content: { 'application/json': { schema: { $ref: `#/components/schemas/${errorName}` } } },
  };
  return {
    operationId: operationId(method, path),
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    tags: [tagOf(path)],
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(doc.body ? { requestBody: { required: !doc.bodyOptional, content: { 'application/json': { schema: jsonSchema(doc.body) } } } } : {}),
    responses,
    security: SECURITY[doc.auth ?? authFor(path)],
  };
}

/** The document for every described route; an undescribed one is left out (and the test names it). */
export function openApiDocument(routes: readonly RegisteredRoute[], authFor: (path: string) => AuthScheme): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const errorBodies: Record<string, z.ZodType> = { Error: errorBodySchema };
  for (const r of routes) {
    const doc = docOf(r.handler);
    if (!doc || r.method === 'ALL') continue;
    const path = r.path.replace(/:(\w+)/g, '{$1}');
    (paths[path] ??= {})[r.method.toLowerCase()] = operation(r.method, r.path, doc, authFor);
    if (doc.errorBody) errorBodies[doc.errorBody.name] = doc.errorBody.schema;
  }
  return {
    openapi: '3.1.1',
    info: {
      title: 'dns01-proxy',
      version: VERSION,
      description: 'Answers ACME DNS-01 challenges for Caddy. Prose, examples and error codes: docs/api.md and docs/errors.md.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(errorBodies).map(([name, schema]) => [name, jsonSchema(schema)])),
      securitySchemes: {
        internalBearer: { type: 'http', scheme: 'bearer', description: 'the internal token (DNS01_INTERNAL_TOKEN or data/internal-token)' },
        internalBasic: { type: 'http', scheme: 'basic', description: 'the internal token as the password, any user name (acmeproxy clients)' },
        adminBearer: { type: 'http', scheme: 'bearer', description: 'the admin token (DNS01_ADMIN_TOKEN or data/admin-token)' },
        clientBearer: { type: 'http', scheme: 'bearer', description: 'a client token (POST /api/v1/client-tokens)' },
        clientBasic: { type: 'http', scheme: 'basic', description: 'a client token as the password, any user name (a server URL\'s user info)' },
        acmeDnsUser: { type: 'apiKey', in: 'header', name: 'X-Api-User', description: 'an acme-dns account\'s username' },
        acmeDnsKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key', description: 'that account\'s password' },
      },
    },
  };
}
