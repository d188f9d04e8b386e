// Credential schema and field specs of the webhook provider: where to POST, how to authenticate, how long to wait.
import { z } from 'zod';
import type { FieldSpec } from '../plugin.js';

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

export const webhookCredentials = z
  .object({
    create_url: url,
    /** Defaults to create_url: the body's `action` tells the far side what to do. */
    delete_url: url.optional(),
    auth_header: headerName.default('Authorization'),
    auth_value: headerValue.optional(),
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
      }),
    timeout_seconds: z.number().min(0.1).max(120).default(10),
    max_retries: z.number().int().min(0).max(10).default(3),
    retry_backoff_ms: z.number().int().min(0).max(60_000).default(1000),
    verify_tls: z.boolean().default(true),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (RESERVED_HEADERS.has(c.auth_header.toLowerCase())) {
      ctx.addIssue({ code: 'custom', message: `auth_header '${c.auth_header}' is set by the daemon`, path: ['auth_header'] });
    }
  });

export type WebhookCredentials = z.output<typeof webhookCredentials>;

export const webhookFields: readonly FieldSpec[] = [
  { name: 'create_url', label: 'Create URL', type: 'url', required: true, description: 'Receives POST {action: "create", ...}. https unless private webhooks are allowed.' },
  { name: 'delete_url', label: 'Delete URL', type: 'url', required: false, description: 'Receives POST {action: "delete", ...}; defaults to the create URL.' },
  { name: 'auth_header', label: 'Auth header name', type: 'string', required: false, default: 'Authorization' },
  { name: 'auth_value', label: 'Auth header value', type: 'secret', required: false, description: 'e.g. "Bearer <token>"; never logged.' },
  { name: 'headers', label: 'Custom headers', type: 'map', required: false, description: 'Extra headers; values are treated as secrets.' },
  { name: 'timeout_seconds', label: 'Timeout per attempt (s)', type: 'number', required: false, default: 10 },
  { name: 'max_retries', label: 'Retries', type: 'number', required: false, default: 3, description: 'On network errors, timeouts and 5xx only.' },
  { name: 'retry_backoff_ms', label: 'Backoff base (ms)', type: 'number', required: false, default: 1000, description: 'Waits base, 2x base, 4x base... between attempts.' },
  { name: 'verify_tls', label: 'Verify TLS certificate', type: 'boolean', required: false, default: true },
];
