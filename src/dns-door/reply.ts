// Replies of the DNS door: rcodes, the reply to a decoded message, and a bare header when the message could not be read.
import dnsPacket from 'dns-packet';
import type { DecodedMessage } from '../dns/packet.js';

/** RFC 1035 §4.1.1 and RFC 2136 §2.2. */
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, NOTAUTH: 9, NOTZONE: 10 } as const;
export const RCODE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(RCODE).map(([k, v]) => [v, k]));

/** What a handler decided; `why` goes to the log line only. */
export interface Outcome {
  rcode: number;
  why?: string;
  aa?: boolean;
  answers?: dnsPacket.Answer[];
  authorities?: dnsPacket.Answer[];
}

const QR = 0x8000;
const AA = 0x0400;
const TC = 0x0200;
const RD = 0x0100;

/** The reply to `msg` (its ID, opcode, RD and question echoed), truncated with TC when `truncated`. */
export function encodeReply(request: Buffer, msg: DecodedMessage, out: Outcome, truncated = false): Buffer {
  const flags = (request.readUInt16BE(2) & (0x7800 | RD)) | out.rcode | (out.aa ? AA : 0) | (truncated ? TC : 0);
  const opt = (msg.additionals ?? []).some((a) => a.type === 'OPT');
  return dnsPacket.encode({
    type: 'response', id: msg.id, flags, questions: msg.questions,
    answers: truncated ? [] : out.answers ?? [], authorities: truncated ? [] : out.authorities ?? [],
    additionals: opt ? [{ type: 'OPT', name: '.', udpPayloadSize: 1232 } as dnsPacket.Answer] : [],
  });
}

/** A header-only reply (QR set, the request's ID and opcode) for a message that could not be decoded. */
export function headerReply(request: Buffer, rcode: number): Buffer {
  const out = Buffer.alloc(12);
  out.writeUInt16BE(request.readUInt16BE(0), 0);
  out.writeUInt16BE(QR | (request.readUInt16BE(2) & 0x7800) | rcode, 2);
  return out;
}

/** The largest UDP reply the query allows: its EDNS payload size (RFC 6891), else 512 (RFC 1035 §4.2.1). */
export function udpLimit(msg: DecodedMessage): number {
  const opt = (msg.additionals ?? []).find((a) => a.type === 'OPT') as { udpPayloadSize?: number } | undefined;
  return opt?.udpPayloadSize ? Math.min(Math.max(opt.udpPayloadSize, 512), 4096) : 512;
}
