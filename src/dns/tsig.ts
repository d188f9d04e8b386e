// TSIG (RFC 8945): signs DNS requests and verifies signed replies with HMAC; key material never leaves this module's inputs.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { normaliseName } from './names.js';
import { CLASS, TYPE, decodeName, encodeName, lastAdditional } from './packet.js';

export const TSIG_ALGORITHMS = ['hmac-md5', 'hmac-sha1', 'hmac-sha224', 'hmac-sha256', 'hmac-sha384', 'hmac-sha512'] as const;
export type TsigAlgorithm = (typeof TSIG_ALGORITHMS)[number];

/** Names on the wire (RFC 8945 §6): MD5 keeps its historic name from RFC 2845. */
const WIRE_NAMES: Record<TsigAlgorithm, string> = {
  'hmac-md5': 'hmac-md5.sig-alg.reg.int',
  'hmac-sha1': 'hmac-sha1',
  'hmac-sha224': 'hmac-sha224',
  'hmac-sha256': 'hmac-sha256',
  'hmac-sha384': 'hmac-sha384',
  'hmac-sha512': 'hmac-sha512',
};

const DIGESTS: Record<TsigAlgorithm, string> = {
  'hmac-md5': 'md5', 'hmac-sha1': 'sha1', 'hmac-sha224': 'sha224',
  'hmac-sha256': 'sha256', 'hmac-sha384': 'sha384', 'hmac-sha512': 'sha512',
};

/** TSIG error field values (RFC 8945 §3). */
export const TSIG_ERRORS: Record<number, string> = { 16: 'BADSIG', 17: 'BADKEY', 18: 'BADTIME', 22: 'BADTRUNC' };

export const DEFAULT_FUDGE = 300;

/**
 * Accepts the spellings operators copy from BIND/Knot/lego configs: `HMAC-SHA256`, `hmac-sha256.`, `sha256`,
 * `hmac-md5.sig-alg.reg.int.`; returns null for anything else.
 */
export function normaliseTsigAlgorithm(input: string): TsigAlgorithm | null {
  let s = normaliseName(input.trim()).replace(/_/g, '-');
  if (s === 'hmac-md5.sig-alg.reg.int') s = 'hmac-md5';
  if (!s.startsWith('hmac-')) s = `hmac-${s}`;
  s = s.replace(/^hmac-sha-/, 'hmac-sha');
  return (TSIG_ALGORITHMS as readonly string[]).includes(s) ? (s as TsigAlgorithm) : null;
}

