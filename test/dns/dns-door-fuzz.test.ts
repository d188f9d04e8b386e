// The DNS door under malformed and mutated packets: 20,000 over UDP and TCP (truncated headers, compression loops,
// oversized counts, bad TSIG lengths, bit flips of signed UPDATEs, random bytes); the daemon stays up and answering,
// and nothing is written anywhere.
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { challenges } from '../../src/db/schema.js';
import { decodeMessage, encodeQuery, lastAdditional } from '../../src/dns/packet.js';
import { signMessage, type TsigKey } from '../../src/dns/tsig.js';
import { addTxtUpdate, buildUpdate } from '../../src/dns/update.js';
import { tsigKey, ZONE } from '../support/acme-rig.js';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { startBind, type RunningDnsServer } from '../support/dns-servers/index.js';
import { freeDnsPort } from '../support/ports.js';

const NAME = `_acme-challenge.${ZONE}`;
const OUTSIDE = `_acme-challenge.outside.${ZONE}`;
const bindKey = tsigKey('fuzz-provider');
const PER_TRANSPORT = 10_000;

let bind: RunningDnsServer;
let d: TestDaemon;
let doorPort: number;
let tsig: TsigKey;

/** A small deterministic PRNG (mulberry32), so a failing packet can be made again. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One malformed or mutated message, by kind `i % 8`. */
function packet(i: number, rnd: () => number): Buffer {
  const int = (n: number) => Math.floor(rnd() * n);
  // Signed with the token's key but for a name outside its domains: a mutation the MAC does not cover (the header ID,
  // the case of the key name, the TSIG RR's class and TTL) leaves a valid request, which must still be refused.
  const signed = signMessage(addTxtUpdate(ZONE, OUTSIDE, txtValue(i), 60, i & 0xffff), tsig).message;
  switch (i % 8) {
    case 0: // truncated header
      return signed.subarray(0, int(12));
    case 1: { // compression loop: the zone name points at itself
      const b = Buffer.from(signed.subarray(0, 12));
      return Buffer.concat([b, Buffer.from([0xc0, 0x0c, 0, 6, 0, 1])]);
    }
    case 2: { // oversized counts
      const b = Buffer.from(signed);
      b.writeUInt16BE(0xffff, 4 + 2 * int(4));
      return b;
    }
    case 3: { // bad TSIG lengths: RDLENGTH or MAC size off
      const b = Buffer.from(signed);
      const rr = lastAdditional(b)!;
      if (rnd() < 0.5) b.writeUInt16BE(int(0x10000), rr.rdataOffset - 2);
      else b.writeUInt16BE(int(0x10000), rr.rdataOffset + 13 + 10 + 8);
      return b;
    }
    case 4: { // bit flips of a signed UPDATE
      const b = Buffer.from(signed);
      for (let k = 0; k <= int(4); k++) {
        const at = int(b.length);
        b[at] = b[at]! ^ (1 << int(8));
      }
      return b;
    }
    case 5: { // an unsigned UPDATE with a prerequisite and random bytes appended
      return Buffer.concat([buildUpdate({ zone: ZONE, prerequisites: [{ kind: 'name-in-use', name: NAME }] }), Buffer.from(Array.from({ length: int(40) }, () => int(256)))]);
    }
    case 6: { // a query with a mutated name
      const q = Buffer.from(encodeQuery(i & 0xffff, `${txtValue(i).slice(0, 10)}.${ZONE}`, 'SOA', false));
      q[12 + int(q.length - 12)] = int(256);
      return q;
    }
    default: // random bytes
      return Buffer.from(Array.from({ length: int(600) }, () => int(256)));
  }
}

/** A SOA query answered NOERROR within 5 s, asked up to three times as a stub resolver would. */
async function soaQuery(): Promise<boolean> {
  for (let i = 0; i < 3; i++) if (await soaOnce()) return true;
  return false;
}

function soaOnce(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    const timer = setTimeout(() => { s.close(); resolve(false); }, 5000);
    s.on('message', (reply) => {
      clearTimeout(timer);
      s.close();
      resolve(decodeMessage(reply).rcode === 'NOERROR');
    });
    s.send(encodeQuery(4242, ZONE, 'SOA', false), doorPort, '127.0.0.1');
  });
}

