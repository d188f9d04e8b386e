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


export interface NsupdateKey { name: string; algorithm: string; secret: string }

/** nsupdate with `-y` (a TSIG key), `script` being update lines; resolves with the exit code and output, refused or not. */
export function signedNsupdate(port: number, zone: string, key: NsupdateKey, script: string): Promise<{ code: number | null; out: string }> {
  const bin = requireBinary('/usr/bin/nsupdate', 'bind9-dnsutils');
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['-y', `${key.algorithm}:${key.name}:${key.secret}`], { stdio: ['pipe', 'pipe', 'pipe'], timeout: 30_000 });
    let out = '';
    child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { out += b.toString(); });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, out }));
    child.stdin.end(`server 127.0.0.1 ${port}\nzone ${zone}\n${script}\nsend\n`);
  });
}
