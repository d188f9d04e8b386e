// URL query values: masked where URLs are shown (credentials, audit details), restored from the stored URL when sent back masked.
import { describe, expect, it } from 'vitest';
import { REDACTED, redactDetails } from '../../src/audit/redact.js';
import { AppError } from '../../src/errors.js';
import { MASK, maskedCredentials, unmask } from '../../src/providers/mask.js';
import { webhookPlugin } from '../../src/plugins/webhook/index.js';
import { fieldsOf } from '../../src/calls/field-specs.js';
import { maskQueryValues, restoreQueryValues } from '../../src/security/url-query.js';

describe('maskQueryValues', () => {
  it.each([
    ['https://h/p?token=abc', 'https://h/p?token=M'],
    ['https://h/p?token=abc&zone=&flag', 'https://h/p?token=M&zone=&M'],
    ['HTTP://h:8080/p?a=1&a=2#frag?x=y', 'HTTP://h:8080/p?a=M&a=M#frag?x=y'],
    ['https://h/p?', 'https://h/p?'],
    ['https://h/p#only?fragment=1', 'https://h/p#only?fragment=1'],
    ['https://h/p', 'https://h/p'],
    ['/relative?token=abc', '/relative?token=abc'],
    ['not a url? token=abc', 'not a url? token=abc'],
    ['ftp://h/p?token=abc', 'ftp://h/p?token=abc'],
  ])('%s', (url, shown) => {
    expect(maskQueryValues(url, 'M')).toBe(shown);
  });
});

describe('restoreQueryValues', () => {
  const stored = 'https://h/p?token=abc&a=1&a=2&bare';
  it('takes each masked value from the same parameter, the n-th from the n-th', () => {
    expect(restoreQueryValues(maskQueryValues(stored, 'M'), stored, 'M')).toEqual({ url: stored, missing: [] });
    expect(restoreQueryValues('https://other/q?a=M&token=new&a=M&M', stored, 'M')).toEqual({ url: 'https://other/q?a=1&token=new&a=2&bare', missing: [] });
  });
  it('names masked parameters the stored URL lacks', () => {
    expect(restoreQueryValues('https://h/p?a=M&a=M&a=M&x=M', stored, 'M').missing).toEqual(['a', 'x']);
    expect(restoreQueryValues('https://h/p?token=M', undefined, 'M').missing).toEqual(['token']);
  });
  it('leaves URLs without a masked value, and non-URLs, as sent', () => {
    expect(restoreQueryValues('https://h/p?token=new', stored, 'M')).toEqual({ url: 'https://h/p?token=new', missing: [] });
    expect(restoreQueryValues('M', stored, 'M')).toEqual({ url: 'M', missing: [] });
  });
});

describe('credentials view and round trip', () => {
  const fields = fieldsOf(webhookPlugin);
  const stored = { create_url: 'https://hooks.example/create?token=tok-1', auth_value: 'Bearer b', headers: { 'X-K': 'v' }, timeout_seconds: 10 };

  it('masks query values of URL fields beside the secret fields', () => {
    expect(maskedCredentials(() => stored, fields)).toEqual({
      create_url: `https://hooks.example/create?token=${MASK}`, auth_value: MASK, headers: MASK, timeout_seconds: 10,
    });
  });

  it('a view sent back is the stored credentials; a masked parameter with nothing stored is a VALIDATION_ERROR naming the field', () => {
    expect(unmask(maskedCredentials(() => stored, fields)!, stored)).toEqual(stored);
    let err: unknown;
    try {
      unmask({ create_url: `https://hooks.example/create?other=${MASK}`, delete_url: `https://h/d?k=${MASK}` }, stored);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('VALIDATION_ERROR');
    expect((err as AppError).details).toEqual({ fields: [
      { field: 'create_url', message: expect.stringContaining('query parameter other') },
      { field: 'delete_url', message: expect.stringContaining('query parameter k') },
    ] });
  });
});

describe('audit details', () => {
  it('keep a URL\'s query names but not their values, at any depth', () => {
    const out = redactDetails({ target: 'https://hooks.example/create?token=aud-tok&zone=', nested: { list: ['http://h/x?k=deep-tok'] }, path: '/internal/x?y=kept' });
    expect(out).toEqual({ target: `https://hooks.example/create?token=${REDACTED}&zone=`, nested: { list: [`http://h/x?k=${REDACTED}`] }, path: '/internal/x?y=kept' });
  });
});