export function tsigAlgorithmWireName(alg: TsigAlgorithm): string {
  return WIRE_NAMES[alg];
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict base64 (whitespace ignored, as in BIND key files); Buffer.from would silently drop bad characters. */
export function isBase64Secret(secret: string): boolean {
  const s = secret.replace(/\s+/g, '');
  return s.length > 0 && BASE64.test(s);
}

/** Decodes a TSIG secret; the error never quotes the secret. */
export function decodeTsigSecret(secret: string): Buffer {
  if (!isBase64Secret(secret)) throw new Error('TSIG secret is not valid base64');
  return Buffer.from(secret.replace(/\s+/g, ''), 'base64');
}

export interface TsigKey {
  name: string;
  algorithm: TsigAlgorithm;
  secret: Buffer;
}

export type TsigFailure = 'UNSIGNED' | 'BADSIG' | 'BADKEY' | 'BADTIME' | 'BADTRUNC' | 'BAD_MAC' | 'WRONG_KEY' | 'MALFORMED';

/** A reply that does not prove it came from a holder of the key; `reason` goes into error details. */
export class TsigError extends Error {
  constructor(readonly reason: TsigFailure, message: string) {
    super(message);
    this.name = 'TsigError';
  }
}

export interface SignOptions {
  /** Unix seconds; defaults to now. */
  now?: number;
  fudge?: number;
  /** The request's MAC when signing a reply (RFC 8945 §4.3.1). */
  requestMac?: Buffer;
  error?: number;
  otherData?: Buffer;
}

export interface Signed {
  message: Buffer;
  mac: Buffer;
  timeSigned: number;
}

function uint48(n: number): Buffer {
  const b = Buffer.alloc(6);
  b.writeUIntBE(n, 0, 6);
  return b;
}

interface TsigFields {
  algorithm: string;
  timeSigned: number;
  fudge: number;
  error: number;
  otherData: Buffer;
}

/** The TSIG variables of RFC 8945 §4.3.3, in canonical form. */
function tsigVariables(keyName: string, f: TsigFields): Buffer {
  const fixed = Buffer.alloc(6);
  fixed.writeUInt16BE(CLASS.ANY, 0);
  fixed.writeUInt32BE(0, 2);
  const tail = Buffer.alloc(6);
  tail.writeUInt16BE(f.fudge, 0);
  tail.writeUInt16BE(f.error, 2);
  tail.writeUInt16BE(f.otherData.length, 4);
  return Buffer.concat([
    encodeName(keyName, true), fixed, encodeName(f.algorithm, true), uint48(f.timeSigned), tail, f.otherData,
  ]);
}

function computeMac(key: TsigKey, message: Buffer, f: TsigFields, requestMac?: Buffer): Buffer {
  const h = createHmac(DIGESTS[key.algorithm], key.secret);
  if (requestMac) {
    const len = Buffer.alloc(2);
    len.writeUInt16BE(requestMac.length);
    h.update(len).update(requestMac);
  }
  return h.update(message).update(tsigVariables(key.name, f)).digest();
}

/** Appends a TSIG RR with this MAC (empty for an unsigned error reply) to `message` and bumps ARCOUNT (RFC 8945 §4.2). */
function appendTsigRr(message: Buffer, keyName: string, f: TsigFields, mac: Buffer): Buffer {
  const rdFixed = Buffer.alloc(8);
  uint48(f.timeSigned).copy(rdFixed, 0);
  rdFixed.writeUInt16BE(f.fudge, 6);
  const macLen = Buffer.alloc(2);
  macLen.writeUInt16BE(mac.length);
  const rdTail = Buffer.alloc(6);
  rdTail.writeUInt16BE(message.readUInt16BE(0), 0); // Original ID
  rdTail.writeUInt16BE(f.error, 2);
  rdTail.writeUInt16BE(f.otherData.length, 4);
  const rdata = Buffer.concat([encodeName(f.algorithm, true), rdFixed, macLen, mac, rdTail, f.otherData]);
  const rrHead = Buffer.alloc(10);
  rrHead.writeUInt16BE(TYPE.TSIG, 0);
  rrHead.writeUInt16BE(CLASS.ANY, 2);
  rrHead.writeUInt32BE(0, 4);
  rrHead.writeUInt16BE(rdata.length, 8);
  const out = Buffer.concat([message, encodeName(keyName, true), rrHead, rdata]);
  out.writeUInt16BE(message.readUInt16BE(10) + 1, 10);
  return out;
}

/** Appends a TSIG RR to `message` (which must not carry one) and bumps ARCOUNT (RFC 8945 §4.2, §5.1). */
export function signMessage(message: Buffer, key: TsigKey, opts: SignOptions = {}): Signed {
  const f: TsigFields = {
    algorithm: WIRE_NAMES[key.algorithm],
    timeSigned: opts.now ?? Math.floor(Date.now() / 1000),
    fudge: opts.fudge ?? DEFAULT_FUDGE,
    error: opts.error ?? 0,
    otherData: opts.otherData ?? Buffer.alloc(0),
  };
  const mac = computeMac(key, message, f, opts.requestMac);
  const out = appendTsigRr(message, key.name, f, mac);
  return { message: out, mac, timeSigned: f.timeSigned };
}

export interface ParsedTsig extends TsigFields {
  keyName: string;
  mac: Buffer;
  originalId: number;
  /** The message as it was before the TSIG RR was added: ID restored, ARCOUNT decremented (§4.3.2). */
  unsigned: Buffer;
}

/** Extracts the TSIG RR from a message, or returns null when the last additional record is not one. */
export function parseTsig(buf: Buffer): ParsedTsig | null {
  const rr = lastAdditional(buf);
  if (!rr || rr.type !== TYPE.TSIG) return null;
  try {
    const keyName = decodeName(buf, rr.start).name;
    const alg = decodeName(buf, rr.rdataOffset);
    let o = rr.rdataOffset + alg.bytes;
    const timeSigned = buf.readUIntBE(o, 6);
    const fudge = buf.readUInt16BE(o + 6);
    const macSize = buf.readUInt16BE(o + 8);
    o += 10;
    const mac = Buffer.from(buf.subarray(o, o + macSize));
    o += macSize;
    const originalId = buf.readUInt16BE(o);
    const error = buf.readUInt16BE(o + 2);
    const otherLen = buf.readUInt16BE(o + 4);
    const otherData = Buffer.from(buf.subarray(o + 6, o + 6 + otherLen));
    if (o + 6 + otherLen !== rr.rdataOffset + rr.rdlength) throw new Error('TSIG rdata length mismatch');
    const unsigned = Buffer.from(buf.subarray(0, rr.start));
    unsigned.writeUInt16BE(originalId, 0);
    unsigned.writeUInt16BE(buf.readUInt16BE(10) - 1, 10);
    return { keyName, algorithm: alg.name, timeSigned, fudge, mac, originalId, error, otherData, unsigned };
  } catch (err) {
    throw new TsigError('MALFORMED', `malformed TSIG record: ${(err as Error).message}`);
  }
}

export interface VerifyOptions {
  now?: number;
  /** Set when verifying a reply: the MAC of the request it answers. */
  requestMac?: Buffer;
}

/**
 * Checks the TSIG of a message signed with `key` (RFC 8945 §5.2 for requests, §5.3/§5.4 for replies) and
 * throws TsigError when it fails. A reply to a signed request must itself be signed (§5.3): a server that
 * verified our key always signs, so an unsigned reply proves nothing about our update.
 */
export function verifyMessage(buf: Buffer, key: TsigKey, opts: VerifyOptions = {}): ParsedTsig {
  const t = parseTsig(buf);
  if (!t) throw new TsigError('UNSIGNED', 'reply carries no TSIG record');
  if (normaliseName(t.keyName) !== normaliseName(key.name)) throw new TsigError('WRONG_KEY', 'reply signed with another key');
  if (t.error !== 0) {
    const name = TSIG_ERRORS[t.error] ?? `TSIG error ${t.error}`;
    throw new TsigError((TSIG_ERRORS[t.error] as TsigFailure | undefined) ?? 'MALFORMED', `server reported ${name}`);
  }
  if (normaliseTsigAlgorithm(t.algorithm) !== key.algorithm) throw new TsigError('WRONG_KEY', 'reply signed with another algorithm');
  if (t.mac.length === 0) throw new TsigError('UNSIGNED', 'reply has an empty MAC');
  const expected = computeMac(key, t.unsigned, t, opts.requestMac);
  // Truncated MACs are allowed down to max(10, half the digest) bytes (§5.2.2.1).
  const minLen = Math.max(10, expected.length / 2);
  if (t.mac.length > expected.length || t.mac.length < minLen
    || !timingSafeEqual(t.mac, expected.subarray(0, t.mac.length))) {
    throw new TsigError('BAD_MAC', 'reply MAC does not match the key');
  }
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t.timeSigned) > t.fudge) throw new TsigError('BADTIME', 'reply time signed is outside the fudge window');
  return t;
}

