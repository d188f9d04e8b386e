// Audit events on the wire: one event as the list, the detail and the NDJSON export show it.
import { z } from 'zod';
import { AUDIT_OUTCOMES, type SecurityAuditRow } from '../../db/schema.js';
import { instant, iso, success } from './common.js';

export const auditEventSchema = z.strictObject({
  id: z.uuid(),
  created_at: instant,
  actor: z.string(),
  action: z.string(),
  category: z.string(),
  resource_type: z.string().nullable(),
  resource_id: z.string().nullable(),
  outcome: z.enum(AUDIT_OUTCOMES),
  details: z.record(z.string(), z.unknown()),
  source_ip: z.string().nullable(),
  user_agent: z.string().nullable(),
});
export type AuditEventView = z.infer<typeof auditEventSchema>;

export function auditView(row: SecurityAuditRow): AuditEventView {
  return {
    id: row.id, created_at: iso(row.createdAt), actor: row.actor, action: row.action, category: row.category,
    resource_type: row.resourceType, resource_id: row.resourceId, outcome: row.outcome, details: row.details,
    source_ip: row.sourceIp, user_agent: row.userAgent,
  };
}

export const auditListReplySchema = z.strictObject({
  success, audit_logs: z.array(auditEventSchema), next_cursor: z.string().nullable().describe('pass as `cursor` for the next (older) page'),
});
export const auditEventReplySchema = z.strictObject({ success, audit_log: auditEventSchema });
