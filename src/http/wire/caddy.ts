// The Caddy sync on the wire: the policies the sync would push (secrets masked) and the sync state after a push.
import { z } from 'zod';
import { clientTokenSchema } from './client-tokens.js';
import { instant, success } from './common.js';

const refusedSchema = z.strictObject({ id: z.uuid(), name: z.string(), reason: z.string(), refused_at: instant });

export const caddyConfigReplySchema = z.strictObject({
  success,
  apps: z.strictObject({ tls: z.strictObject({ automation: z.strictObject({
    policies: z.array(z.looseObject({ subjects: z.array(z.string()), issuers: z.array(z.record(z.string(), z.unknown())) }))
      .describe('Caddy\'s own `apps.tls.automation.policies` (its JSON config), secrets masked'),
  }) }) }),
  skipped: z.array(z.strictObject({ providerId: z.uuid(), name: z.string(), type: z.string(), reason: z.string(), message: z.string() })),
  conflicts: z.array(z.strictObject({ subject: z.string(), providerIds: z.array(z.uuid()), chosen: z.uuid() })),
  refused: z.array(refusedSchema).describe('refused by Caddy on the last sync run ([] with sync off): in `policies`, not in Caddy'),
});

/** src/caddy/wiring.ts caddyReadiness with the sync on: /ready's `caddy` check and the reply of a push. */
export const syncStateSchema = z.strictObject({
  ok: z.boolean(),
  enabled: z.literal(true),
  in_sync: z.boolean(),
  consecutive_failures: z.number().int(),
  last_success_at: instant.nullable(),
  last_attempt_at: instant.nullable(),
  last_error: z.string().nullable(),
  skipped_providers: z.array(z.strictObject({ id: z.uuid(), reason: z.string() })),
  refused_providers: z.array(refusedSchema),
});

export const syncReplySchema = z.strictObject({ success: z.boolean(), sync: syncStateSchema });

export const caddyTokenRotateReplySchema = z.strictObject({
  success: z.boolean(),
  retired: z.array(clientTokenSchema).describe('Caddy\'s tokens retired by this call: each works until its `expires_at` (the grace), then stops'),
  client_token: clientTokenSchema.nullable().describe('the token Caddy was given (never its secret); null when no acmeproxy policy needs one'),
  sync: syncStateSchema,
});
