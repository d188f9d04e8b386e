// TSIG signing and verification (RFC 8945): round trips per algorithm, failure reasons, and a real BIND.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import {
  TSIG_ALGORITHMS, TsigError, decodeTsigSecret, isBase64Secret, normaliseTsigAlgorithm, parseTsig, signMessage,
  tsigAlgorithmWireName, verifyMessage, type TsigKey,
} from '../../src/dns/tsig.js';
import { encodeQuery, decodeMessage } from '../../src/dns/packet.js';
import { noopUpdate } from '../../src/dns/update.js';
import { exchange } from '../../src/dns/transport.js';
import { startBind, type RunningDnsServer } from '../support/dns-servers/index.js';

const keyFor = (algorithm: (typeof TSIG_ALGORITHMS)[number]): TsigKey => ({ name: `key-${algorithm}.example`, algorithm, secret: randomBytes(32) });

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof TsigError) return err.reason;
    throw err;
  }
  return 'no error';
}

describe('algorithm names and secrets', () => {
  it('normalises operator spellings', () => {
    expect(normaliseTsigAlgorithm('HMAC-SHA256')).toBe('hmac-sha256');
    expect(normaliseTsigAlgorithm('hmac-sha256.')).toBe('hmac-sha256');
    expect(normaliseTsigAlgorithm('sha256')).toBe('hmac-sha256');
    expect(normaliseTsigAlgorithm('hmac-md5.sig-alg.reg.int.')).toBe('hmac-md5');
    expect(normaliseTsigAlgorithm('HMAC_SHA512')).toBe('hmac-sha512');
    expect(normaliseTsigAlgorithm('gss-tsig')).toBeNull();
    expect(tsigAlgorithmWireName('hmac-md5')).toBe('hmac-md5.sig-alg.reg.int');
  });

  it('rejects a non-base64 secret without quoting it', () => {
    expect(isBase64Secret('c2VjcmV0')).toBe(true);
    expect(isBase64Secret('c2Vj cmV0')).toBe(true);
    const bad = 'not*base64!secret-value';
    expect(isBase64Secret(bad)).toBe(false);
    expect(isBase64Secret('')).toBe(false);
    expect(() => decodeTsigSecret(bad)).toThrow(/not valid base64/);
    try { decodeTsigSecret(bad); } catch (err) { expect((err as Error).message).not.toContain(bad); }
  });
});

describe.each(TSIG_ALGORITHMS)('round trip with %s', (algorithm) => {
  const key = keyFor(algorithm);
  const now = 1_800_000_000;
  const request = signMessage(encodeQuery(4242, 'example.test', 'SOA', false), key, { now });
  // A reply as a server builds it: the request bytes turned into a response, signed over the request MAC.
  const replyBody = Buffer.from(parseTsig(request.message)!.unsigned);
  replyBody.writeUInt16BE(replyBody.readUInt16BE(2) | 0x8000, 2);
  const reply = signMessage(replyBody, key, { now, requestMac: request.mac });

  it('verifies the request as a server would, and the reply as a client', () => {
    expect(decodeMessage(request.message).additionals?.[0]?.type).toBe('TSIG');
    expect(verifyMessage(request.message, key, { now }).keyName).toBe(key.name);
    expect(verifyMessage(reply.message, key, { now: now + 10, requestMac: request.mac }).error).toBe(0);
  });

  it('rejects a tampered reply, another secret, or a reply not chained to the request', () => {
    const tampered = Buffer.from(reply.message);
    tampered[13] = tampered[13]! ^ 1; // a byte of the question name
    expect(reason(() => verifyMessage(tampered, key, { now, requestMac: request.mac }))).toBe('BAD_MAC');
    expect(reason(() => verifyMessage(reply.message, { ...key, secret: randomBytes(32) }, { now, requestMac: request.mac }))).toBe('BAD_MAC');
    expect(reason(() => verifyMessage(reply.message, key, { now }))).toBe('BAD_MAC');
  });

  it('reports time outside the fudge, unsigned replies and server TSIG errors', () => {
    expect(reason(() => verifyMessage(reply.message, key, { now: now + 301, requestMac: request.mac }))).toBe('BADTIME');
    expect(reason(() => verifyMessage(replyBody, key, { now, requestMac: request.mac }))).toBe('UNSIGNED');
    const badsig = signMessage(replyBody, key, { now, requestMac: request.mac, error: 16 });
    expect(reason(() => verifyMessage(badsig.message, key, { now, requestMac: request.mac }))).toBe('BADSIG');
    const badkey = signMessage(replyBody, key, { now, requestMac: request.mac, error: 17 });
    expect(reason(() => verifyMessage(badkey.message, key, { now, requestMac: request.mac }))).toBe('BADKEY');
    expect(reason(() => verifyMessage(reply.message, { ...key, name: 'other.key' }, { now, requestMac: request.mac }))).toBe('WRONG_KEY');
  });
});

describe('against a real BIND', () => {
  let bind: RunningDnsServer;
  const keys = TSIG_ALGORITHMS.map(keyFor);
  beforeAll(async () => {
    bind = await startBind({
      zones: ['example.test'],
      tsigKeys: keys.map((k) => ({ name: k.name, algorithm: k.algorithm, secret: k.secret.toString('base64') })),
    });
  }, 30_000);
  afterAll(async () => { await bind?.stop(); });

  it.each(keys.map((k) => [k.algorithm, k] as const))('BIND accepts our %s signature and we verify its reply', async (_alg, key) => {
    const signed = signMessage(noopUpdate('example.test'), key);
    const res = await exchange(bind, signed.message);
    expect(res.packet.rcode).toBe('NOERROR');
    expect(verifyMessage(res.raw, key, { requestMac: signed.mac }).error).toBe(0);
  });

  it('BIND answers BADSIG for a wrong secret', async () => {
    const key = { ...keys[3]!, secret: randomBytes(32) };
    const signed = signMessage(noopUpdate('example.test'), key);
    const res = await exchange(bind, signed.message);
    expect(res.packet.rcode).toBe('NOTAUTH');
    expect(reason(() => verifyMessage(res.raw, key, { requestMac: signed.mac }))).toBe('BADSIG');
  });
});
