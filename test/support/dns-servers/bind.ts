// Starts a real BIND 9 (Debian bind9) on a free loopback port with TSIG-updatable zones.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freeDnsPort } from '../ports.js';
import { requireBinary } from '../proc.js';
import type { DnsServer } from '../../../src/dns/transport.js';
import { type DnsServerOptions, type RunningDnsServer, launch, tempDir, zoneFile } from './common.js';

export interface BindOptions extends DnsServerOptions {
  /** Also accept unsigned updates from 127.0.0.1 (plain `nsupdate` in tests); uses allow-update instead of update-policy. */
  allowUnsignedLocal?: boolean;
  /** Grant keys only these names (TXT) instead of the whole zone, to provoke REFUSED. */
  grantNames?: string[];
  /** Zones answered by forwarding to another test server; recursion is then on for loopback only. */
  forwardZones?: { zone: string; server: DnsServer }[];
}

function policy(opts: BindOptions): string {
  const keys = opts.tsigKeys.map((k) => k.name);
  if (opts.allowUnsignedLocal) return `allow-update { 127.0.0.1; ${keys.map((k) => `key "${k}";`).join(' ')} };`;
  const grants = keys.flatMap((k) => (opts.grantNames
    ? opts.grantNames.map((n) => `grant "${k}" name ${n}. TXT;`)
    : [`grant "${k}" zonesub TXT;`]));
  return `update-policy { ${grants.join(' ')} };`;
}

export async function startBind(opts: BindOptions): Promise<RunningDnsServer> {
  const named = requireBinary('/usr/sbin/named', 'bind9');
  const dir = tempDir('bind');
  const port = await freeDnsPort();
  const forwarding = opts.forwardZones ?? [];
  const conf = [
    'options {',
    `  directory "${dir}";`,
    `  pid-file "${dir}/named.pid";`,
    `  session-keyfile "${dir}/session.key";`,
    `  listen-on port ${port} { 127.0.0.1; };`,
    '  listen-on-v6 { none; };',
    forwarding.length ? '  recursion yes; allow-recursion { 127.0.0.0/8; };' : '  recursion no;',
    '  dnssec-validation no;',
    '  notify no;',
    '  allow-query { any; };',
    '};',
    'controls { };',
    ...opts.tsigKeys.map((k) => `key "${k.name}" { algorithm ${k.algorithm}; secret "${k.secret}"; };`),
    // Root hints pointing at loopback: names outside our zones never leave this machine.
    ...(forwarding.length ? [`zone "." { type hint; file "${dir}/root.hints"; };`] : []),
    ...opts.zones.map((z) => `zone "${z}" { type primary; file "${dir}/${z}.zone"; ${policy(opts)} };`),
    ...forwarding.map((f) => `zone "${f.zone}" { type forward; forward only; forwarders { ${f.server.host} port ${f.server.port}; }; };`),
    '',
  ].join('\n');
  writeFileSync(join(dir, 'named.conf'), conf);
  writeFileSync(join(dir, 'root.hints'), '. 3600000 NS a.root.invalid.\na.root.invalid. 3600000 A 127.0.0.1\n');
  for (const z of opts.zones) writeFileSync(join(dir, `${z}.zone`), zoneFile(z, opts.records?.[z], opts.nameservers?.[z]));
  // -g: foreground, log to stderr; -n 1: one worker thread on this shared machine.
  return launch('bind', named, ['-g', '-n', '1', '-c', join(dir, 'named.conf')], port, dir, opts.zones);
}