/** TSIG error codes a server answers with (RFC 8945 §3). */
export const TSIG_ERROR = { BADSIG: 16, BADKEY: 17, BADTIME: 18 } as const;

/** Why a signed request is refused, in the order RFC 8945 §5.2 checks: the key, then the MAC, then the time. */
export type RequestCheck = { ok: true } | { ok: false; error: (typeof TSIG_ERROR)[keyof typeof TSIG_ERROR] };

/**
 * Checks a request's TSIG (already parsed, its key found by name) as a server does (RFC 8945 §5.2): the algorithm must be
 * the key's (else BADKEY), the MAC must match in full or truncated no shorter than the §5.2.2.1 floor (else BADSIG), and
 * the time signed must be within the fudge of `now` (else BADTIME).
 */
export function checkRequest(t: ParsedTsig, key: TsigKey, now = Math.floor(Date.now() / 1000)): RequestCheck {
  if (normaliseTsigAlgorithm(t.algorithm) !== key.algorithm) return { ok: false, error: TSIG_ERROR.BADKEY };
  const expected = computeMac(key, t.unsigned, t);
  const minLen = Math.max(10, expected.length / 2);
  if (t.mac.length > expected.length || t.mac.length < minLen || !timingSafeEqual(t.mac, expected.subarray(0, t.mac.length))) {
    return { ok: false, error: TSIG_ERROR.BADSIG };
  }
  if (Math.abs(now - t.timeSigned) > t.fudge) return { ok: false, error: TSIG_ERROR.BADTIME };
  return { ok: true };
}

/**
 * Appends the unsigned TSIG RR of an error reply (RFC 8945 §5.3.2: BADKEY and BADSIG replies carry the request's key
 * name, algorithm, time and fudge, an empty MAC and the error) and bumps ARCOUNT.
 */
export function appendUnsignedTsig(message: Buffer, t: ParsedTsig, error: number): Buffer {
  return appendTsigRr(message, t.keyName, { algorithm: t.algorithm, timeSigned: t.timeSigned, fudge: t.fudge, error, otherData: Buffer.alloc(0) }, Buffer.alloc(0));
}

/** Signs a reply to a verified request (RFC 8945 §5.3): the request's MAC first; a BADTIME reply echoes the request's time and carries ours as Other Data (§5.2.3). */
export function signReply(message: Buffer, key: TsigKey, request: ParsedTsig, error = 0, now = Math.floor(Date.now() / 1000)): Buffer {
  const badTime = error === TSIG_ERROR.BADTIME;
  return signMessage(message, key, {
    requestMac: request.mac, fudge: request.fudge, error,
    now: badTime ? request.timeSigned : now,
    ...(badTime ? { otherData: uint48(now) } : {}),
  }).message;
}
