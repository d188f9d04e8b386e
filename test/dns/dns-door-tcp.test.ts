// The DNS door's TCP limits (docs/dns-update.md): idle connections closed, but not while an answer is owed; a total time
// per connection after which it reads nothing more and closes once its answers are sent; pipelined messages answered
// one at a time in order; at most N connections at once. The subject is the transport, so the query side is a stand-in
// (STAND-IN, not a peer) whose answers the test releases; the rest is the real DnsDoor on a loopback port.
import { connect, type Socket } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeQuery } from '../../src/dns/packet.js';
import { DnsDoor } from '../../src/dns-door/server.js';
import type { QueryDoor } from '../../src/dns-door/query.js';
import { RCODE, type Outcome } from '../../src/dns-door/reply.js';
import type { UpdateDoor } from '../../src/dns-door/update.js';
import { createMetrics } from '../../src/metrics.js';

/** Answers every query REFUSED once the test lets it; counts how many are being answered at once. */
class HeldQueries {
  waiting: Array<() => void> = [];
  asked = 0;
  answer(): Promise<Outcome> {
    this.asked += 1;
    return new Promise((resolve) => this.waiting.push(() => resolve({ rcode: RCODE.REFUSED, why: 'stand-in' })));
  }
  releaseAll(): void {
    for (const go of this.waiting.splice(0)) go();
  }
}

let door: DnsDoor | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await door?.stop();
  door = undefined;
});

async function start(queries: HeldQueries, o: { tcpIdleMs?: number; tcpTotalMs?: number; maxTcpConnections?: number }): Promise<number> {
  door = new DnsDoor({
    host: '127.0.0.1', port: 0, log: pino({ level: 'silent' }), metrics: createMetrics(),
    tokens: { byTsigKeyName: async () => null },
    updates: {} as UpdateDoor,
    queries: queries as unknown as QueryDoor,
    perSource: 100_000, perKey: 100,
    ...o,
  });
  await door.start();
  return door.port;
}

/** A connection and what it receives: the replies' ids in order, and whether the door closed it. */
function open(port: number) {
  const s = connect({ port, host: '127.0.0.1' });
  sockets.push(s);
  const got = { ids: [] as number[], closed: false };
  let buf = Buffer.alloc(0);
  s.on('data', (b: Buffer) => {
    buf = Buffer.concat([buf, b]);
    while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
      got.ids.push(buf.readUInt16BE(2));
      buf = buf.subarray(2 + buf.readUInt16BE(0));
    }
  });
  s.on('error', () => undefined);
  s.on('close', () => { got.closed = true; });
  const connected = new Promise<void>((resolve) => s.once('connect', () => resolve()));
  const send = (...ids: number[]) => s.write(Buffer.concat(ids.map((id) => {
    const q = encodeQuery(id, 'example.test', 'SOA', false);
    const head = Buffer.alloc(2);
    head.writeUInt16BE(q.length);
    return Buffer.concat([head, q]);
  })));
  return { s, got, connected, send };
}

const until = async (what: string, ok: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the DNS door over TCP', () => {
  it('closes an idle connection, but not one whose answer is still owed', async () => {
    const q = new HeldQueries();
    const port = await start(q, { tcpIdleMs: 200 });
    const idle = open(port);
    await idle.connected;
    await until('the idle connection closed', () => idle.got.closed);

    const busy = open(port);
    await busy.connected;
    busy.send(7);
    await until('the query reached the door', () => q.asked === 1);
    await pause(600); // three idle periods with the answer owed
    expect(busy.got.closed).toBe(false);
    q.releaseAll();
    await until('the answer arrived', () => busy.got.ids.length === 1);
    expect(busy.got.ids).toEqual([7]);
    await until('closed once idle again', () => busy.got.closed);
  });

  it('after the total time reads nothing more, sends what it owes, then closes', async () => {
    const q = new HeldQueries();
    const port = await start(q, { tcpIdleMs: 60_000, tcpTotalMs: 400 });
    const c = open(port);
    await c.connected;
    c.send(1, 2);
    await until('the first query reached the door', () => q.asked === 1);
    await pause(600); // past the total time, two answers owed
    c.send(3);
    await pause(100);
    expect(c.got.closed).toBe(false);
    q.releaseAll();
    await until('the second query reached the door', () => q.asked === 2);
    q.releaseAll();
    await until('closed after its answers', () => c.got.closed);
    expect(c.got.ids).toEqual([1, 2]);
    expect(q.asked).toBe(2);
  });

  it('answers 100 pipelined messages one at a time, in order', async () => {
    const q = new HeldQueries();
    const port = await start(q, { tcpIdleMs: 60_000 });
    const c = open(port);
    await c.connected;
    const ids = Array.from({ length: 100 }, (_, i) => i + 1);
    c.send(...ids);
    for (let answered = 1; answered <= 100; answered++) {
      await until('the next message reached the door', () => q.waiting.length > 0);
      expect(q.waiting).toHaveLength(1);
      q.releaseAll();
      await until('its answer arrived', () => c.got.ids.length === answered);
    }
    expect(c.got.ids).toEqual(ids);
  });

  it('closes connections over the cap on accept; those under it are answered', async () => {
    const q = new HeldQueries();
    const port = await start(q, { tcpIdleMs: 60_000, maxTcpConnections: 2 });
    const a = open(port);
    const b = open(port);
    await Promise.all([a.connected, b.connected]);
    await pause(100);
    const extra = open(port);
    await until('the third connection closed', () => extra.got.closed);
    a.send(1);
    b.send(2);
    await until('both asked', () => q.asked === 2);
    q.releaseAll();
    await until('both answered', () => a.got.ids.length === 1 && b.got.ids.length === 1);
    expect([a.got.closed, b.got.closed]).toEqual([false, false]);
  });
});
