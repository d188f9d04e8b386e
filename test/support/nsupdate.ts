// Adds or deletes one TXT value with plain nsupdate (BIND's own client), as an operator editing a zone by hand would.
import { spawn } from 'node:child_process';
import { requireBinary } from './proc.js';

/** Needs a server that takes unsigned updates from 127.0.0.1; explicit server and zone: resolv.conf here is not loopback. */
export function nsupdate(port: number, zone: string, action: 'add' | 'delete', fqdn: string, value: string): Promise<void> {
  const bin = requireBinary('/usr/bin/nsupdate', 'bind9-dnsutils');
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [], { stdio: ['pipe', 'ignore', 'pipe'], timeout: 30_000 });
    let err = '';
    child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`nsupdate ${action} failed (${code ?? signal}): ${err}`))));
    const rr = action === 'add' ? `update add ${fqdn} 60 TXT "${value}"` : `update delete ${fqdn} TXT "${value}"`;
    child.stdin.end(`server 127.0.0.1 ${port}\nzone ${zone}\n${rr}\nsend\n`);
  });
}
