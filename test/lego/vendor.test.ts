// The upstream goacmedns sources the test lego is built with are committed unchanged, with their MIT licence.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const VENDOR = join(import.meta.dirname, 'vendor');

/** Each committed file with the SHA-256 of its upstream bytes (nrdcg/goacmedns, formerly cpu/goacmedns, tag v0.1.1). */
const FILES: Record<string, string> = {
  'goacmedns/LICENSE': 'f6ec1ef6f9857838d5b997b4b56f1ad5b507c53b83062c9d0a727680e1af947b',
  'goacmedns/account.go': '3d8fee65f39e9387958e478e976116297a6a623f11c247d267c67468dd0a2aac',
  'goacmedns/client.go': '55e6f1167a3bd1ac99bcebfd38808bb4c5b6fbb3968a120097c6b8f4024ffbf8',
  'goacmedns/storage.go': 'b14db3042782848b163eb012486c1a76807529626bcbfcf6b37e1de506486078',
};

describe('test/lego/vendor: upstream goacmedns sources', () => {
  it('are the pinned upstream bytes', () => {
    for (const [file, hash] of Object.entries(FILES)) {
      expect(createHash('sha256').update(readFileSync(join(VENDOR, file))).digest('hex'), file).toBe(hash);
    }
  });

  it('carry the MIT licence, and the README names source, version and licence', () => {
    expect(readFileSync(join(VENDOR, 'goacmedns/LICENSE'), 'utf8')).toContain('Permission is hereby granted, free of charge');
    const readme = readFileSync(join(VENDOR, 'README.md'), 'utf8');
    for (const fact of ['github.com/nrdcg/goacmedns', 'v0.1.1', '3b98597', 'MIT']) expect(readme).toContain(fact);
  });
});
