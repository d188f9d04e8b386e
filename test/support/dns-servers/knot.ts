// Starts a real Knot DNS (Debian knot) on a free loopback port with TSIG-updatable zones.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freeDnsPort } from '../ports.js';
import { requireBinary } from '../proc.js';
import { type DnsServerOptions, type RunningDnsServer, launch, tempDir, zoneFile } from './common.js';

export interface KnotOptions extends DnsServerOptions {
  /** Grant keys only these names (TXT) instead of any owner in the zone; Knot denies the rest with NOTAUTH, BADKEY. */
  grantNames?: string[];
}

export async function startKnot(opts: KnotOptions): Promise<RunningDnsServer> {
  const knotd = requireBinary('/usr/sbin/knotd', 'knot');
  const dir = tempDir('knot');
  const port = await freeDnsPort();
  const keyIds = opts.tsigKeys.map((k) => k.name);
  const conf = [
    'server:',
    `  rundir: "${dir}"`,
    `  listen: 127.0.0.1@${port}`,
    '  background-workers: 1',
    '  udp-workers: 1',
    '  tcp-workers: 1',
    'log:',
    '  - target: stderr',
    '    any: info',
    'database:',
    `  storage: "${dir}"`,
    ...(opts.tsigKeys.length ? ['key:'] : []),
    ...opts.tsigKeys.flatMap((k) => [`  - id: ${k.name}`, `    algorithm: ${k.algorithm}`, `    secret: ${k.secret}`]),
    'acl:',
    // TXT only, any owner in the zone: the daemon writes `_acme-challenge` names only (Knot 3.2 acl docs).
    '  - id: acme',
    `    key: [${keyIds.join(', ')}]`,
    '    action: update',
    '    update-type: [TXT]',
    ...(opts.grantNames ? ['    update-owner: name', '    update-owner-match: equal', `    update-owner-name: [${opts.grantNames.map((n) => `${n}.`).join(', ')}]`] : []),
    'template:',
    '  - id: default',
    `    storage: "${dir}"`,
    '    file: "%s.zone"',
    '    zonefile-sync: -1',
    '    journal-content: changes',
    '    acl: [acme]',
    'zone:',
    ...opts.zones.map((z) => `  - domain: ${z}`),
    '',
  ].join('\n');
  writeFileSync(join(dir, 'knot.conf'), conf);
  for (const z of opts.zones) writeFileSync(join(dir, `${z}.zone`), zoneFile(z, opts.records?.[z], opts.nameservers?.[z]));
  return launch('knot', knotd, ['-c', join(dir, 'knot.conf')], port, dir, opts.zones);
}