beforeAll(async () => {
  bind = await startBind({ zones: [ZONE], tsigKeys: [bindKey] });
  doorPort = await freeDnsPort();
  d = await startTestDaemon({
    env: { DNS01_DNS_RESOLVERS: `${bind.host}:${bind.port}`, DNS01_DNS_AUTH_PORT: String(bind.port), DNS01_DNS_UPDATE_LISTEN: `127.0.0.1:${doorPort}`, DNS01_DNS_UPDATE_PER_SOURCE: '1000000' },
  });
  const providerId = await d.addProvider({
    name: 'bind', provider_type: 'rfc2136', is_default: true,
    credentials: { nameserver: bind.host, port: bind.port, tsig_key_name: bindKey.name, tsig_key_secret: bindKey.secret, tsig_algorithm: 'hmac-sha256' },
  });
  expect(providerId).toBeTruthy();
  const k = (await d.api.clientTokens.create({ name: 'fuzz', allowed_domains: [ZONE, `*.www.${ZONE}`], tsig_algorithm: 'hmac-sha256' })).tsig_key!;
  tsig = { name: k.name, algorithm: 'hmac-sha256', secret: Buffer.from(k.secret, 'base64') };
}, 120_000);

afterAll(async () => {
  await d?.stop();
  await bind?.stop();
}, 60_000);

describe('the DNS door under 20,000 malformed packets', () => {
  it(`UDP: ${PER_TRANSPORT} packets; the door keeps answering`, async () => {
    const rnd = prng(23);
    const s = createSocket('udp4');
    let replies = 0;
    s.on('message', () => { replies += 1; });
    const started = performance.now();
    for (let i = 0; i < PER_TRANSPORT; i++) {
      s.send(packet(i, rnd), doorPort, '127.0.0.1');
      // Bursts of 100, then a breath: a UDP socket drops what it cannot buffer, and that is not the door's failure.
      if (i % 100 === 99) await new Promise((r) => setTimeout(r, 5));
      if (i % 2000 === 1999) expect(await soaQuery(), `door answers after ${i + 1} packets`).toBe(true);
    }
    await new Promise((r) => setTimeout(r, 500));
    s.close();
    console.log(`fuzz udp: ${PER_TRANSPORT} packets in ${Math.round(performance.now() - started)} ms, ${replies} replies`);
    expect(await soaQuery()).toBe(true);
  }, 300_000);

  it(`TCP: ${PER_TRANSPORT} messages (and bad length prefixes); the door keeps answering`, async () => {
    const rnd = prng(2136);
    const started = performance.now();
    let replies = 0;
    for (let c = 0; c < 20; c++) {
      const per = PER_TRANSPORT / 20;
      await new Promise<void>((resolve) => {
        const s = connect({ port: doorPort, host: '127.0.0.1' });
        // Closed once the door has been quiet for a second (it answers in order; the last frame may never complete).
        let quiet: NodeJS.Timeout | undefined;
        const settle = () => {
          clearTimeout(quiet);
          quiet = setTimeout(() => s.destroy(), 1000);
        };
        s.on('data', (b: Buffer) => {
          replies += b.length > 0 ? 1 : 0;
          settle();
        });
        s.on('error', () => resolve());
        s.on('close', () => {
          clearTimeout(quiet);
          resolve();
        });
        s.on('connect', () => {
          const frames: Buffer[] = [];
          for (let i = 0; i < per; i++) {
            const p = packet(c * per + i, rnd);
            const head = Buffer.alloc(2);
            head.writeUInt16BE(p.length);
            frames.push(head, p);
          }
          // Every other connection ends on a length prefix that promises more than it sends.
          if (c % 2 === 1) frames.push(Buffer.from([0xff, 0xff, 1, 2, 3]));
          s.write(Buffer.concat(frames));
          settle();
        });
      });
    }
    console.log(`fuzz tcp: ${PER_TRANSPORT} messages on 20 connections in ${Math.round(performance.now() - started)} ms, ${replies} data events`);
    expect(await soaQuery()).toBe(true);
  }, 300_000);

  it('nothing was written: no challenge row, no TXT in BIND; the HTTP side answers', async () => {
    expect(await d.daemon.database.db.select().from(challenges)).toEqual([]);
    expect(await bind.txt(NAME)).toEqual([]);
    expect(await bind.txt(OUTSIDE)).toEqual([]);
    expect((await fetch(`${d.url}/health`)).status).toBe(200);
  });
});
