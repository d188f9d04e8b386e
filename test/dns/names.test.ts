// The one module for DNS names: normal form, the checks per use (underscore or not), and pattern coverage.
import { describe, expect, it } from 'vitest';
import { EXACT, coverage, covers, isAtOrBelow, isChallengeName, isDnsName, isHostname, normaliseName } from '../../src/dns/names.js';

const label63 = 'a'.repeat(63);
const label64 = 'a'.repeat(64);
/** `n` characters: labels of 63 joined by dots, the last one shorter. */
const nameOf = (n: number): string => {
  const labels: string[] = [];
  let left = n;
  while (left > 0) {
    const take = Math.min(63, left);
    labels.push('b'.repeat(take));
    left -= take + 1;
  }
  const s = labels.join('.');
  return s.length === n ? s : s.slice(0, n - 1) + 'c';
};

describe('normaliseName', () => {
  it.each([
    ['Example.COM', 'example.com'],
    ['example.com.', 'example.com'],
    ['EXAMPLE.com.', 'example.com'],
    ['example.com..', 'example.com.'],
    ['.', ''],
    ['', ''],
    [' a.com ', ' a.com '],
    ['XN--BCHER-KVA.example', 'xn--bcher-kva.example'],
    ['_ACME-Challenge.A.com', '_acme-challenge.a.com'],
    ['*.Example.com.', '*.example.com'],
  ])('%j -> %j', (input, want) => {
    expect(normaliseName(input)).toBe(want);
  });
});

describe('isDnsName and isHostname', () => {
  // [name, isDnsName, isHostname]
  const table: [string, boolean, boolean][] = [
    ['example.com', true, true],
    ['a', true, true],
    ['xn--bcher-kva.example', true, true],
    ['bücher.example', false, false],
    ['_sub.example.com', true, false],
    ['tsig_key', true, false],
    ['key_', true, false],
    ['_', true, false],
    ['-a.com', false, false],
    ['a-.com', false, false],
    ['a--b.com', true, true],
    ['a..com', false, false],
    ['.a.com', false, false],
    ['a.com.', false, false],
    ['', false, false],
    ['*', false, false],
    ['*.a.com', false, false],
    ['a b.com', false, false],
    ['Example.com', false, false],
    [`${label63}.com`, true, true],
    [`${label64}.com`, false, false],
    [nameOf(253), true, true],
    [nameOf(254), false, false],
  ];
  it.each(table)('%j: dns name %s, host name %s', (name, dns, host) => {
    expect(isDnsName(name)).toBe(dns);
    expect(isHostname(name)).toBe(host);
  });

  it('counts labels when asked', () => {
    expect(nameOf(253).length).toBe(253);
    expect(isHostname('com', 2)).toBe(false);
    expect(isHostname('example.com', 2)).toBe(true);
    expect(isDnsName('a.b', 3)).toBe(false);
  });
});

describe('isChallengeName', () => {
  it.each([
    ['_acme-challenge.example.com', true],
    ['_acme-challenge.a.b.example.com', true],
    ['_acme-challenge._sub.example.com', true],
    ['_acme-challenge.xn--bcher-kva.example', true],
    ['_acme-challenge.com', false],
    ['_acme-challenge', false],
    ['example.com', false],
    ['_acme-challenge.example.com.', false],
    ['_acme-challenge..example.com', false],
    ['_acme-challenge.*.example.com', false],
    [`_acme-challenge.${label63}.com`, true],
    [`_acme-challenge.${label64}.com`, false],
    [`_acme-challenge.${nameOf(253 - 16)}`, true],
    [`_acme-challenge.${nameOf(254 - 16)}`, false],
  ])('%j -> %s', (name, want) => {
    expect(isChallengeName(name)).toBe(want);
  });
});

describe('coverage and covers', () => {
  // [pattern, name, covers]
  const table: [string, string, boolean][] = [
    ['example.com', 'example.com', true],
    ['EXAMPLE.com.', 'example.com', true],
    ['example.com', 'www.example.com', false],
    ['*.example.com', 'www.example.com', true],
    ['*.example.com', 'a.b.example.com', true],
    ['*.example.com', 'example.com', true],
    ['*.Example.COM.', 'www.example.com', true],
    ['*.example.com', 'badexample.com', false],
    ['*.example.com', 'com', false],
    ['*.', 'example.com', false],
    ['*', 'example.com', false],
    ['a.*.com', 'a.b.com', false],
    ['*._sub.example.com', 'x._sub.example.com', true],
  ];
  it.each(table)('%j covers %j: %s', (pattern, name, want) => {
    expect(covers(pattern, name)).toBe(want);
    expect(coverage(pattern, name) >= 0).toBe(want);
  });

  it('ranks exact over every wildcard, and a deeper wildcard over a shallower one', () => {
    expect(coverage('www.a.com', 'www.a.com')).toBe(EXACT);
    expect(coverage('*.b.a.com', 'x.b.a.com')).toBeGreaterThan(coverage('*.a.com', 'x.b.a.com'));
    expect(coverage('*.a.com', 'x.b.a.com')).toBe(2);
    expect(EXACT).toBeGreaterThan(coverage(`*.${nameOf(251)}`, `x.${nameOf(251)}`));
  });
});

describe('isAtOrBelow', () => {
  it.each([
    ['example.com', 'example.com', true],
    ['www.example.com', 'example.com', true],
    ['badexample.com', 'example.com', false],
    ['example.com', '', true],
    ['com', 'example.com', false],
  ])('%j in %j: %s', (name, zone, want) => {
    expect(isAtOrBelow(name, zone)).toBe(want);
  });
});
