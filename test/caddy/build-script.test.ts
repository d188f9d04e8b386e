// scripts/build-caddy.sh, the no-Docker way to a Caddy with the daemon's DNS modules (docs/deployment.md, "Caddy
// without Docker"): the binary the tests use comes from it, through test/support/caddy.ts, so what is checked here
// is what a user gets.
import { execFile } from 'node:child_process';
import { readFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD_SCRIPT, buildCaddyWithAcmeproxy } from '../support/caddy.js';

const run = promisify(execFile);
let binary: string;
let dir: string;

beforeAll(async () => {
  // Cold: apt source + build-dep + go build (one to three minutes); afterwards the cached binary.
  binary = await buildCaddyWithAcmeproxy();
  dir = await mkdtemp(join(tmpdir(), 'dns01-build-caddy-'));
}, 900_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('scripts/build-caddy.sh', () => {
  it('builds Caddy 2.6.2 with dns.providers.acmeproxy and dns.providers.rfc2136', async () => {
    const { stdout } = await run(binary, ['list-modules'], { timeout: 30_000 });
    const modules = stdout.split('\n');
    expect(modules).toContain('dns.providers.acmeproxy');
    expect(modules).toContain('dns.providers.rfc2136');
    expect(modules).toContain('tls.issuance.acme');
    expect((await run(binary, ['version'], { timeout: 30_000 })).stdout.trim()).toBe('v2.6.2+dns01proxy');
  });

  it('--output copies the binary there and prints that path as its last line', async () => {
    const out = join(dir, 'bin', 'caddy');
    const { stdout, stderr } = await run('bash', [BUILD_SCRIPT, '--output', out], { timeout: 900_000, maxBuffer: 64 * 1024 * 1024 });
    expect(stdout.trim().split('\n').pop()).toBe(out);
    expect(stderr).toContain(`copied to ${out}`);
    expect((await stat(out)).mode & 0o777).toBe(0o755);
    expect((await readFile(out)).equals(await readFile(binary))).toBe(true);
  }, 900_000);

  it('--help says what it installs and where the binary goes; an unknown argument is refused with the usage', async () => {
    const { stdout } = await run('bash', [BUILD_SCRIPT, '--help'], { timeout: 30_000 });
    for (const fact of ['--output', 'apt', 'sudo', 'Go 1.19', 'caddy 2.6.2-5', 'dns01-proxy-src.sources', 'cache']) {
      expect(stdout).toContain(fact);
    }
    const err = await run('bash', [BUILD_SCRIPT, '--bogus'], { timeout: 30_000 }).then(() => null, (e: { code: number; stderr: string }) => e);
    expect(err?.code).toBe(2);
    expect(err?.stderr).toContain("unknown argument '--bogus'");
    expect(err?.stderr).toContain('--output');
  });
});
