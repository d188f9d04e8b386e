// Sends one DNS message to host:port over UDP (retries, TCP on truncation) or TCP, always under a timeout.
import { createSocket } from 'node:dgram';
import { connect, isIP } from 'node:net';
import { lookup } from 'node:dns/promises';
import { isNotSentCode } from '../errors.js';
import { decodeMessage, type DecodedMessage } from './packet.js';

export interface DnsServer {
  host: string;
  port: number;
}

export interface ExchangeOptions {
  /** Per attempt, in ms (default 2000). */
  timeoutMs?: number;
  /** Extra UDP attempts after the first (default 2). */
  retries?: number;
  /** Skip UDP and use TCP (RFC 7766), e.g. for large messages. */
  tcp?: boolean;
  signal?: AbortSignal;
}

export interface DnsResponse {
  packet: DecodedMessage;
  /** The exact bytes received: TSIG verification needs them untouched. */
  raw: Buffer;
  transport: 'udp' | 'tcp';
}

/** No reply in time; callers map it to DNS_TIMEOUT. */
export class DnsTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DnsTimeoutError';
  }
}

export function formatServer(s: DnsServer): string {
  return isIP(s.host) === 6 ? `[${s.host}]:${s.port}` : `${s.host}:${s.port}`;
}

function withTimeout<T>(ms: number, what: string, signal: AbortSignal | undefined,
  run: (settle: { resolve: (v: T) => void; reject: (e: unknown) => void }) => () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let cleanup: (() => void) | undefined;
    let settled = false;
    const done = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      cleanup?.();
      fn();
    };
    const timer = setTimeout(() => done(() => reject(new DnsTimeoutError(`${what}: no reply within ${ms} ms`))), ms);
    const onAbort = () => done(() => reject(new DnsTimeoutError(`${what}: aborted`)));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const c = run({ resolve: (v) => done(() => resolve(v)), reject: (e) => done(() => reject(e)) });
    if (settled) c(); else cleanup = c;
  });
}

async function resolveHost(host: string, timeoutMs: number, signal?: AbortSignal): Promise<{ address: string; family: 4 | 6 }> {
  const fam = isIP(host);
  if (fam) return { address: host, family: fam as 4 | 6 };
  // dns.lookup has no timeout of its own: bound it so a hung system resolver cannot wedge a challenge.
  return withTimeout(timeoutMs, `resolving ${host}`, signal, ({ resolve, reject }) => {
    lookup(host).then((r) => resolve({ address: r.address, family: r.family as 4 | 6 }), reject);
    return () => {};
  });
}

function udpOnce(addr: { address: string; family: 4 | 6 }, port: number, msg: Buffer, ms: number, signal?: AbortSignal): Promise<Buffer> {
  const id = msg.readUInt16BE(0);
  return withTimeout(ms, `udp ${addr.address}:${port}`, signal, ({ resolve, reject }) => {
    const sock = createSocket(addr.family === 6 ? 'udp6' : 'udp4');
    // Connected, so the kernel drops datagrams from any other source (RFC 5452 §9.1) and an ICMP
    // port-unreachable comes back as ECONNREFUSED at once instead of running into the timeout.
    sock.on('error', reject);
    sock.on('message', (data) => {
      if (data.length < 12 || data.readUInt16BE(0) !== id) return; // a stale reply to an earlier ID
      resolve(data);
    });
    sock.connect(port, addr.address, () => sock.send(msg, (err) => { if (err) reject(err); }));
    return () => { try { sock.close(); } catch { /* closed already */ } };
  });
}

function tcpOnce(addr: { address: string }, port: number, msg: Buffer, ms: number, signal?: AbortSignal): Promise<Buffer> {
  return withTimeout(ms, `tcp ${addr.address}:${port}`, signal, ({ resolve, reject }) => {
    const sock = connect({ host: addr.address, port });
    let buf = Buffer.alloc(0);
    sock.on('error', reject);
    sock.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(msg.length);
      sock.write(Buffer.concat([len, msg])); // two-byte length prefix: RFC 1035 §4.2.2
    });
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) resolve(buf.subarray(2, 2 + buf.readUInt16BE(0)));
    });
    sock.on('end', () => reject(new Error(`tcp ${addr.address}:${port}: connection closed before a full reply`)));
    return () => sock.destroy();
  });
}

/** Whether an error from exchange() proves the server never got the message: no address, or refused at the first try. */
export function provablyNotSent(err: unknown): boolean {
  return isNotSentCode((err as NodeJS.ErrnoException | undefined)?.code);
}

/** An error after an earlier attempt that may have arrived: it no longer proves anything about delivery. */
function afterEarlierAttempt(err: unknown): Error {
  return new Error(`${(err as Error).message} (after an earlier attempt)`, { cause: err });
}

/** Sends `message` and returns the decoded reply with its raw bytes. */
export async function exchange(server: DnsServer, message: Buffer, opts: ExchangeOptions = {}): Promise<DnsResponse> {
  const timeoutMs = opts.timeoutMs ?? 2000;
  const addr = await resolveHost(server.host, timeoutMs, opts.signal);
  const viaTcp = async (): Promise<DnsResponse> => {
    const raw = await tcpOnce(addr, server.port, message, timeoutMs, opts.signal);
    return { raw, packet: decodeMessage(raw), transport: 'tcp' };
  };
  if (opts.tcp || message.length > 512) return viaTcp();
  const attempts = 1 + (opts.retries ?? 2);
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      const raw = await udpOnce(addr, server.port, message, timeoutMs, opts.signal);
      const packet = decodeMessage(raw);
      // truncated: RFC 1035 §4.2.1, RFC 7766 §5
      if (packet.flag_tc) return await viaTcp().catch((e: unknown) => { throw e instanceof DnsTimeoutError ? e : afterEarlierAttempt(e); });
      return { raw, packet, transport: 'udp' };
    } catch (err) {
      last = err;
      if (!(err instanceof DnsTimeoutError) || opts.signal?.aborted) throw i > 0 && provablyNotSent(err) ? afterEarlierAttempt(err) : err;
    }
  }
  throw last;
}
