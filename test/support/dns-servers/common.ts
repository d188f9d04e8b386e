// Shared pieces of the test DNS server starters: options, zone contents, temp dirs and readiness.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomInt } from 'node:crypto';
import { encodeQuery } from '../../../src/dns/packet.js';
import { exchange } from '../../../src/dns/transport.js';
import { txtValues } from '../../../src/dns/lookup.js';
import type { TsigAlgorithm } from '../../../src/dns/tsig.js';
import { startProcess } from '../proc.js';

export interface TestTsigKey {
  name: string;
  algorithm: TsigAlgorithm;
  /** base64 */
  secret: string;
}

export interface DnsServerOptions {
  zones: string[];
  tsigKeys: TestTsigKey[];
  /** Extra zone-file lines per zone (relative or absolute owners), e.g. a TXT set up "by hand". */
  records?: Record<string, string[]>;
  /** NS targets per zone instead of `ns1.<zone>.` (absolute names, e.g. to imitate a hosted provider's). */
  nameservers?: Record<string, string[]>;
}

export interface RunningDnsServer {
  host: '127.0.0.1';
  port: number;
  kind: 'bind' | 'knot' | 'powerdns';
  dir: string;
  /** The TXT values the server answers at `name` right now (authoritative query, no nsupdate). */
  txt(name: string): Promise<string[]>;
  output(): string;
  stop(): Promise<void>;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `dns01-${prefix}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** SOA + NS ns1.<zone> (or `nameservers`) + its A 127.0.0.1, so NS discovery in checkPropagation finds the server. */
export function zoneFile(zone: string, extra: string[] = [], nameservers = [`ns1.${zone}.`]): string {
  return [
    `$ORIGIN ${zone}.`,
    '$TTL 60',
    `@ IN SOA ns1.${zone}. hostmaster.${zone}. 1 3600 600 86400 60`,
    ...nameservers.map((ns) => `@ IN NS ${ns}`),
    'ns1 IN A 127.0.0.1',
    ...extra,
    '',
  ].join('\n');
}

/** Polls with SOA queries until the server answers authoritatively for the first zone (or its process died). */
export async function waitForDns(port: number, zone: string, alive: () => boolean, output: () => string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (!alive()) throw new Error(`DNS server exited during start-up:\n${output()}`);
    try {
      const res = await exchange({ host: '127.0.0.1', port }, encodeQuery(randomInt(0, 0x10000), zone, 'SOA', false),
        { timeoutMs: 200, retries: 0 });
      if (res.packet.rcode === 'NOERROR' && (res.packet.answers ?? []).length > 0) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`DNS server on port ${port} never served ${zone}:\n${output()}`);
}

export function txtReader(port: number): (name: string) => Promise<string[]> {
  return (name) => txtValues(name, { host: '127.0.0.1', port }, { recursionDesired: false, timeoutMs: 2000 });
}

/** Starts the server process, waits until it answers for the first zone, and wraps it; cleans up if it never does. */
export async function launch(kind: RunningDnsServer['kind'], cmd: string, args: string[], port: number, dir: string, zones: string[]): Promise<RunningDnsServer> {
  const proc = startProcess(cmd, args);
  const alive = () => proc.child.exitCode === null && proc.child.signalCode === null;
  try {
    await waitForDns(port, zones[0]!, alive, proc.output);
  } catch (err) {
    await proc.stop();
    removeDir(dir);
    throw err;
  }
  return {
    host: '127.0.0.1', port, kind, dir,
    txt: txtReader(port),
    output: proc.output,
    stop: async () => { await proc.stop(); removeDir(dir); },
  };
}
