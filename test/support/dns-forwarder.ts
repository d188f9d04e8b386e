// A tiny UDP DNS forwarder in front of a real server: counts the questions it gets, and can answer SERVFAIL, NXDOMAIN or drop instead.
import { createSocket, type RemoteInfo } from 'node:dgram';
import dnsPacket from 'dns-packet';
import type { DnsServer } from '../../src/dns/transport.js';

/** `nxdomain`: what a recursive resolver answers for a name under a TLD that does not exist (the root's SOA as authority). */
export type ForwarderMode = 'forward' | 'servfail' | 'nxdomain' | 'drop';

export interface DnsForwarder {
  server: DnsServer;
  /** Every question name received (lower-case), in order, whatever the mode. */
  questions: string[];
  mode: ForwarderMode;
  stop(): Promise<void>;
}

/** The query sent back with QR set and RCODE 2 (SERVFAIL). */
function servfail(msg: Buffer): Buffer {
  const reply = Buffer.from(msg);
  reply[2] = reply[2]! | 0x80;
  reply[3] = (reply[3]! & 0xf0) | 2;
  return reply;
}

function nxdomain(msg: Buffer): Buffer {
  const q = dnsPacket.decode(msg);
  return dnsPacket.encode({
    type: 'response', id: q.id, flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | 3, questions: q.questions,
    authorities: [{ type: 'SOA', name: '.', ttl: 86_400, data: { mname: 'a.root-servers.net', rname: 'nstld.verisign-grs.com', serial: 1, refresh: 1800, retry: 900, expire: 604_800, minimum: 86_400 } }],
  });
}

export async function startDnsForwarder(upstream: DnsServer, mode: ForwarderMode = 'forward'): Promise<DnsForwarder> {
  const sock = createSocket('udp4');
  const fwd: DnsForwarder = {
    server: { host: '127.0.0.1', port: 0 },
    questions: [],
    mode,
    stop: () => new Promise((resolve) => sock.close(() => resolve())),
  };
  const relay = (msg: Buffer, from: RemoteInfo) => {
    const out = createSocket('udp4');
    const timer = setTimeout(() => out.close(), 5000);
    out.on('error', () => { clearTimeout(timer); out.close(); });
    out.on('message', (reply) => {
      clearTimeout(timer);
      out.close();
      sock.send(reply, from.port, from.address);
    });
    out.send(msg, upstream.port, upstream.host);
  };
  sock.on('message', (msg, from) => {
    try {
      fwd.questions.push(...(dnsPacket.decode(msg).questions ?? []).map((q) => q.name.toLowerCase()));
    } catch {
      fwd.questions.push('<undecodable>');
    }
    if (fwd.mode === 'servfail') sock.send(servfail(msg), from.port, from.address);
    else if (fwd.mode === 'nxdomain') sock.send(nxdomain(msg), from.port, from.address);
    else if (fwd.mode === 'forward') relay(msg, from);
  });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(0, '127.0.0.1', () => resolve());
  });
  fwd.server.port = sock.address().port;
  return fwd;
}
