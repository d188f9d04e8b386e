// Logins slow down: wrong secrets on the operator page, the admin API and acme-dns updates are limited per source
// address and per account (429 AUTH_RATE_LIMITED with Retry-After, growing lock-outs), checked before the secret is,
// and acme-dns refusals are in the audit log. The daemon's login clock is moved by hand: nothing here waits a minute.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { LoginThrottle, sourceKey } from '../../src/security/login-throttle.js';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { closeFetchFrom, fetchFrom as from, type FetchFrom } from '../support/from-address.js';
import { auditEvents, logLines, uiLogin } from '../support/observe.js';

const MINUTE = 60_000;

afterAll(closeFetchFrom);

async function metric(d: TestDaemon, name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${d.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

describe('login throttle', () => {
  it('DNS01_LOGIN_* default to 10 per source and 50 per account in 60 s; bad values stop start-up naming them', () => {
    const base = { DNS01_INTERNAL_TOKEN: 'x'.repeat(16) };
    expect(loadConfig(base).loginLimits).toEqual({ perSource: 10, perAccount: 50, windowMs: MINUTE });
    expect(loadConfig({ ...base, DNS01_LOGIN_FAILURES_PER_SOURCE: '3', DNS01_LOGIN_FAILURES_PER_ACCOUNT: '30', DNS01_LOGIN_FAILURE_WINDOW: '5m' }).loginLimits)
      .toEqual({ perSource: 3, perAccount: 30, windowMs: 5 * MINUTE });
    for (const [name, bad] of [['DNS01_LOGIN_FAILURES_PER_SOURCE', '0'], ['DNS01_LOGIN_FAILURES_PER_ACCOUNT', 'many'], ['DNS01_LOGIN_FAILURE_WINDOW', '10ms']]) {
      expect(() => loadConfig({ ...base, [name!]: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ ...base, [name!]: bad })).toThrow(new RegExp(`${name}: `));
    }
  });

  it('locks a source out after the limit, for a window that doubles each time up to 16 windows, and forgets after a quiet spell', () => {
    let now = 1_000_000;
    const t = new LoginThrottle({ perSource: 3, perAccount: 1000, windowMs: MINUTE, now: () => now });
    const lockouts: number[] = [];
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 3; i++) {
        const v = t.begin('192.0.2.1');
        if (!v.ok) throw new Error(`round ${round}: refused at failure ${i}`);
        const locks = v.attempt.failed();
        if (i < 2) expect(locks).toEqual([]);
        else lockouts.push(locks[0]!.ms);
      }
      const refused = t.begin('192.0.2.1');
      expect(refused).toMatchObject({ ok: false, scope: 'source', retryAfterMs: lockouts.at(-1) });
      now += lockouts.at(-1)!;
    }
    expect(lockouts.map((ms) => ms / MINUTE)).toEqual([1, 2, 4, 8, 16, 16]);
    // Sixteen quiet windows after the last failure: the next lock-out is one window again.
    now += 16 * MINUTE + 1;
    for (let i = 0; i < 3; i++) {
      const v = t.begin('192.0.2.1');
      if (!v.ok) throw new Error('refused after the quiet spell');
      if (i === 2) expect(v.attempt.failed()).toEqual([{ scope: 'source', ms: MINUTE }]);
      else v.attempt.failed();
    }
  });

  it('a failure ages out of the sliding window; a right credential forgives the source\'s failures', () => {
    let now = 0;
    const t = new LoginThrottle({ perSource: 2, perAccount: 1000, windowMs: MINUTE, now: () => now });
    const fail = () => {
      const v = t.begin('192.0.2.2');
      if (!v.ok) throw new Error('refused');
      return v.attempt.failed();
    };
    expect(fail()).toEqual([]);
    now += MINUTE;
    expect(fail()).toEqual([]);
    const right = t.begin('192.0.2.2');
    if (!right.ok) throw new Error('refused');
    right.attempt.passed();
    expect(fail()).toEqual([]);
    expect(t.tracked.sources).toBe(1);
  });

  it('counts checks in flight: concurrent guesses from one source cannot overtake the limit', () => {
    const t = new LoginThrottle({ perSource: 3, perAccount: 1000, windowMs: MINUTE });
    const verdicts = Array.from({ length: 10 }, () => t.begin('192.0.2.3'));
    expect(verdicts.filter((v) => v.ok)).toHaveLength(3);
    expect(verdicts.filter((v) => !v.ok)[0]).toMatchObject({ scope: 'source', retryAfterMs: 1000 });
    for (const v of verdicts) if (v.ok) v.attempt.release();
    expect(t.tracked.sources).toBe(0);
    expect(t.begin('192.0.2.3').ok).toBe(true);
  });

  it('an account over its limit refuses sources that have failed; a source that has not still gets its try', () => {
    const t = new LoginThrottle({ perSource: 10, perAccount: 4, windowMs: MINUTE });
    for (const ip of ['198.51.100.1', '198.51.100.2']) {
      for (let i = 0; i < 2; i++) {
        const v = t.begin(ip, 'admin');
        if (!v.ok) throw new Error('refused');
        const locks = v.attempt.failed();
        if (ip.endsWith('.2') && i === 1) expect(locks).toEqual([{ scope: 'account', ms: MINUTE }]);
      }
    }
    expect(t.begin('198.51.100.1', 'admin')).toMatchObject({ ok: false, scope: 'account' });
    expect(t.begin('198.51.100.1', 'another-account').ok).toBe(true);
    const clean = t.begin('198.51.100.9', 'admin');
    expect(clean.ok).toBe(true);
    // One try only: while it is being checked, the same source may not start another.
    expect(t.begin('198.51.100.9', 'admin')).toMatchObject({ ok: false, scope: 'account' });
  });

  it('keeps at most maxTracked sources however many addresses fail, and treats an IPv6 /64 as one source', () => {
    const t = new LoginThrottle({ perSource: 5, perAccount: 1_000_000, windowMs: MINUTE, maxTracked: 500 });
    for (let i = 0; i < 20_000; i++) {
      const v = t.begin(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, `user-${i}`);
      if (v.ok) v.attempt.failed();
    }
    expect(t.tracked.sources).toBeLessThanOrEqual(500);
    expect(t.tracked.accounts).toBeLessThanOrEqual(500);
    expect(sourceKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(sourceKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(sourceKey('192.0.2.7')).toBe('192.0.2.7');
    const v6 = new LoginThrottle({ perSource: 2, perAccount: 1000, windowMs: MINUTE });
    for (const ip of ['2001:db8:1:2::1', '2001:db8:1:2::2']) {
      const v = v6.begin(ip);
      if (v.ok) v.attempt.failed();
    }
    expect(v6.begin('2001:db8:1:2:ffff::3')).toMatchObject({ ok: false, scope: 'source' });
    expect(v6.begin('2001:db8:1:3::1').ok).toBe(true);
  });
});

describe('login limits', () => {
  let d: TestDaemon;
  /** The login limit's clock: the tests move it past a lock-out. */
  let now = Date.parse('2030-01-01T00:00:00Z');

  beforeAll(async () => {
    d = await startTestDaemon({ env: { DNS01_ACME_DNS_DOMAIN: 'acme.login.test' }, loginClock: () => now });
    await d.addProvider({ name: 'by hand', provider_type: 'manual', credentials: {}, is_default: true });
  });
  afterAll(async () => {
    await d?.stop();
  });

  it('admin bearer: the 11th wrong token in a minute is 429 AUTH_RATE_LIMITED with Retry-After; the right one works after the window', async () => {
    const peer = from('127.0.0.31');
    const api = (token: string) => peer(`${d.url}/api/v1/dns-providers`, { headers: { authorization: `Bearer ${token}` } });
    const limitedBefore = await metric(d, 'dns01_login_refusals_total', '{door="admin_api",reason="source_limited"}');
    const wrongBefore = await metric(d, 'dns01_login_refusals_total', '{door="admin_api",reason="wrong_credential"}');
    for (let i = 0; i < 10; i++) expect((await api(`wrong-token-${i}`)).status).toBe(403);
    // The 11th is refused before its token is looked at: the right token too, or the refusal would tell a guesser when it guessed right.
    for (const token of ['wrong-token-10', d.adminToken]) {
      const res = await api(token);
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('60');
      expect(await res.json()).toMatchObject({ success: false, error: { code: 'AUTH_RATE_LIMITED', details: { retry_after_seconds: 60 } } });
    }
    // Another address is not slowed down by this one's failures.
    expect((await from('127.0.0.32')(`${d.url}/api/v1/dns-providers`, { headers: { authorization: `Bearer ${d.adminToken}` } })).status).toBe(200);
    expect(await metric(d, 'dns01_login_refusals_total', '{door="admin_api",reason="source_limited"}')).toBe(limitedBefore + 2);
    expect(await metric(d, 'dns01_login_refusals_total', '{door="admin_api",reason="wrong_credential"}')).toBe(wrongBefore + 10);
    expect(logLines(d, 'too many failed logins: locked out').some((l) => l.ip === '127.0.0.31' && l.door === 'admin_api' && l.seconds === 60)).toBe(true);
    expect((await auditEvents(d, 'auth.lockout')).some((e) => e.sourceIp === '127.0.0.31' && e.details.scope === 'source')).toBe(true);

    now += MINUTE;
    expect((await api(d.adminToken)).status).toBe(200);
    // Ten more wrong tokens: this lock-out lasts twice as long.
    for (let i = 0; i < 10; i++) expect((await api(`wrong-again-${i}`)).status).toBe(403);
    const again = await api(d.adminToken);
    expect(again.status).toBe(429);
    expect(again.headers.get('retry-after')).toBe('120');
    now += 2 * MINUTE;
    expect((await api(d.adminToken)).status).toBe(200);
  });

  it('operator page: the 11th wrong token is 429 with Retry-After on the login page; the page and the API share one count', async () => {
    const peer = from('127.0.0.41');
    for (let i = 0; i < 5; i++) expect((await peer(`${d.url}/ui/login`, uiLogin(`wrong-${i}`))).status).toBe(401);
    for (let i = 0; i < 5; i++) expect((await peer(`${d.url}/api/v1/sites`, { headers: { authorization: `Bearer wrong-${i}` } })).status).toBe(403);
    const limited = await peer(`${d.url}/ui/login`, uiLogin(d.adminToken));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('60');
    expect(limited.headers.get('set-cookie')).toBeNull();
    expect(await limited.text()).toContain('Too many failed logins from this address; try again in 60 s.');
    now += MINUTE;
    const ok = await peer(`${d.url}/ui/login`, uiLogin(d.adminToken));
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/ui/challenges');
    expect(ok.headers.get('set-cookie')).toMatch(/^dns01_ui=/);
  });

  describe('acme-dns update', () => {
    let account: { username: string; password: string; subdomain: string };
    const update = (peer: FetchFrom, username: string, key: string, seed: string) => peer(`${d.url}/acme-dns/update`, {
      method: 'POST', headers: { 'x-api-user': username, 'x-api-key': key, 'content-type': 'application/json' },
      body: JSON.stringify({ subdomain: account.subdomain, txt: txtValue(seed) }),
    });
    const peerUpdate = (peer: FetchFrom, a: typeof account) => peer(`${d.url}/acme-dns/update`, {
      method: 'POST', headers: { 'x-api-user': a.username, 'x-api-key': a.password }, body: JSON.stringify({ subdomain: a.subdomain, txt: txtValue(a.username) }),
    });
    const wrongKey = (i: number) => `${String(i).padStart(2, '0')}${'w'.repeat(38)}`;

    beforeAll(async () => {
      const res = await fetch(`${d.url}/acme-dns/register`, { method: 'POST', headers: { authorization: `Bearer ${d.adminToken}` } });
      expect(res.status).toBe(201);
      account = (await res.json()) as typeof account;
    });

    it('the 11th wrong key in a minute is 429 {"error": "auth_rate_limited"} with Retry-After; the right key works after the window', async () => {
      const peer = from('127.0.0.51');
      for (let i = 0; i < 10; i++) {
        const res = await update(peer, account.username, wrongKey(i), `wrong-${i}`);
        expect(res.status).toBe(401);
        expect(await res.json()).toEqual({ error: 'forbidden' });
      }
      const limited = await update(peer, account.username, account.password, 'limited');
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('60');
      expect(await limited.json()).toEqual({ error: 'auth_rate_limited' });
      now += MINUTE;
      const ok = await update(peer, account.username, account.password, 'after the window');
      expect(ok.status, await ok.clone().text()).toBe(200);
      expect(await ok.json()).toEqual({ txt: txtValue('after the window') });
      expect(await metric(d, 'dns01_login_refusals_total', '{door="acme_dns",reason="source_limited"}')).toBe(1);
    });

    it('each wrong key, unknown user and refused address is in the audit log with the peer and the account', async () => {
      const peer = from('127.0.0.52');
      expect((await update(peer, account.username, wrongKey(1), 'audit-wrong')).status).toBe(401);
      expect((await update(peer, '00000000-0000-4000-8000-000000000000', account.password, 'audit-unknown')).status).toBe(401);
      const failed = (await auditEvents(d, 'auth.failed')).filter((e) => e.details.api === 'acme-dns' && e.sourceIp === '127.0.0.52');
      expect(failed.map((e) => [e.actor, e.outcome, e.resourceType, e.resourceId, e.details.reason, e.details.code])).toEqual([
        ['anonymous', 'denied', 'acme_dns_account', account.username, 'unknown user or wrong key', 'UNAUTHORIZED'],
        ['anonymous', 'denied', 'acme_dns_account', '00000000-0000-4000-8000-000000000000', 'unknown user or wrong key', 'UNAUTHORIZED'],
      ]);
      expect(JSON.stringify(failed)).not.toContain(account.password);

      const fenced = (await (await fetch(`${d.url}/acme-dns/register`, {
        method: 'POST', headers: { authorization: `Bearer ${d.adminToken}` }, body: JSON.stringify({ allowfrom: ['10.0.0.0/8'] }),
      })).json()) as typeof account;
      const res = await peer(`${d.url}/acme-dns/update`, {
        method: 'POST', headers: { 'x-api-user': fenced.username, 'x-api-key': fenced.password }, body: JSON.stringify({ subdomain: fenced.subdomain, txt: txtValue('fenced') }),
      });
      expect(res.status).toBe(401);
      const refused = (await auditEvents(d, 'acme_dns.refused')).filter((e) => e.resourceId === fenced.username);
      expect(refused).toHaveLength(1);
      expect(refused[0]).toMatchObject({ category: 'auth', outcome: 'denied', sourceIp: '127.0.0.52', details: { api: 'acme-dns', reason: 'address not in allowfrom' } });
    });

    it('400 concurrent unknown users from one address: ten are checked, the rest refused before any hashing', async () => {
      const peer = from('127.0.0.53');
      const answers = await Promise.all(Array.from({ length: 400 }, (_, i) =>
        update(peer, `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, wrongKey(i % 100), `flood-${i}`).then((r) => r.status)));
      expect(answers.filter((s) => s === 401)).toHaveLength(10);
      expect(answers.filter((s) => s === 429)).toHaveLength(390);
    });

    it('an account under attack from many addresses still takes its right key from an address that has not failed', async () => {
      const res = await fetch(`${d.url}/acme-dns/register`, { method: 'POST', headers: { authorization: `Bearer ${d.adminToken}` } });
      const target = (await res.json()) as typeof account;
      const attackers = Array.from({ length: 6 }, (_, i) => from(`127.0.1.${i + 1}`));
      // Under the per-address limit (10) from each of six addresses, 50 in all: the account's limit.
      for (const [n, peer] of attackers.entries()) {
        for (let i = 0; i < (n < 5 ? 9 : 5); i++) expect((await update(peer, target.username, wrongKey(i), 'spray')).status).toBe(401);
      }
      const byAttacker = await update(attackers[0]!, target.username, target.password, 'attacker');
      expect(byAttacker.status).toBe(429);
      expect(byAttacker.headers.get('retry-after')).toBe('60');
      expect(await metric(d, 'dns01_login_refusals_total', '{door="acme_dns",reason="account_limited"}')).toBe(1);
      const owner = await peerUpdate(from('127.0.1.100'), target);
      expect(owner.status, await owner.clone().text()).toBe(200);
    });
  });
});
