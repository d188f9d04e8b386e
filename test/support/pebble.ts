// A real Pebble ACME test CA (Debian `pebble`) on free loopback ports, validating DNS-01 against one given DNS server.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { makeLocalhostTls } from './openssl.js';
import { freePort, waitForTcp } from './ports.js';
import { requireBinary, startProcess } from './proc.js';

export interface PebbleOptions {
  /** `host:port` of the DNS server Pebble asks for `_acme-challenge` TXT records. */
  dnsServer: string;
}

export interface Pebble {
  /** ACME directory URL, e.g. https://127.0.0.1:PORT/dir */
  directoryUrl: string;
  /** CA of Pebble's own HTTPS listener: lego's LEGO_CA_CERTIFICATES, Caddy's trusted_roots_pem_files. */
  caCertPath: string;
  /** Management API (HTTPS, same CA): /roots/0, /intermediates/0, ... */
  managementUrl: string;
  /** The root that signs issued certificates; Pebble makes a new one on every start. */
  rootsPem(): Promise<string>;
  /** An undici dispatcher trusting caCertPath, for talking to Pebble from tests. */
  dispatcher: Agent;
  stop(): Promise<void>;
}

export async function startPebble(opts: PebbleOptions): Promise<Pebble> {
  const bin = requireBinary('/usr/bin/pebble', 'pebble');
  const dir = await mkdtemp(join(tmpdir(), 'dns01-pebble-'));
  try {
    const tls = await makeLocalhostTls(dir);
    const dispatcher = new Agent({ connect: { ca: await readFile(tls.caCertPath, 'utf8') } });
    let lastOutput = '';
    // Free ports can be taken by someone else between freePort() and Pebble's bind: retry with new ones.
    for (let attempt = 0; attempt < 5; attempt++) {
      const [port, mgmtPort, httpPort, tlsPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
      const configPath = join(dir, 'pebble-config.json');
      await writeFile(configPath, JSON.stringify({
        pebble: {
          listenAddress: `127.0.0.1:${port}`,
          managementListenAddress: `127.0.0.1:${mgmtPort}`,
          certificate: tls.certPath,
          privateKey: tls.keyPath,
          // Only used for http-01/tls-alpn-01 validation, which these tests never ask for.
          httpPort,
          tlsPort,
          ocspResponderURL: '',
          externalAccountBindingRequired: false,
        },
      }));
      const proc = startProcess(bin, ['-config', configPath, '-dnsserver', opts.dnsServer], {
        cwd: dir,
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          // No random validation delay, no bad-nonce injection, and a fresh DNS-01 validation for every order.
          PEBBLE_VA_NOSLEEP: '1',
          PEBBLE_WFE_NONCEREJECT: '0',
          PEBBLE_AUTHZREUSE: '0',
        },
      });
      const directoryUrl = `https://127.0.0.1:${port}/dir`;
      const managementUrl = `https://127.0.0.1:${mgmtPort}`;
      const exited = new Promise<boolean>((resolve) => proc.child.once('exit', () => resolve(false)));
      const ready = await Promise.race([
        (async () => {
          await waitForTcp(port);
          await waitForTcp(mgmtPort);
          const res = await fetch(directoryUrl, { dispatcher });
          await res.body?.cancel();
          return res.ok;
        })(),
        exited,
      ]).catch(() => false);
      if (ready && proc.child.exitCode === null) {
        return {
          directoryUrl,
          caCertPath: tls.caCertPath,
          managementUrl,
          dispatcher,
          rootsPem: async () => {
            const res = await fetch(`${managementUrl}/roots/0`, { dispatcher });
            if (!res.ok) throw new Error(`pebble /roots/0 answered ${res.status}`);
            return res.text();
          },
          stop: async () => {
            await proc.stop();
            await dispatcher.close();
            await rm(dir, { recursive: true, force: true });
          },
        };
      }
      lastOutput = proc.output();
      await proc.stop('SIGKILL');
    }
    await dispatcher.close();
    throw new Error(`pebble did not start:\n${lastOutput}`);
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}
