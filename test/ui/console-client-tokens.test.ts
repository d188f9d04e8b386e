// The console's client tokens view in real headless Chromium against a running daemon: create with a TSIG key (the
// token and the secret shown once, in the POST's own page: never in the list, an address, the logs or the audit log),
// a new TSIG secret (shown once the same way), the key's removal, revoke; managed rows read-only; a refused form; a
// hostile name shown as text; the form posted with JavaScript disabled; axe-core and screenshots.
import { mkdirSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientTokens, securityAudits } from '../../src/db/schema.js';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { requireBinary } from '../support/proc.js';
import { axe, openConsole, watch, type OpenOptions } from './browser.js';

const SHOTS = '/tmp/console-shots';
const XSS = '<img src=x onerror=alert(1)>';
const NOBODY = '00000000-0000-4000-8000-000000000000';

describe('console: client tokens', () => {
  let d: TestDaemon;
  let browser: Browser;
  let manual: string;
  const w = watch();

  beforeAll(async () => {
    const executablePath = requireBinary('/usr/bin/chromium', 'chromium');
    mkdirSync(SHOTS, { recursive: true });
    d = await startTestDaemon();
    manual = await d.addProvider({ name: 'by hand', provider_type: 'manual', credentials: { timeout_minutes: 10 } });
    await d.addProvider({ name: 'other', provider_type: 'manual', credentials: { timeout_minutes: 10 } });
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  }, 120_000);
  afterAll(async () => {
    for (const c of w.contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await d?.stop();
  });

  const open = (opts: { phone?: boolean } & OpenOptions = {}) => openConsole(browser, d, w, { ...opts, ...(opts.phone ? { viewport: { width: 375, height: 740 } } : {}) });

  /** The page scanned and screenshotted; at phone width it must not scroll sideways. */
  async function shoot(page: Page, name: string, phone: boolean): Promise<void> {
    await axe(page);
    if (phone) expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `${name} scrolls sideways at 375 px`).toBe(true);
    await page.screenshot({ path: `${SHOTS}/${name}-${phone ? 'phone' : 'desktop'}.png`, fullPage: true });
  }

  /** The token works on the internal API: an unknown challenge is "not found" to it, "unauthorized" once revoked. */
  const tokenStatus = async (token: string) => (await d.internal(`/${NOBODY}`, { method: 'GET', headers: { authorization: `Bearer ${token}` } })).status;

  /** Every audit row of these actions, once the writer has caught up (it writes about a second after the step). */
  async function auditRows(action: string, count: number) {
    let rows: (typeof securityAudits.$inferSelect)[] = [];
    await expect.poll(async () => {
      rows = await d.daemon.database.db.select().from(securityAudits).where(eq(securityAudits.action, action));
      return rows.length;
    }, { timeout: 15_000 }).toBeGreaterThanOrEqual(count);
    return rows;
  }

  it('lets nothing be read or changed without a session', async () => {
    const res = await fetch(`${d.url}/ui/client-tokens`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/ui/login?next=%2Fui%2Fclient-tokens');
    for (const path of ['/ui/client-tokens', `/ui/client-tokens/${NOBODY}/revoke`, `/ui/client-tokens/${NOBODY}/tsig-key`, `/ui/client-tokens/${NOBODY}/tsig-key/delete`]) {
      const post = await fetch(`${d.url}${path}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'csrf=x&name=sneaky&allowed_domains=a.test' });
      expect(post.status, path).toBe(303);
      expect(post.headers.get('location'), path).toBe('/ui/login');
    }
    expect(await d.api.clientTokens.list()).toEqual([]);
  });

  it('creates a token with a TSIG key without JavaScript: both shown once, nowhere else; then a new secret, the key removed, revoked', async () => {
    const page = await open({ javaScriptEnabled: false });
    await page.goto('/ui/client-tokens');
    expect(await page.locator('main').textContent()).toContain('No client token yet.');
    await page.getByLabel('Name').fill('ci-runner');
    await page.getByLabel('Domains').fill('ci.example.com\n*.ci.example.com');
    await page.getByLabel('Networks (optional)').fill('127.0.0.0/8, 10.0.0.0/8');
    await page.getByLabel('by hand (manual)').check();
    await page.getByLabel('Expires (UTC, optional)').fill('2099-01-02T03:04');
    await page.getByLabel('TSIG key for the DNS UPDATE door (optional)').selectOption('hmac-sha256');
    const [created] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/ui/client-tokens'),
      page.getByRole('button', { name: 'Create client token' }).click(),
    ]);
    expect(created.status()).toBe(201);
    expect(created.headers()['cache-control']).toBe('no-store');
    // The result is the POST's own page: no redirect, so the secret was never in an address.
    expect(new URL(page.url()).pathname).toBe('/ui/client-tokens');
    expect(new URL(page.url()).search).toBe('');
    expect(await page.getByRole('alert').textContent()).toContain('Shown once.');
    const token = await page.getByRole('textbox', { name: 'Token', exact: true }).inputValue();
    const secret = await page.getByRole('textbox', { name: 'TSIG secret (base64)' }).inputValue();
    expect(token).toMatch(/^dns01ct_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(secret, 'base64')).toHaveLength(32);
    expect(await page.getByRole('textbox', { name: 'TSIG key for nsupdate -k or named.conf' }).inputValue()).toBe(`key "ci-runner.dns01-proxy." {\n  algorithm hmac-sha256;\n  secret "${secret}";\n};`);
    expect(await page.getByRole('textbox', { name: 'Token', exact: true }).getAttribute('readonly')).not.toBeNull();
    expect(await tokenStatus(token)).toBe(404);

    const [row] = await d.api.clientTokens.list();
    expect(row).toMatchObject({
      name: 'ci-runner', state: 'active', allowed_domains: ['*.ci.example.com', 'ci.example.com'], allowed_cidrs: ['127.0.0.0/8', '10.0.0.0/8'],
      providers: [manual], expires_at: '2099-01-02T03:04:00.000Z', managed_by: null, tsig_key: { name: 'ci-runner.dns01-proxy.', algorithm: 'hmac-sha256' },
    });

    // Back to the list, reloaded, and the browser's back: the secrets are never there again.
    await page.getByRole('link', { name: 'Back to the client tokens' }).click();
    await page.reload();
    const list = await page.content();
    expect(list).not.toContain(token);
    expect(list).not.toContain(secret);
    const tr = page.locator('tr', { hasText: 'ci-runner' });
    for (const text of ['active', 'ci.example.com', '127.0.0.0/8, 10.0.0.0/8', 'by hand', '2099-01-02 03:04:00 UTC', 'the API', 'ci-runner.dns01-proxy.', 'hmac-sha256']) expect(await tr.textContent(), text).toContain(text);
    await page.goBack().catch(() => undefined);
    expect(await page.content()).not.toContain(secret);
    expect(await page.content()).not.toContain(token);

    // A new TSIG secret: shown once the same way; the old one is gone.
    await page.goto('/ui/client-tokens');
    const [rotated] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/tsig-key')),
      page.getByRole('button', { name: 'New TSIG secret: ci-runner' }).click(),
    ]);
    expect(rotated.status()).toBe(200);
    expect(rotated.headers()['cache-control']).toBe('no-store');
    expect(await page.getByRole('alert').textContent()).toContain('The old secret stopped working just now.');
    const secret2 = await page.getByRole('textbox', { name: 'TSIG secret (base64)' }).inputValue();
    expect(secret2).not.toBe(secret);
    expect(Buffer.from(secret2, 'base64')).toHaveLength(32);
    expect(await page.getByRole('textbox', { name: 'Token', exact: true }).count()).toBe(0);
    await page.goto('/ui/client-tokens');
    expect(await page.content()).not.toContain(secret2);

    // Removing the key, then revoking the token.
    await page.getByRole('button', { name: 'Remove TSIG key: ci-runner' }).click();
    await page.waitForURL('**/ui/client-tokens?result=tsig_deleted');
    expect(await page.getByRole('status').textContent()).toContain('TSIG key removed');
    expect(await tr.textContent()).toContain('none');
    expect((await d.api.clientTokens.list())[0]!.tsig_key).toBeNull();
    await page.getByRole('button', { name: 'Revoke: ci-runner' }).click();
    await page.waitForURL('**/ui/client-tokens?result=revoked');
    expect(await tr.textContent()).toContain('revoked');
    expect(await tr.getByRole('button').count()).toBe(0);
    expect(await tokenStatus(token)).toBe(401);

    // The audit log has each action, marked as the console's, and no secret; nor do the daemon's logs.
    const rows = [
      ...(await auditRows('client_token.create', 1)), ...(await auditRows('client_token.tsig_rotate', 1)),
      ...(await auditRows('client_token.tsig_delete', 1)), ...(await auditRows('client_token.revoke', 1)),
    ];
    for (const r of rows) expect(r).toMatchObject({ outcome: 'success', resourceType: 'client_token', resourceId: row!.id, details: { api: 'ui', name: 'ci-runner' } });
    expect(rows[0]!.details).toMatchObject({ door_name: 'ci-runner.dns01-proxy.', algorithm: 'hmac-sha256', allowed_domains: ['*.ci.example.com', 'ci.example.com'] });
    expect(rows[1]!.details).toMatchObject({ created: false });
    for (const s of [token, secret, secret2, token.slice(8)]) {
      expect(JSON.stringify(rows)).not.toContain(s);
      expect(d.logs()).not.toContain(s);
    }
  });

  it('shows a refused form with the API\'s error, keeps the values as text; a hostile domain in the list is inert', async () => {
    const page = await open();
    await page.goto('/ui/client-tokens');
    await page.getByLabel('Name').fill(XSS);
    await page.getByLabel('Domains').fill('bad.example.com');
    await page.getByLabel('other (manual)').check();
    await page.getByRole('button', { name: 'Create client token' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('VALIDATION_ERROR');
    expect(await page.getByRole('alert').textContent()).toContain('name');
    expect(await page.getByLabel('Name').inputValue()).toBe(XSS);
    expect(await page.getByLabel('other (manual)').isChecked()).toBe(true);
    expect(await page.getByLabel('by hand (manual)').isChecked()).toBe(false);
    expect(await page.locator('main').textContent()).not.toContain('dns01ct_');

    // Past expiry: the store's own refusal.
    await page.getByLabel('Name').fill('late');
    await page.getByLabel('Expires (UTC, optional)').fill('2001-01-01T00:00');
    await page.getByRole('button', { name: 'Create client token' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('expires_at is in the past');

    // The API refuses such names; a domain written into the row shows how the list renders stored text.
    const { client_token: t } = await d.api.clientTokens.create({ name: 'hostile', allowed_domains: ['x.example.com'] });
    await d.daemon.database.db.update(clientTokens).set({ allowedDomains: [XSS, `"><script>alert(2)</script>`] }).where(eq(clientTokens.id, t.id));
    await page.goto('/ui/client-tokens');
    expect(await page.locator('tr', { hasText: 'hostile' }).textContent()).toContain(`${XSS}, "><script>alert(2)</script>`);
    expect(await page.locator('main img').count()).toBe(0);
    expect(w.dialogs).toEqual([]);
    expect(w.cspViolations).toEqual([]);
    await d.api.clientTokens.revoke(t.id);
  });

  it('shows config-file and Caddy-sync tokens read-only with the reason, and refuses a change to them', async () => {
    const a = (await d.api.clientTokens.create({ name: 'declared', allowed_domains: ['d.example.com'], tsig_algorithm: 'hmac-sha512' })).client_token;
    const b = (await d.api.clientTokens.create({ name: 'caddy', allowed_domains: ['c.example.com'] })).client_token;
    await d.daemon.database.db.update(clientTokens).set({ managedBy: '/etc/dns01-proxy/config.yaml' }).where(eq(clientTokens.id, a.id));
    await d.daemon.database.db.update(clientTokens).set({ managedBy: 'caddy-sync' }).where(eq(clientTokens.id, b.id));
    const page = await open();
    await page.goto('/ui/client-tokens');
    const ra = page.locator('tr', { hasText: 'declared' });
    expect(await ra.textContent()).toContain('read-only: declared in the config file /etc/dns01-proxy/config.yaml');
    expect(await ra.getByRole('button').count()).toBe(0);
    const rb = page.locator('tr', { hasText: 'caddy-sync' });
    expect(await rb.textContent()).toContain('the Caddy sync\'s own token');
    expect(await rb.getByRole('button').count()).toBe(0);
    // A post made anyway (with the page's CSRF token) is refused by the store, shown with the API's code.
    const csrf = await page.locator('input[name=csrf]').first().inputValue();
    for (const [id, step, code] of [[a.id, 'revoke', 'MANAGED_BY_CONFIG'], [a.id, 'tsig-key', 'MANAGED_BY_CONFIG'], [b.id, 'revoke', 'MANAGED_BY_DAEMON'], [a.id, 'tsig-key/delete', 'MANAGED_BY_CONFIG']] as const) {
      const res = await page.request.post(`/ui/client-tokens/${id}/${step}`, { form: { csrf }, headers: { origin: d.url } });
      expect(res.status(), step).toBe(409);
      expect(await res.text(), step).toContain(code);
    }
    expect((await d.api.clientTokens.get(a.id))).toMatchObject({ state: 'active', tsig_key: { algorithm: 'hmac-sha512' } });
    expect((await d.api.clientTokens.get(b.id)).state).toBe('active');
  });

  it('passes axe-core and fits a phone: the list and the shown-once page', async () => {
    for (const phone of [false, true]) {
      const page = await open({ phone });
      await page.goto('/ui/client-tokens');
      await page.getByLabel('Name').fill(`shot-${phone ? 'phone' : 'desktop'}`);
      await page.getByLabel('Domains').fill('shot.example.com');
      await page.getByLabel('TSIG key for the DNS UPDATE door (optional)').selectOption('hmac-sha512');
      await page.getByRole('button', { name: 'Create client token' }).click();
      await page.getByRole('textbox', { name: 'TSIG secret (base64)' }).waitFor();
      // With JavaScript the copy buttons appear.
      expect(await page.getByRole('button', { name: 'Copy token' }).isVisible()).toBe(true);
      await shoot(page, 'client-token-created', phone);
      await page.goto('/ui/client-tokens');
      await shoot(page, 'client-tokens', phone);
      await page.context().close();
    }
    expect(w.dialogs).toEqual([]);
    expect(w.cspViolations).toEqual([]);
  });
});
