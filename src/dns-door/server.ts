// The DNS UPDATE door (DNS01_DNS_UPDATE_LISTEN, docs/dns-update.md): UDP and TCP, every message checked for TSIG
// (RFC 8945) against the client tokens' keys, UPDATEs to update.ts, queries to query.ts. A message it cannot read is
// dropped or answered FORMERR; nothing a peer sends throws out of here.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { ClientTokenStore } from '../clients/tokens.js';
import { decodeMessage, type DecodedMessage } from '../dns/packet.js';
import { appendUnsignedTsig, checkRequest, parseTsig, signReply, TSIG_ERROR, TSIG_ERRORS, type ParsedTsig, type TsigKey } from '../dns/tsig.js';
import type { Metrics } from '../metrics.js';
import { MinuteBudget } from './budget.js';
import type { QueryDoor } from './query.js';
import { encodeReply, headerReply, RCODE, RCODE_NAMES, udpLimit, type Outcome } from './reply.js';
import type { UpdateDoor } from './update.js';

export interface DnsDoorOptions {
  host: string;
  port: number;
  tokens: Pick<ClientTokenStore, 'byTsigKeyName'>;
  updates: UpdateDoor;
  queries: QueryDoor;
  log: Logger;
  metrics: Metrics;
  /** A TCP connection idle this long is closed (default 10 s). */
  tcpIdleMs?: number;
  /** A TCP connection open this long reads no more and is closed once its answers are sent (default 60 s). */
  tcpTotalMs?: number;
  /** TCP connections open at once; more are closed on accept (default 64). */
  maxTcpConnections?: number;
  /** UDP messages being worked on at once; more are dropped unread, as a loaded DNS server does (default 256). */
  maxUdpInFlight?: number;
  /** Messages a minute from one source address; more are REFUSED unread (DNS01_DNS_UPDATE_PER_SOURCE). */
  perSource: number;
  /** UPDATEs a minute signed by one key; more are REFUSED before any provider work (DNS01_DNS_UPDATE_PER_KEY). */
  perKey: number;
}

const OPCODE_QUERY = 0;
const OPCODE_UPDATE = 5;
/** Messages read from one TCP connection and not yet answered; at this many it is not read further. */
const MAX_TCP_BACKLOG = 16;

export class DnsDoor {
  private udp: UdpSocket | undefined;
  private tcp: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private udpInFlight = 0;
  private readonly sources: MinuteBudget;
  private readonly keys: MinuteBudget;
  /** The bound port (the setting's, or the one port 0 got). */
  port = 0;

  constructor(private readonly o: DnsDoorOptions) {
    this.sources = new MinuteBudget(o.perSource);
    this.keys = new MinuteBudget(o.perKey);
  }

