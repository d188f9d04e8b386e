// The benches' load generator as a process of its own (lib.ts startLoadClient), as a real client is: makes the pairs
// it is asked for over IPC (acmeproxy pairs through the daemon, or the two signed UPDATEs straight to a DNS server),
// times each end to end, and sends the samples back. Stops when the bench disconnects.
import { Pool } from 'undici';
import { addTxtUpdate, deleteTxtUpdate } from '../../src/dns/update.js';
import { checkUpdateRcode, sendSigned } from '../../src/plugins/rfc2136/client.js';
import { rfc2136Credentials } from '../../src/plugins/rfc2136/credentials.js';
import { PairError, acmeproxyPair, nameFor, value, type LoadRequest, type PairSample, type SustainedReply, type Way } from './lib.js';

const pools = new Map<string, Pool>();
/** One keep-alive pool per daemon, wide enough for any phase's clients (undici opens connections only as needed). */
const pool = (url: string) => {
  let p = pools.get(url);
  if (!p) pools.set(url, (p = new Pool(url, { connections: 256, pipelining: 1, headersTimeout: 30_000, bodyTimeout: 30_000 })));
  return p;
};

/** One pair of `way` for client c, index i, timed end to end. */
function pairOf(way: Way): (c: number, i: number) => Promise<PairSample> {
  if (way.kind === 'acmeproxy') {
    const d = { pool: pool(way.url), internalToken: way.password };
    return async (c, i) => {
      const name = nameFor(way.name, c, i);
      const t0 = performance.now();
      const timings = await acmeproxyPair(d, way.providers[c % way.providers.length]!, name, value(name));
      return { ms: performance.now() - t0, timings };
    };
  }
  const creds = rfc2136Credentials.parse(way.credentials);
  return async (c, i) => {
    const name = nameFor(way.name, c, i);
    const v = value(name);
    const t0 = performance.now();
    checkUpdateRcode(await sendSigned(creds, way.zone, addTxtUpdate(way.zone, name, v, 60)), creds, way.zone);
    checkUpdateRcode(await sendSigned(creds, way.zone, deleteTxtUpdate(way.zone, name, v)), creds, way.zone);
    return { ms: performance.now() - t0 };
  };
}

async function sequence(ways: Way[], warmup: number, pairs: number): Promise<PairSample[][]> {
  const fns = ways.map(pairOf);
  const out: PairSample[][] = ways.map(() => []);
  for (let i = 0; i < warmup + pairs; i++) {
    const order = fns.map((_, w) => w);
    if (i % 2) order.reverse();
    for (const w of order) {
      const s = await fns[w]!(0, i);
      if (i >= warmup) out[w]!.push(s);
    }
  }
  return out;
}

async function sustained(way: Way, clients: number, seconds: number): Promise<SustainedReply> {
  const pair = pairOf(way);
  const samples: PairSample[] = [];
  let errors = 0;
  let rateLimited = 0;
  let firstError = '';
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(Array.from({ length: clients }, async (_, c) => {
    for (let i = 0; performance.now() < end; i++) {
      try {
        samples.push(await pair(c, i));
      } catch (err) {
        if (err instanceof PairError && err.status === 429) rateLimited++; else errors++;
        firstError ||= (err as Error).message;
      }
    }
  }));
  return { samples, errors, rateLimited, seconds: (performance.now() - start) / 1000, firstError };
}

process.on('message', (m: { id: number } & (LoadRequest | { op: 'ping' })) => {
  const run = m.op === 'sequence' ? sequence(m.ways, m.warmup, m.pairs) : m.op === 'sustained' ? sustained(m.way, m.clients, m.seconds) : Promise.resolve('pong');
  run.then((result) => process.send!({ id: m.id, result }), (err: Error) => process.send!({ id: m.id, error: err.message }));
});
process.on('disconnect', () => {
  void Promise.all([...pools.values()].map((p) => p.close())).finally(() => process.exit(0));
});
