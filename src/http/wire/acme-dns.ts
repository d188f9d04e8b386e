// acme-dns's replies in its own shape (docs/acme-dns.md): a registered account and an update's echo.
import { z } from 'zod';
import type { AcmeDnsRegistrationRow } from '../../db/schema.js';

export const acmeDnsAccountSchema = z.strictObject({
  username: z.uuid(), password: z.string().describe('shown in this reply only'), fulldomain: z.string(), subdomain: z.uuid(), allowfrom: z.array(z.string()),
});
export const acmeDnsUpdateReplySchema = z.strictObject({ txt: z.string() });

export function acmeDnsAccountView(row: AcmeDnsRegistrationRow, password: string, fulldomain: string): z.infer<typeof acmeDnsAccountSchema> {
  return { username: row.username, password, fulldomain, subdomain: row.subdomain, allowfrom: row.allowFrom };
}
