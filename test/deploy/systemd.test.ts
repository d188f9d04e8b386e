// deploy/systemd/dns01-proxy.service: accepted by systemd's own checker, hardened, and wired to the installed command.
import { describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, requireTool, run } from './support.js';

const ANALYZE = '/usr/bin/systemd-analyze';
const unit = readFileSync(join(repoRoot, 'deploy/systemd/dns01-proxy.service'), 'utf8');

/** The [Service] settings, NAME -> every value given (a repeated setting adds to the list). */
function serviceSettings(): Map<string, string[]> {
  const section = /^\[Service\]\n([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(unit)?.[1] ?? '';
  const out = new Map<string, string[]>();
  for (const line of section.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m) out.set(m[1]!, [...(out.get(m[1]!) ?? []), m[2]!]);
  }
  return out;
}

describe('deploy/systemd/dns01-proxy.service', () => {
  it('passes systemd-analyze verify with nothing said about the unit', () => {
    const analyze = requireTool(ANALYZE, "install the Debian package 'systemd' (test/install-servers.sh does this)");
    // verify checks that ExecStart's binary exists: the copy points at an executable stand-in for /usr/local/bin's.
    const dir = mkdtempSync(join(tmpdir(), 'dns01-systemd-'));
    const bin = join(dir, 'dns01-proxy');
    writeFileSync(bin, '#!/bin/sh\nexit 0\n');
    chmodSync(bin, 0o755);
    expect(unit).toMatch(/^ExecStart=\/usr\/local\/bin\/dns01-proxy$/m);
    const file = join(dir, 'dns01-proxy.service');
    writeFileSync(file, unit.replace(/^ExecStart=\/usr\/local\/bin\/dns01-proxy$/m, `ExecStart=${bin}`));
    const r = run(analyze, ['verify', '--man=no', file]);
    expect(r.stderr + r.stdout).toBe('');
    expect(r.status).toBe(0);
    // The checker does catch mistakes in this copy (a misspelt setting), so the empty output above means something.
    writeFileSync(file, unit.replace('ProtectHome=yes', 'ProtectHomes=yes').replace(/^ExecStart=.*$/m, `ExecStart=${bin}`));
    expect(run(analyze, ['verify', '--man=no', file]).stderr).toContain("Unknown key 'ProtectHomes' in section [Service]");
  });

  it('rates the hardening OK in systemd-analyze security', () => {
    const analyze = requireTool(ANALYZE, "install the Debian package 'systemd' (test/install-servers.sh does this)");
    const r = run(analyze, ['security', '--offline=yes', '--no-pager', join(repoRoot, 'deploy/systemd/dns01-proxy.service')]);
    const level = /Overall exposure level for dns01-proxy\.service: ([\d.]+) (\w+)/.exec(r.stdout);
    expect(level, r.stdout + r.stderr).not.toBeNull();
    expect(Number(level![1])).toBeLessThan(4);
  });

  it('runs as its own user with its state directory as the data directory, and the usual hardening', () => {
    const s = serviceSettings();
    const one = (name: string) => s.get(name)?.join(' ');
    expect(one('DynamicUser')).toBe('yes');
    expect(one('StateDirectory')).toBe('dns01-proxy');
    // %S is /var/lib for a system service: the daemon's data dir is the state directory.
    expect(s.get('Environment')).toContain('DNS01_DATA_DIR=%S/dns01-proxy');
    expect(one('EnvironmentFile')).toBe('-/etc/dns01-proxy/env');
    for (const [name, value] of [
      ['ProtectSystem', 'strict'], ['ProtectHome', 'yes'], ['PrivateTmp', 'yes'], ['NoNewPrivileges', 'yes'],
      ['CapabilityBoundingSet', ''], ['RestrictAddressFamilies', 'AF_INET AF_INET6 AF_UNIX AF_NETLINK'],
    ] as const) expect(one(name), name).toBe(value);
    // The script sandbox's needs (docs/deployment.md, "systemd"): user, pid, mount and net namespaces, mount(2),
    // and a /proc with nothing mounted over it.
    expect(one('SystemCallFilter')).toBe('@system-service @mount');
    expect(one('RestrictNamespaces')).toBe('user pid net mnt');
    expect(s.has('ProtectKernelTunables')).toBe(false);
    expect(s.has('ProtectKernelLogs')).toBe(false);
    // Longer than the daemon's default drain (DNS01_SHUTDOWN_TIMEOUT, 30 s), so systemd does not SIGKILL a drain.
    expect(Number(one('TimeoutStopSec'))).toBeGreaterThan(30);
  });
});
