// A tiny UDP DNS forwarder in front of a real server: counts the questions it gets, and can answer SERVFAIL or drop instead.
import { createSocket, type RemoteInfo } from 'node:dgram';
import dnsPacket from 'dns-packet';
import type { DnsServer } from '../../src/dns/transport.js';

export type ForwarderMode = 'forward' | 'servfail' | 'drop';

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
    else if (fwd.mode === 'forward') relay(msg, from);
  });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(0, '127.0.0.1', () => resolve());
  });
  fwd.server.port = sock.address().port;
  return fwd;
}
