// Webhook provider: POSTs create/delete requests (JSON or form) to an operator's HTTPS endpoint, through the SSRF guard.
import { randomUUID } from 'node:crypto';
import { isAppError } from '../../errors.js';
import { checkWebhookUrl } from '../../security/ssrf.js';
import { builtin } from '../shared.js';
import type { PluginContext, PluginSettings, ProviderPlugin } from '../../plugin-api/index.js';
import { callWebhook, type WebhookCall } from './client.js';
import { webhookAliases, webhookCredentials, type WebhookCredentials } from './credentials.js';
import { parseReply, recordPayload } from './payload.js';

export type { WebhookCredentials } from './credentials.js';

/** Auth header first in precedence: a custom header of the same name must not replace it. */
function headersOf(creds: WebhookCredentials): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(creds.headers)) out[name.toLowerCase()] = value;
  if (creds.auth_value !== undefined) out[creds.auth_header.toLowerCase()] = creds.auth_value;
  return out;
}

type UrlField = 'create_url' | 'delete_url';

/** The URL checks' options; errors name `field`. */
function urlRules(settings: PluginSettings, field: UrlField) {
  return { allowPrivate: settings.allowPrivateWebhooks, allowedPorts: settings.webhookAllowedPorts ?? [], field };
}

/** The field a call goes to: delete_url when set for a delete, else create_url. */
function target(creds: WebhookCredentials, action: string): UrlField {
  return action === 'delete' && creds.delete_url ? 'delete_url' : 'create_url';
}

function callFor(creds: WebhookCredentials, ctx: PluginContext, action: string, body: Record<string, unknown>): WebhookCall {
  const field = target(creds, action);
  const url = creds[field]!;
  // Checked again at call time: the settings may have changed since the credentials were saved, and a row saved
  // before a rule existed (the port rule) is refused here with the save-time message rather than called.
  checkWebhookUrl(url, urlRules(ctx.settings, field));
  return {
    url,
    action,
    body,
    headers: headersOf(creds),
    contentType: creds.content_type,
    timeoutMs: Math.round(creds.timeout_seconds * 1000),
    maxRetries: creds.max_retries,
    backoffMs: creds.retry_backoff_ms,
    verifyTls: creds.verify_tls,
    allowPrivate: ctx.settings.allowPrivateWebhooks,
    log: ctx.log,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  };
}

async function send(creds: WebhookCredentials, ctx: PluginContext, body: Record<string, unknown>): Promise<string | null> {
  const call = callFor(creds, ctx, String(body.action), body);
  const reply = await callWebhook(call);
  return parseReply(reply.text, reply.status, new URL(call.url).host, call.action, Object.values(call.headers));
}

export const webhookPlugin = {
  metadata: builtin('webhook', 'Webhook', 'POSTs {action, fqdn, value, ...} as JSON to your endpoint, which creates or deletes the TXT record.'),
  credentials: webhookCredentials,
  aliases: webhookAliases,
  defaults: { propagationTimeout: 120, pollingInterval: 5, ttl: 60 },
  // Someone else's HTTP API: a budget any endpoint takes, and its own code so alerts can tell it from a DNS server's limit.
  rateLimit: { perMinute: 10, code: 'WEBHOOK_RATE_LIMITED' },

  check(creds, settings) {
    checkWebhookUrl(creds.create_url, urlRules(settings, 'create_url'));
    if (creds.delete_url) checkWebhookUrl(creds.delete_url, urlRules(settings, 'delete_url'));
  },

  /**
   * POSTs `{action: "test", request_id, timestamp}` to the create URL, once, without retries (someone is waiting on
   * the answer). Any 2xx counts as ok and the body is not read for `success`: endpoints that only know create and
   * delete may answer a test however they like, as long as the URL, TLS and auth got through.
   */
  async test(creds, ctx) {
    const body = { action: 'test', request_id: randomUUID(), timestamp: new Date().toISOString() };
    try {
      const reply = await callWebhook({ ...callFor(creds, ctx, 'test', body), maxRetries: 0 });
      return { ok: true, message: `webhook answered HTTP ${reply.status}` };
    } catch (err) {
      if (!isAppError(err)) throw err;
      const farSide = err.logDetail ? `: ${err.logDetail}` : '';
      return { ok: false, message: `${err.message}${farSide}` };
    }
  },

  async present(creds, req, ctx) {
    const recordId = await send(creds, ctx, recordPayload('create', req));
    return { recordId };
  },

  async cleanup(creds, req, ctx) {
    await send(creds, ctx, recordPayload('delete', req));
  },
} satisfies ProviderPlugin<WebhookCredentials>;

export default webhookPlugin;
