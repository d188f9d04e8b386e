// Credential schema of the webhook provider: where to POST, how to authenticate, how long to wait.
import { z } from 'zod';
import { numeric } from '../shared.js';

/** RFC 9110 section 5.6.2 token: what a header name may be made of. */
const HEADER_NAME_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Header values may not break the header block (CR/LF) or the C string below it (NUL). */
const HEADER_VALUE_RE = /^[^\r\n\0]*$/;

/** Headers that describe the request framing; letting a provider set them would corrupt or smuggle requests. */
const RESERVED_HEADERS = new Set([
  'host', 'content-length', 'content-type', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te',
  'trailer', 'expect', 'proxy-authorization', 'proxy-connection',
]);

const headerName = z.string().min(1).max(128).regex(HEADER_NAME_RE, 'must be an HTTP header name');
const headerValue = z.string().max(8192).regex(HEADER_VALUE_RE, 'must not contain CR, LF or NUL');
const url = z.string().min(1).max(2048);

export const WEBHOOK_CONTENT_TYPES = ['application/json', 'application/x-www-form-urlencoded'] as const;

/** Other names clients send for two keys (docs/plugins.md#credentials); they are stored under the canonical name. */
export const webhookAliases = { retry_count: 'max_retries', custom_headers: 'headers' };

export const webhookCredentials = z
  .object({
    create_url: url.meta({ title: 'Create URL', placeholder: 'https://dns-api.example.net/acme', description: 'Receives POST {action: "create", ...}. https unless private webhooks are allowed.' }),
    /** Defaults to create_url: the body's `action` tells the far side what to do. */
    delete_url: url.optional().meta({ title: 'Delete URL', placeholder: 'https://dns-api.example.net/acme', description: 'Receives POST {action: "delete", ...}; defaults to the create URL.' }),
    auth_header: headerName.default('Authorization').meta({ title: 'Auth header name' }),
    auth_value: headerValue.optional().meta({ title: 'Auth header value', secret: true, description: 'e.g. "Bearer <token>"; never logged.' }),
    headers: z
      .record(z.string(), headerValue)
      .default({})
      .superRefine((headers, ctx) => {
        const names = Object.keys(headers);
        if (names.length > 32) ctx.addIssue({ code: 'custom', message: 'at most 32 custom headers' });
        for (const name of names) {
          // Issues name the header, never its value: values are secrets.
          if (!HEADER_NAME_RE.test(name) || name.length > 128) {
            ctx.addIssue({ code: 'custom', message: `header name '${name.slice(0, 128)}' is not valid`, path: [name] });
          } else if (RESERVED_HEADERS.has(name.toLowerCase())) {
            ctx.addIssue({ code: 'custom', message: `header '${name}' is set by the daemon`, path: [name] });
          }
        }
      })
      .meta({ title: 'Custom headers', description: 'Extra headers; values are treated as secrets. Also accepted as custom_headers.' }),
    content_type: z.enum(WEBHOOK_CONTENT_TYPES).default('application/json').meta({ title: 'Body format', description: 'How the POST body is encoded: JSON, or the same keys as a form.' }),
    timeout_seconds: numeric(z.number().min(0.1).max(120)).prefault(10).meta({ title: 'Timeout per attempt (s)' }),
    max_retries: numeric(z.number().int().min(0).max(10)).prefault(3).meta({ title: 'Retries', description: 'On network errors, timeouts and 5xx only. Also accepted as retry_count.' }),
    retry_backoff_ms: numeric(z.number().int().min(0).max(60_000)).prefault(1000).meta({ title: 'Backoff base (ms)', description: 'Waits base, 2x base, 4x base... between attempts.' }),
    verify_tls: z.boolean().default(true).meta({ title: 'Verify TLS certificate' }),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (RESERVED_HEADERS.has(c.auth_header.toLowerCase())) {
      ctx.addIssue({ code: 'custom', message: `auth_header '${c.auth_header}' is set by the daemon`, path: ['auth_header'] });
    }
  });

export type WebhookCredentials = z.output<typeof webhookCredentials>;
