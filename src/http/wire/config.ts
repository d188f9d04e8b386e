// The config file's apply on the wire (docs/config-file.md): the request, and the changes it made or would make.
import { z } from 'zod';
import { success } from './common.js';

export const applyInputSchema = z.object({
  dry_run: z.boolean().default(false).describe('true: work out the changes and make none'),
  config: z.string().max(1_000_000).optional()
    .describe('with dry_run: a candidate file\'s text to compare instead of the DNS01_CONFIG file (its references are read on the daemon\'s host)'),
}).strict();

const resource = z.enum(['provider', 'credential', 'site', 'client_token']);

export const applyReplySchema = z.strictObject({
  success,
  file: z.string().describe('the DNS01_CONFIG file: what managed rows name'),
  dry_run: z.boolean(),
  changes: z.array(z.strictObject({
    action: z.enum(['create', 'update', 'delete']),
    resource,
    name: z.string().describe('a provider\'s name, `provider/label` of a zone-specific credential, a site\'s domain names, a token\'s name'),
    fields: z.array(z.string()).describe('for an update: the fields that differ (a secret only by name, never its value); `managed_by` when a row is taken over'),
  })).describe('in the order they are made; empty when the database already matches the file'),
  deferred: z.array(z.strictObject({ resource, name: z.string(), reason: z.string() }))
    .describe('deletions left for the next apply, e.g. a provider whose challenges may still have records'),
});

export type ApplyReport = Omit<z.infer<typeof applyReplySchema>, 'success'>;
export type Change = ApplyReport['changes'][number];
