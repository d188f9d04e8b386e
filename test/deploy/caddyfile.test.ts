// deploy/base/Caddyfile: adapted by a real Caddy 2 (Debian's, which lacks the acmeproxy
// module, so that one block is checked by hand), and wired the way the daemon expects.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, requireTool, run } from './support.js';

const CADDY = process.env.CADDY_BIN ?? '/usr/bin/caddy';
const caddyfile = readFileSync(join(repoRoot, 'deploy/base/Caddyfile'), 'utf8');
const acmeBlock = /\n\tacme_dns acmeproxy \{\n(.*?)\n\t\}\n/s;

describe('deploy/base/Caddyfile', () => {
  it('points acmeproxy at the daemon on loopback, token from the environment at run time', () => {
    const m = acmeBlock.exec(caddyfile);
    expect(m, 'global acme_dns acmeproxy block').not.toBeNull();
    const body = m![1]!;
    // No provider id unless the operator sets one: an id that does not exist fails every challenge.
    expect(body).toMatch(/^\t\tendpoint http:\/\/127\.0\.0\.1:8053\/internal\/dns-challenge\{\$ACMEPROXY_PROVIDER_PATH\}$/m);
    expect(body).toMatch(/^\t\tusername \S+$/m);
    // {env.X}, not {$X}: resolved at provision time, so not visible in Caddy's JSON config.
    expect(body).toMatch(/^\t\tpassword \{env\.DNS01_INTERNAL_TOKEN\}$/m);
    expect(caddyfile).toMatch(/^\tadmin 127\.0\.0\.1:2019$/m);
  });

  it('gives the plain endpoint when ACMEPROXY_PROVIDER_PATH is unset, the pinned one when set (real Caddy substitution)', () => {
    const caddy = requireTool(CADDY, "install the Debian package 'caddy' (test/install-servers.sh does this), or set CADDY_BIN");
    const endpoint = /^\t\tendpoint (\S+)$/m.exec(acmeBlock.exec(caddyfile)![1]!)![1]!;
    const dir = mkdtempSync(join(tmpdir(), 'caddyfile-env-'));
    const file = join(dir, 'Caddyfile');
    // The endpoint's text as a response body: Caddy substitutes {$VAR} the same way in any token.
    writeFileSync(file, `:1 {\n\trespond "${endpoint}" 200\n}\n`);
    const adapt = (extra: Record<string, string>) => {
      const env: NodeJS.ProcessEnv = { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir, ...extra };
      if (!('ACMEPROXY_PROVIDER_PATH' in extra)) delete env.ACMEPROXY_PROVIDER_PATH;
      const res = run(caddy, ['adapt', '--config', file, '--adapter', 'caddyfile'], { env });
      expect(res.status, res.stderr).toBe(0);
      return JSON.stringify(JSON.parse(res.stdout).apps.http.servers);
    };
    expect(adapt({})).toContain('"body":"http://127.0.0.1:8053/internal/dns-challenge"');
    expect(adapt({ ACMEPROXY_PROVIDER_PATH: '/providers/0b7c' })).toContain('"body":"http://127.0.0.1:8053/internal/dns-challenge/providers/0b7c"');
  });

  it('is accepted by caddy adapt --validate (acmeproxy block removed)', () => {
    const caddy = requireTool(CADDY, "install the Debian package 'caddy' (test/install-servers.sh does this), or set CADDY_BIN");
    const dir = mkdtempSync(join(tmpdir(), 'caddyfile-'));
    const file = join(dir, 'Caddyfile');
    writeFileSync(file, caddyfile.replace(acmeBlock, '\n'));
    const adapted = run(caddy, ['adapt', '--config', file, '--adapter', 'caddyfile'], { env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir } });
    expect(adapted.status, adapted.stderr).toBe(0);
    const json = JSON.parse(adapted.stdout);
    expect(json.admin.listen).toBe('127.0.0.1:2019');
    const servers = Object.values<any>(json.apps.http.servers);
    const ops = servers.find((s) => s.listen.includes(':9153'));
    expect(ops, 'ops listener on :9153').toBeTruthy();
    const opsJson = JSON.stringify(ops.routes);
    expect(opsJson).toContain('"/metrics"');
    // The daemon's probes for the kubelet's httpGet: only GET /daemon/health and /daemon/ready, prefix stripped.
    const probeRoute = ops.routes.find((r: any) => JSON.stringify(r.match).includes('/daemon/health'));
    expect(probeRoute.match).toEqual([{ method: ['GET'], path: ['/daemon/health', '/daemon/ready'] }]);
    expect(JSON.stringify(probeRoute.handle)).toContain('"strip_path_prefix":"/daemon"');
    expect(opsJson).toContain('127.0.0.1:8053');
    expect(opsJson).not.toContain('/internal');
    expect(opsJson).not.toContain('/api/v1');
    const validated = run(caddy, ['validate', '--config', file, '--adapter', 'caddyfile'], { env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir } });
    expect(validated.status, validated.stderr).toBe(0);
  });
});
