// The console's plugins view in real headless Chromium against a daemon that loads plugins from an allow-listed
// directory (test/support/plugins.ts): the committed PowerDNS module, a module whose display name and author are
// markup, and a module on no allow-list (refused, with the reason). Enable, disable and reload work, without
// JavaScript too, and a refusal shows the API's code and message; the view passes axe-core at desktop and phone width.
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { pluginDir, POWERDNS_MODULE, type PluginDir } from '../support/plugins.js';
import { requireBinary } from '../support/proc.js';
import { axe, openConsole, watch, type OpenOptions } from './browser.js';

const SHOTS = '/tmp/console-shots';
const XSS = '<img src=x onerror=alert(1)>';
/** A loadable module whose display name and author are markup: the loader takes any non-empty string. */
const HOSTILE = `
export default function create(host) {
  return {
    metadata: { type: 'hostile', name: ${JSON.stringify(XSS)}, description: 'for tests', version: '1.2.3', author: ${JSON.stringify(`${XSS}<script>alert(2)</script>`)}, interfaceVersion: host.interfaceVersion },
    credentials: host.z.object({}),
    defaults: { propagationTimeout: 60, pollingInterval: 2, ttl: 60 },
    async present() { return { recordId: null }; },
    async cleanup() {},
  };
}
`;

interface AuditView { action: string; outcome: string; resource_id: string | null; details: Record<string, unknown> }

