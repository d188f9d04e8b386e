// The upstream DNS module sources scripts/build-caddy.sh builds Caddy with are committed unchanged, with their MIT licences.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
const VENDOR = join(REPO_ROOT, 'scripts', 'caddy', 'vendor');

/**
 * Each committed file with the SHA-256 of its upstream bytes (caddy-dns/acmeproxy v1.0.6, libdns/acmeproxy e51d10d,
 * caddy-dns/rfc2136 6096cd5, libdns/rfc2136 v0.1.1).
 */
const FILES: Record<string, string> = {
  'caddy-dns-acmeproxy/acmeproxy.go':
    'aa6c8f07891d22ee9e70d5704bfa6eed8bbe9d2ba8f4557aa3d37eda4a30d0ec',
  'caddy-dns-acmeproxy/LICENSE':
    'c9d6302c565d7ac51961a6f1c7733d90c3ed87fb48524bf42299ae7c9c222e06',
  'libdns-acmeproxy/provider.go':
    'a3ac2a021b88e5e41e1ae927607624dabce7d55d5969f88575fd611d5d1755e6',
  'libdns-acmeproxy/LICENSE':
    'c9d6302c565d7ac51961a6f1c7733d90c3ed87fb48524bf42299ae7c9c222e06',
  'caddy-dns-rfc2136/module.go':
    'c8c15fe0853d3e491160f2151e24834cf66845c0386b6b08b0075dc414c6ec63',
  'caddy-dns-rfc2136/LICENSE':
    '60a9c5dadb76d0a1e1f372df422463fd72226981b96789442ef94f7645282f1f',
  'libdns-rfc2136/provider.go':
    'b5598f1fbec5011dcf5b6cb1f572c8e5fea75d5b5b5122f7f7a3e7a00279cd84',
  'libdns-rfc2136/conversion.go':
    'a7f3ccd578fba24479c251ab9ca78e3929748a9952b2accb7a3fd149bd9bd34b',
  'libdns-rfc2136/LICENSE':
    '60a9c5dadb76d0a1e1f372df422463fd72226981b96789442ef94f7645282f1f',
};

/** Upstream copies in `shared/vendor` beside the repo root (or beside a parent, for a worktree), when this machine has them. */
function upstreamDir(): string | null {
  for (let dir = dirname(REPO_ROOT); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'shared', 'vendor', 'caddy-dns-acmeproxy'))) return join(dir, 'shared', 'vendor');
    if (dirname(dir) === dir) return null;
  }
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('scripts/caddy/vendor: upstream DNS module sources', () => {
  it('are the pinned upstream bytes, and byte-identical to the upstream copies when those are here', () => {
    const upstream = upstreamDir();
    for (const [file, hash] of Object.entries(FILES)) {
      const ours = readFileSync(join(VENDOR, file));
      expect(sha256(ours), file).toBe(hash);
      if (upstream && existsSync(join(upstream, file))) {
        expect(ours.equals(readFileSync(join(upstream, file))), `${file} differs from ${upstream}`).toBe(true);
      }
    }
  });

  it('carry the MIT licence beside each source, and the README names source, version and licence', () => {
    for (const dir of ['caddy-dns-acmeproxy', 'libdns-acmeproxy', 'caddy-dns-rfc2136', 'libdns-rfc2136']) {
      const licence = readFileSync(join(VENDOR, dir, 'LICENSE'), 'utf8');
      expect(licence.startsWith('MIT License\n')).toBe(true);
      expect(licence).toContain('Permission is hereby granted, free of charge');
    }
    expect(readFileSync(join(VENDOR, 'caddy-dns-acmeproxy/acmeproxy.go'), 'utf8')).toContain('ID:  "dns.providers.acmeproxy"');
    expect(readFileSync(join(VENDOR, 'caddy-dns-rfc2136/module.go'), 'utf8')).toContain('ID:  "dns.providers.rfc2136"');
    const readme = readFileSync(join(VENDOR, 'README.md'), 'utf8');
    const facts = ['github.com/caddy-dns/acmeproxy', 'v1.0.6', 'github.com/libdns/acmeproxy', 'e51d10d',
      'github.com/caddy-dns/rfc2136', '6096cd5', 'github.com/libdns/rfc2136', 'v0.1.1', 'MIT'];
    for (const fact of facts) expect(readme).toContain(fact);
  });
});
