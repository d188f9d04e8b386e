// A typed client for the daemon's internal and admin APIs, built on the wire schemas (src/http/wire/): every reply is
// parsed with its schema, so a test gets typed data without a cast, and a reply that drifts from its schema fails loudly.
import { z } from 'zod';
import { errorBodySchema } from '../../src/errors.js';
import { auditEventReplySchema, auditListReplySchema } from '../../src/http/wire/audit.js';
import {
  challengeDetailReplySchema, challengeListReplySchema, challengeReplySchema, createdReplySchema,
} from '../../src/http/wire/challenges.js';
import { clientTokenCreatedReplySchema, clientTokenListReplySchema, clientTokenReplySchema, tsigKeyDeletedReplySchema, tsigKeyReplySchema } from '../../src/http/wire/client-tokens.js';
import { deletedReplySchema } from '../../src/http/wire/common.js';
import { credentialListReplySchema, credentialReplySchema } from '../../src/http/wire/credentials.js';
import { cancelReplySchema, manualListReplySchema, manualReplySchema, pollReplySchema, verifyReplySchema } from '../../src/http/wire/manual.js';
import {
  providerDeletedReplySchema, providerListReplySchema, providerReplySchema, testReplySchema, typeFieldsReplySchema, typeListReplySchema,
} from '../../src/http/wire/providers.js';
import { encryptionStatusReplySchema, rotationHistoryReplySchema, rotationReplySchema } from '../../src/http/wire/encryption.js';
import { siteListReplySchema, siteReplySchema } from '../../src/http/wire/sites.js';
import type { ApiClient } from './api-client.js';

export type ErrorBody = z.infer<typeof errorBodySchema>;

/** A refusal: the reply's status and its error body (parsed with the daemon's one error schema). */
export class ApiError extends Error {
  readonly code: ErrorBody['error']['code'];

  constructor(readonly status: number, readonly body: ErrorBody, readonly headers: Headers) {
    super(`HTTP ${status} ${body.error.code}: ${body.error.message}`);
    this.code = body.error.code;
  }
}

/**
 * Reads a reply: a 2xx body through `schema`, anything else as an ApiError; a body that matches neither throws, and so
 * does a success with another status than `status` when one is given.
 */
async function parse<S extends z.ZodType>(res: Response | Promise<Response>, schema: S, status?: number): Promise<z.infer<S>> {
  const r = await res;
  const text = await r.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`HTTP ${r.status}: not JSON: ${text.slice(0, 300)}`);
  }
  if (r.status >= 300) {
    const error = errorBodySchema.safeParse(json);
    if (!error.success) throw new Error(`HTTP ${r.status}: the error body does not match the error schema: ${text.slice(0, 300)}\n${z.prettifyError(error.error)}`);
    throw new ApiError(r.status, error.data, r.headers);
  }
  if (status !== undefined && r.status !== status) throw new Error(`expected HTTP ${status}, got ${r.status}: ${text.slice(0, 300)}`);
  const body = schema.safeParse(json);
  if (!body.success) throw new Error(`HTTP ${r.status}: the reply drifted from its wire schema: ${text.slice(0, 500)}\n${z.prettifyError(body.error)}`);
  return body.data;
}

const validationFields = z.array(z.looseObject({ field: z.string(), message: z.string() }));

/** A VALIDATION_ERROR's `details.fields`: which fields were refused, and why. */
export function fieldsOf(err: ApiError): z.infer<typeof validationFields> {
  return validationFields.parse(err.body.error.details?.fields);
}

