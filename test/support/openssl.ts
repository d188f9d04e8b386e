// Throwaway TLS material for test servers (Pebble's HTTPS listener): a CA and a localhost/127.0.0.1 certificate.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { requireBinary } from './proc.js';

const run = promisify(execFile);

export interface TlsFiles {
  caCertPath: string;
  certPath: string;
  keyPath: string;
}

async function openssl(args: string[]): Promise<void> {
  const bin = requireBinary('/usr/bin/openssl', 'openssl');
  try {
    await run(bin, args, { timeout: 30_000 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`openssl ${args[0]} failed: ${err.message}\n${err.stderr ?? ''}`);
  }
}

/** Writes ca.pem, cert.pem and key.pem into dir; the certificate is valid for localhost and 127.0.0.1 for two days. */
export async function makeLocalhostTls(dir: string): Promise<TlsFiles> {
  const p = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl(['req', '-x509', ...ec, '-keyout', p('ca.key'), '-out', p('ca.pem'), '-days', '2',
    '-subj', '/CN=dns01-proxy test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await openssl(['req', ...ec, '-keyout', p('key.pem'), '-out', p('cert.csr'), '-subj', '/CN=localhost']);
  await writeFile(p('cert.ext'), [
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth',
    '',
  ].join('\n'));
  await openssl(['x509', '-req', '-in', p('cert.csr'), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial',
    '-out', p('cert.pem'), '-days', '2', '-extfile', p('cert.ext')]);
  return { caCertPath: p('ca.pem'), certPath: p('cert.pem'), keyPath: p('key.pem') };
}
