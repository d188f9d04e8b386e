// The zone finder against a real BIND (through a counting forwarder): deep names, apexes, failover, cache and TTLs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DnsLookupError } from '../../src/dns/lookup.js';
import { ZoneFinder, type ZoneFinderOptions } from '../../src/dns/zone-finder.js';
import { explicitZone } from '../../src/providers/explicit-zone.js';
import { startBind, type RunningDnsServer } from '../support/dns-servers/index.js';
import { startDnsForwarder, type DnsForwarder } from '../support/dns-forwarder.js';
import { freeDnsPort } from '../support/ports.js';

// BIND's test zones have SOA TTL and negative TTL 60 s (support/dns-servers/common.ts zoneFile).
const SOA_TTL_MS = 60_000;

describe('zone finder against BIND', () => {
  let bind: RunningDnsServer;
  let counter: DnsForwarder;
  let servfail: DnsForwarder;
  let silent: DnsForwarder;
  let missing: DnsForwarder;
  const clock = { ms: 1_000_000 };

  /** A finder whose only resolver is the counting forwarder, on a clock the test moves. */
  const finder = (over: Partial<ZoneFinderOptions> = {}) => new ZoneFinder({ resolvers: [counter.server], now: () => clock.ms, ...over });

  beforeAll(async () => {
    bind = await startBind({
      zones: ['example.co.uk', 'deep.example.co.uk'],
      tsigKeys: [],
      records: { 'example.co.uk': ['deep IN NS ns1.deep.example.co.uk.', 'ns1.deep IN A 127.0.0.1'] },
    });
    [counter, servfail, silent, missing] = await Promise.all([
      startDnsForwarder(bind), startDnsForwarder(bind, 'servfail'), startDnsForwarder(bind, 'drop'), startDnsForwarder(bind, 'nxdomain'),
    ]);
  }, 30_000);
  afterAll(async () => {
    await Promise.all([counter?.stop(), servfail?.stop(), silent?.stop(), missing?.stop()]);
    await bind?.stop();
  });

  it('finds the zone of deep names, below a multi-label public suffix and below a delegation', async () => {
    const f = finder();
    expect(await f.find('_acme-challenge.www.shop.example.co.uk')).toBe('example.co.uk');
    expect(await f.find('_acme-challenge.a.b.c.d.example.co.uk.')).toBe('example.co.uk');
    expect(await f.find('_acme-challenge.www.deep.example.co.uk')).toBe('deep.example.co.uk');
  });

  it('finds a name at its zone apex, in any case and with a trailing dot', async () => {
    const f = finder();
    expect(await f.find('example.co.uk')).toBe('example.co.uk');
    expect(await f.find('DEEP.Example.CO.UK.')).toBe('deep.example.co.uk');
  });

  it('asks the next resolver when one answers SERVFAIL, one never answers and one refuses the connection', async () => {
    const closed = { host: '127.0.0.1', port: await freeDnsPort() };
    const f = new ZoneFinder({ resolvers: [servfail.server, closed, silent.server, counter.server], timeoutMs: 30_000 });
    const [sf, sl] = [servfail.questions.length, silent.questions.length];
    expect(await f.find('_acme-challenge.failover.example.co.uk')).toBe('example.co.uk');
    expect(servfail.questions.slice(sf)).toContain('_acme-challenge.failover.example.co.uk');
    expect(silent.questions.slice(sl)).toContain('_acme-challenge.failover.example.co.uk');
  });

  it('fails with every resolver named when none finds a zone, and remembers that only briefly', async () => {
    const f = finder({ resolvers: [servfail.server, counter.server], failureTtlS: 10 });
    const err = await f.find('_acme-challenge.nowhere.test').then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(DnsLookupError);
    expect((err as Error).message).toContain(`127.0.0.1:${servfail.server.port}: SOA _acme-challenge.nowhere.test: SERVFAIL`);
    expect((err as Error).message).toContain(`127.0.0.1:${counter.server.port}: no zone found for _acme-challenge.nowhere.test`);
    // BIND is authoritative for neither the name nor any parent: REFUSED moved the walk up to the root.
    const asked = counter.questions.length;
    await expect(f.find('_acme-challenge.nowhere.test')).rejects.toThrow(/no zone found/);
    expect(counter.questions.length).toBe(asked);
    clock.ms += 10_001;
    await expect(f.find('_acme-challenge.nowhere.test')).rejects.toThrow(/no zone found/);
    expect(counter.questions.length).toBeGreaterThan(asked);
  });

  it('asks nothing for a new name below a name a resolver said does not exist, until that answer is stale', async () => {
    const f = finder({ resolvers: [missing.server], failureTtlS: 10 });
    await expect(f.find('_acme-challenge.a.shop.nowhere.invalid')).rejects.toThrow(/no zone found/);
    const asked = missing.questions.length;
    expect(missing.questions).toContain('invalid');
    // Every parent up to the TLD answered NXDOMAIN, so nothing under `invalid` exists (RFC 8020).
    await expect(f.find('_acme-challenge.b.elsewhere.invalid')).rejects.toThrow('no zone found for _acme-challenge.b.elsewhere.invalid (a resolver answered that invalid does not exist)');
    expect(missing.questions.length).toBe(asked);
    clock.ms += 10_001;
    await expect(f.find('_acme-challenge.c.elsewhere.invalid')).rejects.toThrow(/no zone found/);
    expect(missing.questions.length).toBeGreaterThan(asked);
  });

  it('answers a repeated name from the cache until the SOA TTL has passed', async () => {
    const f = finder();
    const name = '_acme-challenge.cached.example.co.uk';
    const before = counter.questions.length;
    expect(await f.find(name)).toBe('example.co.uk');
    const oneWalk = counter.questions.length - before;
    expect(oneWalk).toBeGreaterThan(0);
    clock.ms += SOA_TTL_MS - 1;
    expect(await f.find(`${name}.`)).toBe('example.co.uk');
    expect(counter.questions.length - before).toBe(oneWalk);
    clock.ms += 2;
    expect(await f.find(name)).toBe('example.co.uk');
    expect(counter.questions.length - before).toBe(2 * oneWalk);
  });

  it('caps the cached TTL', async () => {
    const f = finder({ maxTtlS: 5 });
    const name = '_acme-challenge.capped.example.co.uk';
    const before = counter.questions.length;
    await f.find(name);
    const oneWalk = counter.questions.length - before;
    clock.ms += 4_999;
    await f.find(name);
    expect(counter.questions.length - before).toBe(oneWalk);
    clock.ms += 2;
    await f.find(name);
    expect(counter.questions.length - before).toBe(2 * oneWalk);
  });

  it('walks once for simultaneous asks of one name (wildcard and apex together)', async () => {
    const f = finder();
    // The zone's SOA TTL is asked once per zone: the first walk there costs one question more than the next ones.
    await f.find('_acme-challenge.first.example.co.uk');
    const before = counter.questions.length;
    await f.find('_acme-challenge.single.example.co.uk');
    const oneWalk = counter.questions.length - before;
    expect(oneWalk).toBeGreaterThan(0);
    const name = '_acme-challenge.together.example.co.uk';
    const mid = counter.questions.length;
    expect(await Promise.all([f.find(name), f.find(name), f.find(name)])).toEqual(['example.co.uk', 'example.co.uk', 'example.co.uk']);
    expect(counter.questions.length - mid).toBe(oneWalk);
  });
});

describe('explicitZone', () => {
  it('takes a string `zone` of the credentials, normalised; anything else is no zone', () => {
    expect(explicitZone({ zone: 'Example.CO.UK.' })).toBe('example.co.uk');
    expect(explicitZone({ nameserver: '127.0.0.1' })).toBeUndefined();
    expect(explicitZone({ zone: '' })).toBeUndefined();
    expect(explicitZone({ zone: 7 })).toBeUndefined();
    expect(explicitZone(null)).toBeUndefined();
    expect(explicitZone(undefined)).toBeUndefined();
  });
});
