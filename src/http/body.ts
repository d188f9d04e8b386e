// Reads a JSON request body with a size cap, turning every malformed body into a documented 4xx.
import type { Context } from 'hono';
import type { z } from 'zod';
import { AppError } from '../errors.js';

export const MAX_BODY_BYTES = 64 * 1024;

export async function readJsonObject(c: Context): Promise<Record<string, unknown>> {
  const length = Number(c.req.header('content-length') ?? '0');
  if (length > MAX_BODY_BYTES) throw tooLarge();
  const buf = await c.req.arrayBuffer();
  if (buf.byteLength > MAX_BODY_BYTES) throw tooLarge();
  if (buf.byteLength === 0) throw new AppError('INVALID_JSON', 'request body is empty; expected a JSON object');
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf));
  } catch {
    throw new AppError('INVALID_JSON', 'request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AppError('INVALID_JSON', 'request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

export async function readBody<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  const raw = await readJsonObject(c);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw invalidBody('request body is invalid', parsed.error);
  return parsed.data;
}

/** VALIDATION_ERROR naming each bad field, never its value. */
export function invalidBody(message: string, error: z.ZodError): AppError {
  const fields = error.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
  return new AppError('VALIDATION_ERROR', message, { details: { fields } });
}

export function tooLarge(): AppError {
  return new AppError('PAYLOAD_TOO_LARGE', `request body is larger than ${MAX_BODY_BYTES} bytes`);
}
