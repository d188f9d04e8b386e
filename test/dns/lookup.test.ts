// UPDATE encoding, transport (UDP, TCP fallback, timeout), SOA walk, CNAME chasing and propagation, on a real BIND.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSocket, type Socket } from 'node:dgram';
import dnsPacket from 'dns-packet';
import { addTxtUpdate, deleteTxtUpdate, noopUpdate } from '../../src/dns/update.js';
import { encodeQuery } from '../../src/dns/packet.js';
import { DnsTimeoutError, exchange } from '../../src/dns/transport.js';
import { authoritativeServers, findZone, followCname, query, txtValues } from '../../src/dns/lookup.js';
import { checkPropagation } from '../../src/dns/propagation.js';
import { startBind, type RunningDnsServer } from '../support/dns-servers/index.js';

const big = Array.from({ length: 12 }, (_, i) => `big IN TXT "${String(i).padStart(2, '0')}${'x'.repeat(60)}"`);

describe('DNS wire helpers against BIND', () => {
  let bind: RunningDnsServer;
  const server = () => ({ host: bind.host, port: bind.port });

  beforeAll(async () => {
    bind = await startBind({
      zones: ['example.test', 'sub.example.test', 'other.test'],
      tsigKeys: [],
      allowUnsignedLocal: true,
      records: {
        'example.test': [
          ...big,
          '_acme-challenge.alias IN CNAME _acme-challenge.delegated.other.test.',
          'sub IN NS ns1.sub.example.test.',
          'ns1.sub IN A 127.0.0.1',
        ],
      },
    });
  }, 30_000);
  afterAll(async () => { await bind?.stop(); });

  it('encodes a delete as class NONE with TTL 0 and the opcode as UPDATE', () => {
    const msg = deleteTxtUpdate('example.test', '_acme-challenge.example.test', 'abc', 7);
    const decoded = dnsPacket.decode(msg) as dnsPacket.DecodedPacket & { opcode: string };
    expect(decoded.opcode).toBe('UPDATE');
    expect(decoded.questions?.[0]).toMatchObject({ name: 'example.test', type: 'SOA' });
    const rr = decoded.authorities?.[0] as dnsPacket.TxtAnswer;
    expect(rr.class).toBe('UNKNOWN_254');
    expect(rr.ttl).toBe(0);
    expect((rr.data as Buffer[]).map(String)).toEqual(['abc']);
    const add = dnsPacket.decode(addTxtUpdate('example.test', 'x.example.test', 'v', 60)).authorities?.[0] as dnsPacket.TxtAnswer;
    expect(add).toMatchObject({ class: 'IN', ttl: 60, type: 'TXT' });
  });

  it('adds and deletes single values with unsigned updates', async () => {
    const name = '_acme-challenge.unsigned.example.test';
    for (const v of ['one', 'two']) expect((await exchange(server(), addTxtUpdate('example.test', name, v, 60))).packet.rcode).toBe('NOERROR');
    expect((await bind.txt(name)).sort()).toEqual(['one', 'two']);
    expect((await exchange(server(), deleteTxtUpdate('example.test', name, 'one'))).packet.rcode).toBe('NOERROR');
    expect(await bind.txt(name)).toEqual(['two']);
    expect((await exchange(server(), noopUpdate('example.test'))).packet.rcode).toBe('NOERROR');
    expect((await exchange(server(), noopUpdate('nothere.test'))).packet.rcode).toBe('NOTAUTH');
  });

  it('falls back to TCP when the UDP reply is truncated, and can use TCP directly', async () => {
    const res = await query('big.example.test', 'TXT', server(), { recursionDesired: false });
    expect(res.transport).toBe('tcp');
    expect(await txtValues('big.example.test', server())).toHaveLength(12);
    const direct = await exchange(server(), encodeQuery(1, 'example.test', 'SOA', false), { tcp: true });
    expect(direct).toMatchObject({ transport: 'tcp', packet: { rcode: 'NOERROR' } });
  });

  it('times out against a server that never answers', async () => {
    const silent: Socket = createSocket('udp4');
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
    try {
      const port = silent.address().port;
      await expect(exchange({ host: '127.0.0.1', port }, encodeQuery(2, 'example.test', 'SOA', false), { timeoutMs: 100, retries: 1 }))
        .rejects.toBeInstanceOf(DnsTimeoutError);
    } finally {
      silent.close();
    }
  });

  it('finds zones by SOA walk, including a child zone on the same server', async () => {
    expect(await findZone('_acme-challenge.www.example.test', server())).toBe('example.test');
    expect(await findZone('example.test.', server())).toBe('example.test');
    expect(await findZone('_acme-challenge.a.sub.example.test', server())).toBe('sub.example.test');
    await expect(findZone('www.nothere.invalid', server())).rejects.toThrow(/no zone found/);
  });

  it('follows a CNAME and discovers the authoritative servers', async () => {
    expect(await followCname('_acme-challenge.alias.example.test', server())).toBe('_acme-challenge.delegated.other.test');
    expect(await followCname('_acme-challenge.www.example.test', server())).toBe('_acme-challenge.www.example.test');
    expect(await authoritativeServers('example.test', server(), { port: bind.port })).toEqual([{ host: '127.0.0.1', port: bind.port }]);
  });

  it('checkPropagation sees a value on every authoritative server, through a CNAME', async () => {
    const target = '_acme-challenge.delegated.other.test';
    const before = await checkPropagation({ fqdn: '_acme-challenge.alias.example.test', value: 'prop-1', resolver: server(), authPort: bind.port, timeoutMs: 5000 });
    expect(before).toMatchObject({ visible: false, zone: 'other.test', target });
    await exchange(server(), addTxtUpdate('other.test', target, 'prop-1', 60));
    const after = await checkPropagation({ fqdn: '_acme-challenge.alias.example.test', value: 'prop-1', resolver: server(), authPort: bind.port, timeoutMs: 5000 });
    expect(after.visible).toBe(true);
    expect(after.servers).toEqual([{ server: `127.0.0.1:${bind.port}`, seen: true }]);
  });

  it('checkPropagation reports a server that does not answer instead of throwing', async () => {
    const silent: Socket = createSocket('udp4');
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
    try {
      const dead = { host: '127.0.0.1', port: silent.address().port };
      const res = await checkPropagation({
        fqdn: '_acme-challenge.delegated.other.test', value: 'prop-1', resolver: server(), nameservers: [server(), dead], timeoutMs: 1000,
      });
      expect(res.visible).toBe(false);
      expect(res.servers[0]).toEqual({ server: `127.0.0.1:${bind.port}`, seen: true });
      expect(res.servers[1]).toMatchObject({ seen: false, error: expect.any(String) });
    } finally {
      silent.close();
    }
  });
});