describe('console plugins view in Chromium', () => {
  let scratch: string;
  let plugins: PluginDir;
  let d: TestDaemon;
  let browser: Browser;
  let allowList: string;
  const w = watch();

  beforeAll(async () => {
    const executablePath = requireBinary('/usr/bin/chromium', 'chromium');
    mkdirSync(SHOTS, { recursive: true });
    scratch = await mkdtemp(join(tmpdir(), 'dns01-ui-plugins-'));
    await writeFile(join(scratch, 'hostile.mjs'), HOSTILE);
    plugins = await pluginDir([POWERDNS_MODULE, join(scratch, 'hostile.mjs')]);
    // In the directory, on no allow-list: refused with the reason.
    await writeFile(join(plugins.dir, 'stray.mjs'), HOSTILE, { mode: 0o600 });
    await chmod(join(plugins.dir, 'stray.mjs'), 0o600);
    allowList = plugins.env.DNS01_PLUGINS_CONFIG!;
    d = await startTestDaemon({ env: plugins.env, audit: { flushIntervalMs: 20 } });
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  }, 120_000);
  afterAll(async () => {
    for (const c of w.contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await d?.stop();
    await plugins?.remove();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  const open = (opts: { phone?: boolean } & OpenOptions = {}) => openConsole(browser, d, w, { ...opts, ...(opts.phone ? { viewport: { width: 375, height: 740 } } : {}) });

  async function events(action: string): Promise<AuditView[]> {
    await d.daemon.audit!.flush();
    const res = await d.admin(`/audit-logs?${new URLSearchParams({ action, limit: '50' })}`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { audit_logs: AuditView[] }).audit_logs;
  }

  const row = (page: Page, name: string) => page.locator('tr', { has: page.locator('td[data-label="Plugin"]', { hasText: name }) });

  it('lists every type: the shipped ones, the loaded ones and a refused one with its reason; hostile names stay text', async () => {
    for (const phone of [false, true]) {
      const page = await open({ phone });
      const res = await page.goto('/ui/plugins');
      expect(res?.status()).toBe(200);
      await expect.poll(() => page.getByRole('link', { name: 'Plugins' }).getAttribute('aria-current')).toBe('page');
      const pdns = row(page, 'powerdns');
      await expect.poll(() => pdns.innerText()).toMatch(/enabled\s+loaded/);
      expect(await pdns.locator('td[data-label="Type"]').innerText()).toBe('powerdns');
      const stray = await row(page, 'stray').innerText();
      expect(stray).toContain('refused');
      expect(stray).toContain('Reason: stray.mjs is not on the allow-list (DNS01_PLUGINS_CONFIG)');
      const hostile = row(page, 'hostile');
      expect(await hostile.locator('td[data-label="Plugin"]').innerText()).toBe(`hostile\n${XSS}`);
      expect(await hostile.locator('td[data-label="Author"]').innerText()).toBe(`${XSS}<script>alert(2)</script>`);
      expect(await page.locator('img, main script').count()).toBe(0);
      const shipped = page.getByRole('table', { name: 'Types that ship with the daemon' });
      expect(await shipped.innerText()).toMatch(/webhook\s+Webhook\s+built in: the daemon writes the records/);
      expect(await shipped.innerText()).toMatch(/cloudflare\s+Cloudflare\s+built in: Caddy's module writes the records/);
      expect(await shipped.innerText()).not.toContain('powerdns');
      await axe(page);
      if (phone) expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), '/ui/plugins scrolls sideways at 375 px').toBe(true);
      await page.screenshot({ path: `${SHOTS}/plugins-${phone ? 'phone' : 'desktop'}.png`, fullPage: true });
      await page.context().close();
    }
    expect(w.dialogs).toEqual([]);
    expect(w.cspViolations).toEqual([]);
  });

  it('disable refused while a provider uses the type (code and message shown), then disable and enable without JavaScript', async () => {
    const provider = await d.addProvider({ name: 'on-pdns', provider_type: 'powerdns', credentials: { api_url: 'http://127.0.0.1:1', api_key: 'k' } });
    const shown = await open();
    await shown.goto('/ui/plugins');
    const refused = await Promise.all([shown.waitForResponse((r) => r.url().endsWith('/disable')), row(shown, 'powerdns').getByRole('button', { name: 'Disable plugin powerdns' }).click()]);
    expect(refused[0].status()).toBe(409);
    expect(await shown.getByRole('alert').innerText()).toBe('CONFLICT: plugin powerdns serves enabled providers: on-pdns; disable or move them first');
    await axe(shown);
    await shown.screenshot({ path: `${SHOTS}/plugins-refused-desktop.png`, fullPage: true });
    expect(await row(shown, 'powerdns').innerText()).toMatch(/enabled\s+loaded/);
    await shown.context().close();
    const [failed] = await events('plugin.disable');
    expect(failed).toMatchObject({ outcome: 'failure', details: { api: 'ui', code: 'CONFLICT' } });

    expect((await d.admin(`/dns-providers/${provider}`, { method: 'PUT', body: { enabled: false } })).status).toBe(200);
    // Without JavaScript: a plain form post and its redirect (axe needs scripts, so it ran on the page above).
    const page = await open({ javaScriptEnabled: false });
    await page.goto('/ui/plugins');
    await row(page, 'powerdns').getByRole('button', { name: 'Disable plugin powerdns' }).click();
    await page.waitForURL('**/ui/plugins?result=plugin_disabled');
    expect(await page.getByRole('status').innerText()).toBe('Plugin disabled.');
    expect(await row(page, 'powerdns').innerText()).toMatch(/disabled\s+disabled/);
    const [disabled] = await events('plugin.disable');
    expect(disabled).toMatchObject({ outcome: 'success', details: { api: 'ui', name: 'powerdns', enabled: false, status: 'disabled' } });
    expect(disabled!.resource_id).toMatch(/^[0-9a-f-]{36}$/);

    await row(page, 'powerdns').getByRole('button', { name: 'Enable plugin powerdns' }).click();
    await page.waitForURL('**/ui/plugins?result=plugin_enabled');
    expect(await row(page, 'powerdns').innerText()).toMatch(/enabled\s+loaded/);
    expect(await events('plugin.enable')).toMatchObject([{ outcome: 'success', details: { api: 'ui', name: 'powerdns', status: 'loaded' } }]);
    await page.context().close();
  });

  it('reload refused while the allow-list is unreadable (reason shown, loaded plugins unchanged), then reloads', async () => {
    const good = await readFile(allowList, 'utf8');
    await writeFile(allowList, 'plugins: [not, a, map\n');
    const page = await open();
    await page.goto('/ui/plugins');
    const [res] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/reload')), page.getByRole('button', { name: 'Reload plugins' }).click()]);
    expect(res.status()).toBe(400);
    expect(await page.getByRole('alert').innerText()).toMatch(/^VALIDATION_ERROR: \S/);
    expect(await row(page, 'powerdns').innerText()).toMatch(/enabled\s+loaded/);
    expect((await events('plugin.reload'))[0]).toMatchObject({ outcome: 'failure', details: { api: 'ui', code: 'VALIDATION_ERROR' } });

    await writeFile(allowList, good);
    await page.getByRole('button', { name: 'Reload plugins' }).click();
    await page.waitForURL('**/ui/plugins?result=plugins_reloaded');
    expect(await page.getByRole('status').innerText()).toContain('Plugins read again');
    expect((await events('plugin.reload'))[0]).toMatchObject({ outcome: 'success', details: { api: 'ui', plugins: 3, loaded: 2, error: 1 } });
    await page.context().close();
    expect(w.dialogs).toEqual([]);
  });
});
