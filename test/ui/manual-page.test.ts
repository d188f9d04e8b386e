// The manual challenge page in real headless Chromium against a real BIND: login, copy, countdown, verify, expiry, cancel, phone.
import { mkdirSync } from 'node:fs';
import { eq, sql } from 'drizzle-orm';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { challenges } from '../../src/db/schema.js';
import { startBind, type RunningDnsServer } from '../support/dns-servers/index.js';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { nsupdate } from '../support/nsupdate.js';
import { requireBinary } from '../support/proc.js';
import { openConsole, watch, type OpenOptions } from './browser.js';

const ZONE = 'page.test';
const SHOTS = 'test-results/screenshots';

describe('manual challenge page in Chromium', () => {
  let bind: RunningDnsServer;
  let d: TestDaemon;
  let browser: Browser;
  let provider: string;
  const w = watch();

  beforeAll(async () => {
    const executablePath = requireBinary('/usr/bin/chromium', 'chromium');
    mkdirSync(SHOTS, { recursive: true });
    bind = await startBind({ zones: [ZONE], tsigKeys: [], allowUnsignedLocal: true });
    d = await startTestDaemon({ env: { DNS01_DNS_RESOLVERS: `127.0.0.1:${bind.port}`, DNS01_DNS_AUTH_PORT: String(bind.port) } });
    provider = await d.addProvider({ name: 'by hand', provider_type: 'manual', credentials: { timeout_minutes: 10, instructions: 'Zone editor: Domains › page.test › DNS.' } });
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    for (const c of w.contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await d?.stop();
    await bind?.stop();
  });

  const create = async (name: string) => {
    const fqdn = `_acme-challenge.${name}.${ZONE}`;
    const value = txtValue(`page-${name}`);
    const res = await d.internal('/create', { body: { provider_id: provider, fqdn, value } });
    expect(res.status).toBe(201);
    return { id: ((await res.json()) as { challenge_id: string }).challenge_id, fqdn, value };
  };
  const row = async (id: string) => (await d.daemon.database.db.select().from(challenges).where(eq(challenges.id, id)))[0]!;

  const open = (opts: OpenOptions = {}) => openConsole(browser, d, w, opts);
  const seconds = (text: string | null) => {
    const [m, s] = (text ?? '').split(':').map(Number);
    return m! * 60 + s!;
  };

  it('logs in with the admin token into an HttpOnly SameSite=Strict cookie that is not the token', async () => {
    const page = await open({ login: false });
    await page.goto('/ui/challenges');
    expect(new URL(page.url()).pathname).toBe('/ui/login');
    await page.getByLabel('Admin token').fill('not-the-token');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not the admin token');
    await page.screenshot({ path: `${SHOTS}/login-refused.png` });
    await page.getByLabel('Admin token').fill(d.adminToken);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL('**/ui/challenges');
    const cookies = await page.context().cookies();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ name: 'dns01_ui', httpOnly: true, sameSite: 'Strict', path: '/ui' });
    expect(cookies[0]!.value).not.toContain(d.adminToken);
    expect(d.logs()).not.toContain(d.adminToken.slice(4));
    const res = await page.request.get('/ui/challenges');
    expect(res.headers()['content-security-policy']).toMatch(/^default-src 'none'; style-src 'sha256-[^']+'; script-src 'sha256-[^']+'; connect-src 'self'/);
  });

  it('lists pending challenges and shows name, type, value and TTL, each copied by its button', async () => {
    const c = await create('copy');
    const page = await open();
    await page.goto('/ui/challenges');
    const link = page.getByRole('link', { name: c.fqdn });
    await expect.poll(() => link.count()).toBe(1);
    await page.screenshot({ path: `${SHOTS}/list.png`, fullPage: true });
    await link.click();
    await page.waitForURL(`**/ui/challenges/${c.id}`);
    expect(await page.getByLabel('Record name', { exact: true }).inputValue()).toBe(c.fqdn);
    expect(await page.getByLabel('Record value', { exact: true }).inputValue()).toBe(c.value);
    expect(await page.locator('#record-type').textContent()).toBe('TXT');
    expect(await page.locator('#record-ttl').textContent()).toBe('60 seconds');
    expect(await page.getByText('Zone editor: Domains › page.test › DNS.').count()).toBe(1);
    await page.getByRole('button', { name: 'Copy record name' }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(c.fqdn);
    await expect.poll(() => page.locator('#announce').textContent()).toBe('Copy record name: copied');
    // Keyboard: from the value field, Tab reaches its copy button and Enter copies.
    await page.getByLabel('Record value', { exact: true }).focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Copy record value');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(c.value);
    await page.screenshot({ path: `${SHOTS}/challenge-copied.png`, fullPage: true });
    expect(w.cspViolations).toEqual([]);
  });

  it('counts down, and a reload keeps the remaining time the server holds', async () => {
    const c = await create('countdown');
    await d.daemon.database.db.update(challenges).set({ expiresAt: sql`now() + interval '7 minutes'` }).where(eq(challenges.id, c.id));
    const expiresAt = (await row(c.id)).expiresAt.getTime();
    const page = await open();
    await page.goto(`/ui/challenges/${c.id}`);
    // Text and bar read together, so a tick can never fall between them.
    const read = () => page.evaluate(() => ({
      text: document.getElementById('remaining')!.textContent,
      bar: (document.getElementById('progress') as HTMLProgressElement).value,
    }));
    const first = await read();
    await expect.poll(async () => seconds((await read()).text), { timeout: 10_000 }).toBeLessThan(seconds(first.text));
    expect((await read()).bar).toBeLessThan(first.bar);

    const before = Date.now();
    await page.reload();
    const shown = seconds(await page.locator('#remaining').textContent());
    const after = Date.now();
    // Shown rounded up to whole seconds, counted from the server's own clock at render time.
    expect(shown).toBeLessThanOrEqual(Math.ceil((expiresAt - before) / 1000) + 1);
    expect(shown).toBeGreaterThanOrEqual(Math.floor((expiresAt - after) / 1000) - 1);
    expect(shown).toBeLessThanOrEqual(7 * 60);
    await page.screenshot({ path: `${SHOTS}/countdown.png`, fullPage: true });
  });

  it('"verify" says not yet, then verified once the record is in the authoritative server', async () => {
    const c = await create('verify');
    const page = await open();
    await page.goto(`/ui/challenges/${c.id}`);
    await page.getByRole('button', { name: 'Check DNS now' }).click();
    await expect.poll(() => page.locator('.notice[role=status]').textContent()).toContain('Seen on 0/1 authoritative servers');
    expect(new URL(page.url()).pathname).toBe(`/ui/challenges/${c.id}`);
    expect(await page.locator('#last-check').textContent()).toMatch(/^\d\d:\d\d:\d\d UTC$/);
    await page.getByRole('button', { name: "I've created the record – verify" }).click();
    await expect.poll(() => page.locator('.notice[role=status]').textContent()).toContain('Not there yet');
    await page.screenshot({ path: `${SHOTS}/verify-not-yet.png`, fullPage: true });
    expect((await row(c.id)).status).toBe('PENDING');

    await nsupdate(bind.port, ZONE, 'add', c.fqdn, c.value);
    await page.getByRole('button', { name: "I've created the record – verify" }).click();
    await expect.poll(() => page.locator('#status-text').textContent()).toBe('verified');
    expect(await page.locator('.notice[role=status]').textContent()).toContain('Verified');
    expect(await page.getByRole('button', { name: "I've created the record – verify" }).count()).toBe(0);
    expect((await row(c.id)).status).toBe('VERIFYING');
    await page.screenshot({ path: `${SHOTS}/verified.png`, fullPage: true });
  });

  it('picks up a change made elsewhere through its 10-second status poll', async () => {
    const c = await create('polled');
    const page = await open();
    await page.goto(`/ui/challenges/${c.id}`);
    expect(await page.locator('#status-text').textContent()).toBe('waiting for the record');
    await nsupdate(bind.port, ZONE, 'add', c.fqdn, c.value);
    const res = await d.admin(`/dns-providers/${provider}/manual-challenge/${c.id}/verify`, { method: 'POST' });
    expect(((await res.json()) as { dns_found: boolean }).dns_found).toBe(true);
    await expect.poll(() => page.locator('#status-text').textContent(), { timeout: 30_000 }).toBe('verified');
  });

  it('shows the expiry when the time runs out', async () => {
    const c = await create('expiry');
    await d.daemon.database.db.update(challenges).set({ expiresAt: sql`now() + interval '4 seconds'` }).where(eq(challenges.id, c.id));
    const page = await open();
    await page.goto(`/ui/challenges/${c.id}`);
    expect(await page.locator('#status-text').textContent()).toBe('waiting for the record');
    await expect.poll(() => page.locator('#status-text').textContent(), { timeout: 30_000 }).toBe('expired');
    expect(await page.locator('#remaining').textContent()).toBe('0:00');
    expect(await page.locator('#status').textContent()).toMatch(/Expired at \d\d:\d\d:\d\d UTC/);
    expect(await page.getByRole('button', { name: 'Check DNS now' }).count()).toBe(0);
    await page.screenshot({ path: `${SHOTS}/expired.png`, fullPage: true });
  });

  it('cancels: the page says so and the list shows it DELETED', async () => {
    const c = await create('cancel');
    const page = await open();
    await page.goto(`/ui/challenges/${c.id}`);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.waitForURL(`**/ui/challenges/${c.id}?result=cancelled`);
    expect(await page.locator('.notice[role=status]').textContent()).toContain('Challenge cancelled');
    expect(await page.locator('#status-text').textContent()).toBe('cancelled');
    expect((await row(c.id)).status).toBe('DELETED');
    await page.goto('/ui/challenges?status=DELETED');
    expect(await page.getByRole('link', { name: c.fqdn }).count()).toBe(1);
    await page.screenshot({ path: `${SHOTS}/cancelled.png`, fullPage: true });
  });

  it('fits a phone: no sideways scrolling, full-width buttons', async () => {
    const c = await create('phone');
    const page = await open({ viewport: { width: 375, height: 740 } });
    await page.goto(`/ui/challenges/${c.id}`);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    const verify = await page.getByRole('button', { name: "I've created the record – verify" }).boundingBox();
    expect(verify!.width).toBeGreaterThan(375 * 0.8);
    expect(await page.locator('meta[name=viewport]').getAttribute('content')).toContain('width=device-width');
    await page.screenshot({ path: `${SHOTS}/phone.png`, fullPage: true });
  });

  it('works without JavaScript: plain form posts verify and cancel', async () => {
    const c = await create('nojs');
    const page = await open({ javaScriptEnabled: false });
    await page.goto(`/ui/challenges/${c.id}`);
    expect(await page.getByRole('button', { name: 'Copy record name' }).isVisible()).toBe(false);
    await nsupdate(bind.port, ZONE, 'add', c.fqdn, c.value);
    await page.getByRole('button', { name: "I've created the record – verify" }).click();
    await page.waitForURL(`**/ui/challenges/${c.id}?result=verified**`);
    expect(await page.locator('#status-text').textContent()).toBe('verified');
    await page.screenshot({ path: `${SHOTS}/nojs-verified.png`, fullPage: true });

    const other = await create('nojs-cancel');
    await page.goto(`/ui/challenges/${other.id}`);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.waitForURL(`**/ui/challenges/${other.id}?result=cancelled`);
    expect((await row(other.id)).status).toBe('DELETED');
  });

  it('meets WCAG AA contrast for every piece of text on the challenge page', async () => {
    const c = await create('contrast');
    const page = await open();
    await page.goto(`/ui/challenges/${c.id}?result=not_found`);
    // Each visible text element's colour against the first opaque background behind it (WCAG 2 relative luminance).
    const worst = await page.evaluate(() => {
      const rgb = (s: string) => (s.match(/[\d.]+/g) ?? []).map(Number);
      const lum = ([r, g, b]: number[]) => {
        const f = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
        return 0.2126 * f(r!) + 0.7152 * f(g!) + 0.0722 * f(b!);
      };
      const background = (el: Element | null): number[] => {
        for (; el; el = el.parentElement) {
          const c = rgb(getComputedStyle(el).backgroundColor);
          if (c.length === 3 || c[3] === 1) return c.slice(0, 3);
        }
        return [255, 255, 255];
      };
      const results: { text: string; ratio: number }[] = [];
      for (const el of document.querySelectorAll('body *')) {
        const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent!.trim() !== '');
        if (!own && !(el instanceof HTMLTextAreaElement)) continue;
        if ((el as HTMLElement).offsetParent === null && el.tagName !== 'BODY') continue;
        const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(background(el))];
        results.push({ text: (el.textContent ?? '').trim().slice(0, 40), ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05) });
      }
      return results.sort((x, y) => x.ratio - y.ratio).slice(0, 3);
    });
    expect(worst.length).toBeGreaterThan(0);
    expect(worst[0]!.ratio, JSON.stringify(worst)).toBeGreaterThanOrEqual(4.5);
  });

  it('refuses cross-site and token-less posts, and logout ends the session', async () => {
    const c = await create('csrf');
    const page = await open();
    const cookie = (await page.context().cookies())[0]!;
    const headers = { cookie: `${cookie.name}=${cookie.value}`, 'content-type': 'application/x-www-form-urlencoded' };
    const csrf = await page.goto(`/ui/challenges/${c.id}`).then(() => page.locator('form[action$="/cancel"] input[name=csrf]').inputValue());
    const post = (extra: Record<string, string>, body: string) => fetch(`${d.url}/ui/challenges/${c.id}/cancel`, { method: 'POST', redirect: 'manual', headers: { ...headers, ...extra }, body });
    expect((await post({ origin: 'https://evil.example' }, `csrf=${csrf}`)).status).toBe(403);
    expect((await post({ 'sec-fetch-site': 'cross-site' }, `csrf=${csrf}`)).status).toBe(403);
    expect((await post({ origin: d.url }, 'csrf=forged')).status).toBe(403);
    expect((await post({ origin: d.url }, '')).status).toBe(403);
    expect((await row(c.id)).status).toBe('PENDING');
    const missing = await fetch(`${d.url}/ui/challenges/00000000-0000-4000-8000-000000000000`, { headers: { cookie: headers.cookie } });
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('no challenge with that id');

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL('**/ui/login');
    const stale = await fetch(`${d.url}/ui/challenges`, { redirect: 'manual', headers: { cookie: `${cookie.name}=${cookie.value}` } });
    expect(stale.status).toBe(303);
    expect(stale.headers.get('location')).toBe('/ui/login?next=%2Fui%2Fchallenges');
    const poll = await fetch(`${d.url}/ui/challenges/${c.id}/poll`, { headers: { cookie: `${cookie.name}=${cookie.value}` } });
    expect(poll.status).toBe(401);
  });
});
