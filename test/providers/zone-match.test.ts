// The zone matcher of zone-specific credentials: exact beats wildcard beats catch-all, disabled rows skipped, filters validated.
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import { chooseCredential, parseZoneFilter, type ZoneCandidate } from '../../src/providers/zone-match.js';

const c = (id: string, zoneFilter: string, enabled = true): ZoneCandidate => ({ id, zoneFilter, enabled });

describe('chooseCredential', () => {
  const exact = c('exact', 'app.example.com,example.org');
  const wild = c('wild', '*.example.com');
  const deeper = c('deeper', '*.eu.example.com');
  const all = c('all', '');
  const off = c('off', 'off.example.com', false);
  const offAll = c('off-all', '', false);

  const table: [string, ZoneCandidate[], string, string | null][] = [
    ['exact beats wildcard and catch-all', [all, wild, exact], 'app.example.com', 'exact'],
    ['wildcard beats catch-all', [all, wild, exact], 'www.example.com', 'wild'],
    ['a wildcard covers its zone itself', [all, wild], 'example.com', 'wild'],
    ['a wildcard covers every depth below it', [wild], 'a.b.c.example.com', 'wild'],
    ['the deepest wildcard wins, whatever the order', [deeper, wild], 'x.eu.example.com', 'deeper'],
    ['the deepest wildcard wins (other order)', [wild, deeper], 'x.eu.example.com', 'deeper'],
    ['catch-all when nothing else fits', [wild, exact, all], 'other.net', 'all'],
    ['disabled rows are skipped (exact)', [off, wild], 'off.example.com', 'wild'],
    ['a disabled catch-all is no catch-all', [offAll, exact], 'other.net', null],
    ['no match at all', [exact, wild], 'other.net', null],
    ['no candidates', [], 'example.com', null],
    ['an exact entry does not cover names below it', [exact], 'x.app.example.com', null],
    ['a wildcard does not cover a name that only ends alike', [wild], 'badexample.com', null],
    ['case-insensitive', [all, exact], 'APP.Example.COM', 'exact'],
    ['trailing dot ignored', [all, exact], 'app.example.com.', 'exact'],
    ['a wildcard name matches as its domain', [all, wild], '*.example.com', 'wild'],
    ['the first of two catch-alls', [all, c('all2', '')], 'x.net', 'all'],
    ['the first of two exact matches', [c('e1', 'example.org'), exact], 'example.org', 'e1'],
  ];
  it.each(table)('%s', (_what, candidates, name, want) => {
    expect(chooseCredential(candidates, name)?.id ?? null).toBe(want);
  });
});

describe('parseZoneFilter', () => {
  it.each([
    ['', ''],
    ['   ', ''],
    ['Example.COM', 'example.com'],
    [' example.com. , *.Example.org ', 'example.com,*.example.org'],
    ['a.com,a.com,A.com.', 'a.com'],
    ['_sub.example.com', '_sub.example.com'],
  ])('%j is stored as %j', (raw, want) => {
    expect(parseZoneFilter(raw)).toBe(want);
  });

  it.each([
    'a.com,,b.com', '*', '*.', 'a.*.com', '**.a.com', 'a..com', '-a.com', 'a b.com', 'http://a.com', `${'a'.repeat(64)}.com`,
    `${Array.from({ length: 101 }, (_, i) => `z${i}.com`).join(',')}`, 'ex\u00e4mple.com',
  ])('%j is a VALIDATION_ERROR', (raw) => {
    let caught: unknown;
    try {
      parseZoneFilter(raw);
    } catch (err) {
      caught = err;
    }
    expect(isAppError(caught) && caught.code).toBe('VALIDATION_ERROR');
  });
});
