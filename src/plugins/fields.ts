// Credential field pieces the built-in plugins share: numbers that clients send as strings ("30"), docs/plugins.md.
import { z } from 'zod';

/** A number checked by `schema`, also accepted as a decimal string; the stored form is the number. */
export function numeric(schema: z.ZodNumber) {
  return z.union([z.number(), z.string().trim().regex(/^-?\d+(\.\d+)?$/, 'must be a number').transform(Number)]).pipe(schema);
}
