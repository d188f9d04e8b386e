// Starts a real Knot DNS (Debian knot) on a free loopback port with TSIG-updatable zones.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freeDnsPort } from '../ports.js';
import { requireBinary, startProcess } from '../proc.js';
import { type DnsServerOptions, type RunningDnsServer, removeDir, tempDir, txtReader, waitForDns, zoneFile } from './common.js';

export async function startKnot(opts: DnsServerOptions): Promise<RunningDnsServer> {
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
  for (const z of opts.zones) writeFileSync(join(dir, `${z}.zone`), zoneFile(z, opts.records?.[z]));
  const proc = startProcess(knotd, ['-c', join(dir, 'knot.conf')]);
  const alive = () => proc.child.exitCode === null && proc.child.signalCode === null;
  try {
    await waitForDns(port, opts.zones[0]!, alive, proc.output);
  } catch (err) {
    await proc.stop();
    removeDir(dir);
    throw err;
  }
  return {
    host: '127.0.0.1', port, kind: 'knot', dir,
    txt: txtReader(port),
    output: proc.output,
    stop: async () => { await proc.stop(); removeDir(dir); },
  };
}
