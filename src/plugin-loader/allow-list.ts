// Reads DNS01_PLUGINS_CONFIG: which plugin files may load, and the SHA-256 each must have (docs/plugins.md#loadable-plugins).
import { readFile } from 'node:fs/promises';
import { z } from 'zod';

const entry = z
  .object({
    enabled: z.boolean().default(true),
    signature: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'signature must be "sha256:" and 64 lower-case hex digits'),
  })
  .strict();

const file = z.object({ plugins: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'plugin names are 1-64 of a-z, 0-9, _ and -'), entry).default({}) }).strict();

export type AllowList = Record<string, { enabled: boolean; signature: string }>;

/** YAML or JSON (JSON is YAML); every problem reported in one line, naming the file, never echoing the content. */
export async function readAllowList(path: string): Promise<AllowList> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read plugin allow-list ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  // Loaded here, not at start: only a daemon with plugins reads YAML (about 190 modules).
  const { parse } = await import('yaml');
  let raw: unknown;
  try {
    raw = parse(text) ?? {};
  } catch (err) {
    throw new Error(`plugin allow-list ${path} is not valid YAML or JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  const parsed = file.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ');
    throw new Error(`plugin allow-list ${path}: ${problems}`);
  }
  return parsed.data.plugins;
}