/** The ApiError a call ends in; fails when the call succeeds. */
export async function refusal(call: Promise<unknown>): Promise<ApiError> {
  try {
    await call;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected the call to be refused, and it succeeded');
}

type Body = Record<string, unknown>;
const qs = (query?: string | Record<string, string>) => {
  if (query === undefined) return '';
  const s = typeof query === 'string' ? query.replace(/^\?/, '') : new URLSearchParams(query).toString();
  return s ? `?${s}` : '';
};

export function typedApi(c: ApiClient) {
  const admin = (path: string, method = 'GET', body?: unknown) => c.admin(path, { method, ...(body !== undefined ? { body } : {}) });
  const manualAt = (providerId: string, id: string) => `/dns-providers/${providerId}/manual-challenge/${id}`;
  return {
    providers: {
      list: async () => (await parse(admin('/dns-providers'), providerListReplySchema)).providers,
      get: async (id: string) => (await parse(admin(`/dns-providers/${id}`), providerReplySchema)).provider,
      create: async (body: Body) => (await parse(admin('/dns-providers', 'POST', body), providerReplySchema)).provider,
      update: async (id: string, patch: Body) => (await parse(admin(`/dns-providers/${id}`, 'PUT', patch), providerReplySchema)).provider,
      remove: (id: string, opts: { force?: boolean } = {}) => parse(admin(`/dns-providers/${id}${opts.force ? '?force=true' : ''}`, 'DELETE'), providerDeletedReplySchema),
      test: async (id: string) => (await parse(admin(`/dns-providers/${id}/test`, 'POST'), testReplySchema)).result,
      types: async () => (await parse(admin('/dns-providers/types'), typeListReplySchema)).types,
      fields: async (type: string) => (await parse(admin(`/dns-providers/types/${type}/fields`), typeFieldsReplySchema)).fields,
      auditLogs: (id: string, query?: string | Record<string, string>) => parse(admin(`/dns-providers/${id}/audit-logs${qs(query)}`), auditListReplySchema),
    },
    credentials: {
      list: async (providerId: string) => (await parse(admin(`/dns-providers/${providerId}/credentials`), credentialListReplySchema)).credentials,
      get: async (providerId: string, id: string) => (await parse(admin(`/dns-providers/${providerId}/credentials/${id}`), credentialReplySchema)).credential,
      create: async (providerId: string, body: Body) => (await parse(admin(`/dns-providers/${providerId}/credentials`, 'POST', body), credentialReplySchema)).credential,
      update: async (providerId: string, id: string, patch: Body) =>
        (await parse(admin(`/dns-providers/${providerId}/credentials/${id}`, 'PUT', patch), credentialReplySchema)).credential,
      remove: (providerId: string, id: string) => parse(admin(`/dns-providers/${providerId}/credentials/${id}`, 'DELETE'), deletedReplySchema),
      test: async (providerId: string, id: string) => (await parse(admin(`/dns-providers/${providerId}/credentials/${id}/test`, 'POST'), testReplySchema)).result,
    },
    sites: {
      list: async () => (await parse(admin('/sites'), siteListReplySchema)).sites,
      get: async (id: string) => (await parse(admin(`/sites/${id}`), siteReplySchema)).site,
      create: async (body: Body) => (await parse(admin('/sites', 'POST', body), siteReplySchema)).site,
      update: async (id: string, patch: Body) => (await parse(admin(`/sites/${id}`, 'PUT', patch), siteReplySchema)).site,
      remove: (id: string) => parse(admin(`/sites/${id}`, 'DELETE'), deletedReplySchema),
    },
    challenges: {
      list: (query?: string | Record<string, string>) => parse(admin(`/challenges${qs(query)}`), challengeListReplySchema),
      get: async (id: string) => (await parse(admin(`/challenges/${id}`), challengeDetailReplySchema)).challenge,
    },
    /** The native internal API (internal token, or `headers` with a client token's). */
    internal: {
      /** `status`: 201 (created) or 200 (the same challenge was already active) when the test cares which. */
      create: (body: Body, opts: { query?: string; headers?: Record<string, string>; status?: 200 | 201 } = {}) =>
        parse(c.internal(`/create${qs(opts.query)}`, { body, ...(opts.headers ? { headers: opts.headers } : {}) }), createdReplySchema, opts.status),
      get: async (id: string, headers?: Record<string, string>) =>
        (await parse(c.internal(`/${id}`, { method: 'GET', ...(headers ? { headers } : {}) }), challengeReplySchema)).challenge,
      remove: (id: string, headers?: Record<string, string>) => parse(c.internal(`/${id}`, { method: 'DELETE', ...(headers ? { headers } : {}) }), deletedReplySchema),
    },
    manual: {
      pending: async () => (await parse(admin('/manual-challenges'), manualListReplySchema)).challenges,
      get: (providerId: string, id: string) => parse(admin(manualAt(providerId, id)), manualReplySchema),
      poll: (providerId: string, id: string) => parse(admin(`${manualAt(providerId, id)}/poll`), pollReplySchema),
      /** Found, or the DNS_NOT_PROPAGATED body (HTTP 200). */
      verify: (providerId: string, id: string) => parse(admin(`${manualAt(providerId, id)}/verify`, 'POST'), verifyReplySchema),
      cancel: (providerId: string, id: string) => parse(admin(manualAt(providerId, id), 'DELETE'), cancelReplySchema),
    },
    clientTokens: {
      create: (body: Body) => parse(admin('/client-tokens', 'POST', body), clientTokenCreatedReplySchema),
      list: async () => (await parse(admin('/client-tokens'), clientTokenListReplySchema)).client_tokens,
      get: async (id: string) => (await parse(admin(`/client-tokens/${id}`), clientTokenReplySchema)).client_token,
      revoke: async (id: string) => (await parse(admin(`/client-tokens/${id}`, 'DELETE'), clientTokenReplySchema)).client_token,
      rotateTsig: (id: string, body?: Body) => parse(admin(`/client-tokens/${id}/tsig-key`, 'POST', body), tsigKeyReplySchema),
      deleteTsig: (id: string) => parse(admin(`/client-tokens/${id}/tsig-key`, 'DELETE'), tsigKeyDeletedReplySchema),
    },
    encryption: {
      status: () => parse(admin('/admin/encryption/status'), encryptionStatusReplySchema),
      rotate: async () => (await parse(admin('/admin/encryption/rotate', 'POST'), rotationReplySchema, 202)).rotation,
      history: async (limit?: number) => (await parse(admin(`/admin/encryption/history${limit ? `?limit=${limit}` : ''}`), rotationHistoryReplySchema)).rotations,
    },
    audit: {
      list: (query?: string | Record<string, string>) => parse(admin(`/audit-logs${qs(query)}`), auditListReplySchema),
      get: async (id: string) => (await parse(admin(`/audit-logs/${id}`), auditEventReplySchema)).audit_log,
    },
  };
}

export type TypedApi = ReturnType<typeof typedApi>;
