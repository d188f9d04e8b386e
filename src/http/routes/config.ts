// Admin API for the config file (DNS01_CONFIG, docs/config-file.md): apply it now, or see what applying would change.
import { Hono } from 'hono';
import { AppError } from '../../errors.js';
import { readBody } from '../body.js';
import { described } from '../openapi.js';
import { applyInputSchema, applyReplySchema, type ApplyReport } from '../wire/config.js';

/** `apply`: the config file's apply (src/declared/apply.ts); null when DNS01_CONFIG is unset. */
export type ApplyConfig = (opts: { dryRun: boolean; text?: string }) => Promise<ApplyReport>;

export function configRoutes(apply: ApplyConfig | null): Hono {
  const app = new Hono();
  app.post('/apply', described({
    summary: 'Apply the DNS01_CONFIG file now (as SIGHUP does), or with dry_run list what it would change',
    description: 'An invalid file is 400 `CONFIG_INVALID` with every problem in `details.problems`, and nothing changes. Secret values never appear in the reply.',
    body: applyInputSchema, responses: { 200: { description: 'the changes made (or, with dry_run, that would be made)', schema: applyReplySchema } },
  }), async (c) => {
    const body = await readBody(c, applyInputSchema);
    if (!apply) throw new AppError('CONFIG_NOT_SET', 'the daemon was started without DNS01_CONFIG: there is no config file to apply');
    if (body.config !== undefined && !body.dry_run) {
      throw new AppError('VALIDATION_ERROR', 'config (a candidate file\'s text) is only compared, with dry_run: true; to apply it, put it in the DNS01_CONFIG file', {
        details: { fields: [{ field: 'config', message: 'only with dry_run: true' }] },
      });
    }
    return c.json({ success: true as const, ...(await apply({ dryRun: body.dry_run, ...(body.config !== undefined ? { text: body.config } : {}) })) });
  });
  return app;
}
