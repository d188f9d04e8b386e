// The logger's redaction: secret-named keys and URL query values censored on the line, two levels down, in errors and in child bindings; nothing logged is changed.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger('info', new Writable({ write: (c: Buffer, _e, cb) => { lines.push(JSON.parse(c.toString()) as Record<string, unknown>); cb(); } }));
  return { log, lines };
}

describe('log redaction', () => {
  it('censors secret-named keys at the top and two levels down, in arrays and in errors, and leaves the logged objects as they were', () => {
    const { log, lines } = capture();
    const err = Object.assign(new Error('boom'), { token: 'err-token-value' });
    const fields = {
      password: 'top-secret', a: { token: 'one-down', b: { tsig_key_secret: 'two-down', c: { key: 'three-down is past the depth' } } },
      list: [{ auth_value: 'in-array' }], config: { databaseUrl: 'postgres://u:pw@h/db' }, err, plain: 'kept', headers: { 'x-api-key': 'k' },
    };
    log.info(fields, 'line');
    const line = lines[0]!;
    expect(line).toMatchObject({
      password: '[REDACTED]', a: { token: '[REDACTED]', b: { tsig_key_secret: '[REDACTED]', c: { key: 'three-down is past the depth' } } },
      list: [{ auth_value: '[REDACTED]' }], config: { databaseUrl: '[REDACTED]' }, plain: 'kept', headers: '[REDACTED]', msg: 'line',
    });
    // The error keeps what the serializer reads (type, message, stack); only its secret property is censored.
    expect(line.err).toMatchObject({ type: 'Error', message: 'boom', token: '[REDACTED]' });
    expect(String((line.err as { stack: string }).stack)).toContain('Error: boom');
    for (const secret of ['top-secret', 'one-down', 'two-down', 'in-array', 'pw@h', 'err-token-value']) expect(JSON.stringify(lines)).not.toContain(secret);
    expect(fields.password).toBe('top-secret');
    expect(fields.a.token).toBe('one-down');
    expect(err.token).toBe('err-token-value');
  });

  it('masks the query values of URLs logged as values, two levels down and in bindings; other strings stay', () => {
    const { log, lines } = capture();
    log.child({ target: 'https://hooks.example/b?bound=bound-tok' }).info({
      url: 'https://hooks.example/create?token=url-tok&zone=', a: { b: { delete_url: 'http://h:8080/d?key=deep-tok#frag' } },
      list: ['https://h/x?k=list-tok'], path: '/api/v1/audit-logs?q=kept', note: 'what? kept',
    }, 'call');
    expect(lines[0]).toMatchObject({
      target: 'https://hooks.example/b?bound=[REDACTED]', url: 'https://hooks.example/create?token=[REDACTED]&zone=',
      a: { b: { delete_url: 'http://h:8080/d?key=[REDACTED]#frag' } }, list: ['https://h/x?k=[REDACTED]'], path: '/api/v1/audit-logs?q=kept', note: 'what? kept',
    });
    expect(JSON.stringify(lines)).not.toMatch(/bound-tok|url-tok|deep-tok|list-tok/);
  });

  it('censors child and grandchild bindings', () => {
    const { log, lines } = capture();
    log.child({ module: 'm', credentials: { api_token: 'bound' } }).child({ secret: 'grand' }).info({ n: 1 }, 'child line');
    expect(lines[0]).toMatchObject({ module: 'm', credentials: '[REDACTED]', secret: '[REDACTED]', n: 1 });
    expect(JSON.stringify(lines)).not.toMatch(/bound|grand"/);
  });
});
