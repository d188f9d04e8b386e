// Typed access to the parts of dns-packet its type definitions miss, plus raw wire walking for TSIG.
import dnsPacket from 'dns-packet';

/** What dns-packet's decoder really returns (the @types miss `rcode`, `opcode` and the flag booleans). */
export interface DecodedMessage extends dnsPacket.DecodedPacket {
  rcode: string;
  opcode: string;
  flag_tc: boolean;
  flag_aa: boolean;
}

interface NameCodec {
  encode(name: string, buf?: Buffer, offset?: number): Buffer;
  decode: ((buf: Buffer, offset?: number) => string) & { bytes: number };
  encodingLength(name: string): number;
}

interface TxtCodec {
  encode(data: Buffer[], buf?: Buffer, offset?: number): Buffer;
}

const codecs = dnsPacket as unknown as { name: NameCodec; txt: TxtCodec };

/** Record type and class numbers used by UPDATE and TSIG (RFC 1035 §3.2.2, RFC 2136 §1.3, RFC 8945 §4.2). */
export const TYPE = { A: 1, NS: 2, CNAME: 5, SOA: 6, TXT: 16, AAAA: 28, TSIG: 250, ANY: 255 } as const;
export const CLASS = { IN: 1, NONE: 254, ANY: 255 } as const;
/** Opcode 5 = UPDATE (RFC 2136 §1.3); dns-packet has no opcode field on encode, so it goes into the flags. */
export const OPCODE_UPDATE_FLAGS = 5 << 11;

/** Uncompressed wire form of a name; lower-cased when `canonical` (RFC 8945 §4.3.3 wants canonical names in the MAC). */
export function encodeName(name: string, canonical = false): Buffer {
  const n = canonical ? name.toLowerCase() : name;
  return codecs.name.encode(n === '' ? '.' : n);
}

/** Decodes a (possibly compressed) name at `offset`; returns it and the bytes it took at that position. */
export function decodeName(buf: Buffer, offset: number): { name: string; bytes: number } {
  const name = codecs.name.decode(buf, offset);
  return { name, bytes: codecs.name.decode.bytes };
}

/** TXT rdata (with its RDLENGTH prefix stripped): the value split into <=255-byte character-strings (RFC 1035 §3.3.14). */
export function encodeTxtRdata(value: string): Buffer {
  const raw = Buffer.from(value, 'utf8');
  const parts: Buffer[] = [];
  for (let i = 0; i < raw.length; i += 255) parts.push(raw.subarray(i, i + 255));
  if (parts.length === 0) parts.push(Buffer.alloc(0));
  return codecs.txt.encode(parts).subarray(2);
}

/** One resource record in wire form: NAME TYPE CLASS TTL RDLENGTH RDATA (RFC 1035 §4.1.3). */
export function encodeRr(name: string, type: number, klass: number, ttl: number, rdata: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(10);
  head.writeUInt16BE(type, 0);
  head.writeUInt16BE(klass, 2);
  head.writeUInt32BE(ttl, 4);
  head.writeUInt16BE(rdata.length, 8);
  return Buffer.concat([encodeName(name), head, rdata]);
}

/** Offset just past a name at `offset` in wire data (labels or a compression pointer). */
function skipName(buf: Buffer, offset: number): number {
  for (let i = 0; i < 128; i++) {
    if (offset >= buf.length) throw new Error('truncated name');
    const len = buf[offset]!;
    if (len === 0) return offset + 1;
    if ((len & 0xc0) === 0xc0) return offset + 2;
    offset += len + 1;
  }
  throw new Error('name too long');
}

export interface RawRecord {
  /** Offset of the record's owner name. */
  start: number;
  type: number;
  klass: number;
  rdataOffset: number;
  rdlength: number;
}

/** The last record of the additional section, located in raw bytes (TSIG must be last, RFC 8945 §5.1). */
export function lastAdditional(buf: Buffer): RawRecord | null {
  if (buf.length < 12) throw new Error('message shorter than a DNS header');
  const qd = buf.readUInt16BE(4);
  const rrs = buf.readUInt16BE(6) + buf.readUInt16BE(8) + buf.readUInt16BE(10);
  const ar = buf.readUInt16BE(10);
  let off = 12;
  for (let i = 0; i < qd; i++) off = skipName(buf, off) + 4;
  let last: RawRecord | null = null;
  for (let i = 0; i < rrs; i++) {
    const start = off;
    off = skipName(buf, off);
    if (off + 10 > buf.length) throw new Error('truncated record');
    const type = buf.readUInt16BE(off);
    const klass = buf.readUInt16BE(off + 2);
    const rdlength = buf.readUInt16BE(off + 8);
    const rdataOffset = off + 10;
    off = rdataOffset + rdlength;
    if (off > buf.length) throw new Error('truncated rdata');
    last = { start, type, klass, rdataOffset, rdlength };
  }
  return ar > 0 ? last : null;
}

export function decodeMessage(buf: Buffer): DecodedMessage {
  return dnsPacket.decode(buf) as DecodedMessage;
}

export function encodeQuery(id: number, name: string, type: dnsPacket.RecordType, recursionDesired: boolean): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id,
    flags: recursionDesired ? dnsPacket.RECURSION_DESIRED : 0,
    questions: [{ name, type, class: 'IN' }],
  });
}
