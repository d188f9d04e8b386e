// A throwaway BIND 9 (Debian `bind9`) authoritative for one zone on a loopback port, open to unsigned updates from 127.0.0.1.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeDnsPort, waitForTcp } from '../support/ports.js';
import { nsupdate } from '../support/nsupdate.js';
import { requireBinary, startProcess } from '../support/proc.js';

export interface Bind {
  port: number;
  /** Adds or deletes one TXT value with nsupdate (explicit server and zone: resolv.conf here is not loopback). */
  txt(action: 'add' | 'delete', fqdn: string, value: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startBind(zone: string): Promise<Bind> {
  const named = requireBinary('/usr/sbin/named', 'bind9');
  const dir = await mkdtemp(join(tmpdir(), 'dns01-bind-'));
  const port = await freeDnsPort();
  await writeFile(join(dir, 'zone.db'), [
    '$TTL 60',
    `@ IN SOA ns.${zone}. admin.${zone}. 1 60 60 3600 60`,
    `@ IN NS ns.${zone}.`,
    'ns IN A 127.0.0.1',
    '',
  ].join('\n'));
  await writeFile(join(dir, 'named.conf'), `
options {
  directory "${dir}";
  pid-file "${dir}/named.pid";
  session-keyfile "${dir}/session.key";
  managed-keys-directory "${dir}";
  listen-on port ${port} { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  dnssec-validation no;
};
controls { };
zone "${zone}" { type primary; file "${dir}/zone.db"; allow-update { 127.0.0.1; }; };
`);
  const proc = startProcess(named, ['-g', '-n', '1', '-c', join(dir, 'named.conf')], { cwd: dir });
  try {
    await waitForTcp(port);
  } catch (e) {
    await proc.stop();
    await rm(dir, { recursive: true, force: true });
    throw new Error(`named did not start: ${(e as Error).message}\n${proc.output()}`);
  }
  return {
    port,
    txt: (action, fqdn, value) => nsupdate(port, zone, action, fqdn, value),
    stop: async () => {
      await proc.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
