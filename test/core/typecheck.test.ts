// The whole tree (src, test, plugins) type-checks under the strict tsconfig, unused code included.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

describe('typecheck', () => {
  it('tsc --noEmit reports nothing', async () => {
    const result = await promisify(execFile)(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit'], { timeout: 120_000 }).then(
      (r) => ({ code: 0, out: r.stdout + r.stderr }),
      (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` }),
    );
    expect(result.out.trim()).toBe('');
    expect(result.code).toBe(0);
  });
});