  async start(): Promise<void> {
    const { host, port, log } = this.o;
    const tcp = createServer((s) => this.connection(s));
    tcp.maxConnections = this.o.maxTcpConnections ?? 64;
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(port, host, () => resolve());
    });
    this.tcp = tcp;
    this.port = (tcp.address() as { port: number }).port;
    const udp = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4' });
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(this.port, host, () => resolve());
    });
    udp.on('error', (err) => log.warn({ err: err.message }, 'DNS UPDATE door UDP socket error'));
    udp.on('message', (msg, rinfo) => {
      if (this.udpInFlight >= (this.o.maxUdpInFlight ?? 256)) {
        this.o.metrics.dnsDoorMessages.labels('other', 'dropped').inc();
        return;
      }
      this.udpInFlight += 1;
      void this.handle(msg, rinfo.address, 'udp').then((reply) => {
        this.udpInFlight -= 1;
        if (reply) udp.send(reply, rinfo.port, rinfo.address, () => undefined);
      });
    });
    this.udp = udp;
    log.info({ host, port: this.port }, `DNS UPDATE door listening on ${host.includes(':') ? `[${host}]` : host}:${this.port} (UDP and TCP)`);
  }

  async stop(): Promise<void> {
    const udp = this.udp;
    this.udp = undefined;
    if (udp) await new Promise<void>((resolve) => udp.close(() => resolve()));
    const tcp = this.tcp;
    this.tcp = undefined;
    for (const s of this.sockets) s.destroy();
    if (tcp) await new Promise<void>((resolve) => tcp.close(() => resolve()));
  }

  /**
   * Two-byte length-prefixed messages (RFC 1035 §4.2.2), answered in order. Idle connections are closed; so is one open
   * longer than the total limit, after the answers already owed. A peer that pipelines faster than it is answered is
   * not read further until the backlog is down, so one connection cannot queue unbounded work.
   */
  private connection(s: Socket): void {
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
    s.on('error', () => s.destroy());
    let buf = Buffer.alloc(0);
    let chain = Promise.resolve();
    let owed = 0;
    let closing = false;
    // Idle means nothing owed either: an UPDATE waiting on a slow provider keeps its connection; the answer's write re-arms the timer
    // (on, not setTimeout's callback, which is called once only)
    s.setTimeout(this.o.tcpIdleMs ?? 10_000);
    s.on('timeout', () => owed === 0 && s.destroy());
    const total = setTimeout(() => {
      closing = true;
      s.pause();
      void chain.then(() => s.end());
    }, this.o.tcpTotalMs ?? 60_000);
    total.unref();
    s.on('close', () => clearTimeout(total));
    // Takes messages off the buffer while fewer than MAX_TCP_BACKLOG are owed; the rest waits there, unread.
    const drain = () => {
      while (!closing && owed < MAX_TCP_BACKLOG && buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) break;
        const msg = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        owed += 1;
        chain = chain.then(async () => {
          const reply = await this.handle(msg, s.remoteAddress ?? '', 'tcp');
          owed -= 1;
          if (reply && !s.destroyed) {
            const head = Buffer.alloc(2);
            head.writeUInt16BE(reply.length);
            s.write(Buffer.concat([head, reply]));
          }
          drain();
        });
      }
      if (owed >= MAX_TCP_BACKLOG || closing) s.pause();
      else s.resume();
    };
    s.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      drain();
    });
  }

  /** The reply to one message, or null to drop it; never throws. */
  async handle(buf: Buffer, peer: string, transport: 'udp' | 'tcp'): Promise<Buffer | null> {
    const started = performance.now();
    let kind = 'other';
    let client: string | null = null;
    let outcome: Outcome = { rcode: RCODE.SERVFAIL };
    let reply: Buffer | null = null;
    try {
      // Shorter than a header, or a response: nothing to answer.
      if (buf.length < 12 || (buf.readUInt16BE(2) & 0x8000) !== 0) return null;
      const opcode = (buf.readUInt16BE(2) >> 11) & 0xf;
      kind = opcode === OPCODE_UPDATE ? 'update' : opcode === OPCODE_QUERY ? 'query' : 'other';
      // Before any reading or lookup: a source over its budget costs one header.
      if (!this.sources.take(peer)) {
        outcome = { rcode: RCODE.REFUSED, why: 'source over its budget (DNS01_DNS_UPDATE_PER_SOURCE)' };
        return (reply = headerReply(buf, RCODE.REFUSED));
      }
      let tsig: ParsedTsig | null;
      let msg: DecodedMessage;
      try {
        tsig = parseTsig(buf);
        msg = decodeMessage(tsig ? tsig.unsigned : buf);
      } catch {
        outcome = { rcode: RCODE.FORMERR, why: 'malformed' };
        return (reply = headerReply(buf, RCODE.FORMERR));
      }
      let key: TsigKey | null = null;
      let token = null;
      if (tsig) {
        const found = await this.o.tokens.byTsigKeyName(tsig.keyName).catch(() => null);
        if (!found) {
          outcome = { rcode: RCODE.NOTAUTH, why: 'BADKEY' };
          return (reply = appendUnsignedTsig(encodeReply(buf, msg, outcome), tsig, TSIG_ERROR.BADKEY));
        }
        client = found.row.name;
        const check = checkRequest(tsig, found.key);
        if (!check.ok) {
          outcome = { rcode: RCODE.NOTAUTH, why: TSIG_ERRORS[check.error] };
          const base = encodeReply(buf, msg, outcome);
          // RFC 8945 §5.3.2: a key or MAC error is answered unsigned, a time error signed.
          return (reply = check.error === TSIG_ERROR.BADTIME ? signReply(base, found.key, tsig, check.error) : appendUnsignedTsig(base, tsig, check.error));
        }
        key = found.key;
        token = found.row;
      }
      // Counted once the key is proven: a forged message naming a key cannot spend that key's budget.
      if (kind === 'update' && token && !this.keys.take(token.id)) outcome = { rcode: RCODE.REFUSED, why: 'key over its budget (DNS01_DNS_UPDATE_PER_KEY)' };
      else if (kind === 'update') outcome = token ? await this.o.updates.apply(msg, token, peer) : { rcode: RCODE.REFUSED, why: 'unsigned' };
      else if (kind === 'query') outcome = await this.o.queries.answer(msg);
      else outcome = { rcode: RCODE.NOTIMP, why: `opcode ${opcode}` };
      const sign = (m: Buffer) => (key && tsig ? signReply(m, key, tsig) : m);
      reply = sign(encodeReply(buf, msg, outcome));
      if (transport === 'udp' && reply.length > udpLimit(msg)) reply = sign(encodeReply(buf, msg, outcome, true));
      return reply;
    } catch (err) {
      this.o.log.warn({ err: (err as Error).message, transport, peer }, 'DNS door message failed');
      outcome = { rcode: RCODE.SERVFAIL, why: 'error' };
      return (reply = buf.length >= 12 ? headerReply(buf, RCODE.SERVFAIL) : null);
    } finally {
      const rcode = reply ? RCODE_NAMES[outcome.rcode] ?? String(outcome.rcode) : 'dropped';
      this.o.metrics.dnsDoorMessages.labels(kind, rcode).inc();
      if (kind === 'update' || outcome.rcode !== RCODE.NOERROR) {
        this.o.log.info({ kind, transport, peer, client, rcode, why: outcome.why, duration_ms: Math.round(performance.now() - started) }, 'dns door');
      }
    }
  }
}
