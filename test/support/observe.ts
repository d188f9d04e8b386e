// What a test reads back from an in-process daemon besides its replies: log lines, audit rows, the page's login form.
import { eq } from 'drizzle-orm';
import { securityAudits } from '../../src/db/schema.js';
import type { TestDaemon } from './daemon.js';

/** The log lines with this message, parsed. */
export function logLines(d: TestDaemon, msg: string): Record<string, unknown>[] {
  return d.logs().split('\n').filter((l) => l.includes(`"msg":"${msg}"`)).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The audit rows with this action, after the writer's queue is flushed. */
export async function auditEvents(d: TestDaemon, action: string) {
  await d.daemon.audit!.flush();
  return d.daemon.database.db.select().from(securityAudits).where(eq(securityAudits.action, action));
}

/** A POST of the operator page's login form. */
export const uiLogin = (token: string) => ({
  method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token, next: '/ui/challenges' }).toString(),
});
