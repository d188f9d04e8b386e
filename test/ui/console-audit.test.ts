// The console's audit log view in real headless Chromium against a running daemon: events made through the API are
// found with the filter form (JavaScript off), a bad filter shows the API's VALIDATION_ERROR above the kept form, the
// cursor pages, the export links download CSV / NDJSON that parse, and a hostile actor or detail is shown as text.
import { mkdirSync, readFileSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { securityAudits } from '../../src/db/schema.js';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { requireBinary } from '../support/proc.js';
import { axeViolations, closeAll, openConsole, PHONE, watch, type OpenOptions } from './browser.js';

const SHOTS = '/tmp/console-shots';
const XSS = '<img src=x onerror=alert(1)>';

describe('console audit log in Chromium', () => {
  let d: TestDaemon;
  let browser: Browser;
  let provider: string;
  const w = watch();

  /** Waits for the audit writer (it writes about a second after each step) to have stored `n` events matching `query`. */
  async function events(query: string, n = 1): Promise<{ id: string; action: string; resource_id: string | null }[]> {
    for (let i = 0; ; i++) {
      const res = await d.admin(`/audit-logs?${query}`);
      const list = ((await res.json()) as { audit_logs: { id: string; action: string; resource_id: string | null }[] }).audit_logs;
      if (list.length >= n || i > 100) return list;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  beforeAll(async () => {
    const executablePath = requireBinary('/usr/bin/chromium', 'chromium');
    mkdirSync(SHOTS, { recursive: true });
    d = await startTestDaemon();
    provider = await d.addProvider({ name: 'audited', provider_type: 'manual', credentials: { timeout_minutes: 10 } });
    await d.addProvider({ name: 'second', provider_type: 'manual', credentials: { timeout_minutes: 10 } });
    expect(await events('action=dns_provider.create', 2)).toHaveLength(2);
    // A hostile actor and detail, written into the row as a compromised client or plugin could make them appear.
    await d.daemon.database.db.insert(securityAudits).values({
      actor: `client:${XSS}`, action: 'challenge.create', category: 'challenge', resourceType: 'challenge', resourceId: XSS,
      outcome: 'denied', details: { fqdn: `"><script>alert(2)</script>${XSS}`, note: XSS }, sourceIp: '192.0.2.7',
    });
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  }, 120_000);
  afterAll(async () => {
    await closeAll(w, browser);
    await d?.stop();
  });

  const open = (opts: OpenOptions = {}) => openConsole(browser, d, w, opts);
  const axe = async (page: Page) => expect(await axeViolations(page)).toEqual([]);

  it('lets neither the list nor the export be read without a session', async () => {
    for (const path of ['/ui/audit', '/ui/audit/export']) {
      const res = await fetch(`${d.url}${path}?format=ndjson`, { redirect: 'manual' });
      expect(res.status, path).toBe(303);
      expect(res.headers.get('location'), path).toBe(`/ui/login?next=${encodeURIComponent(path)}`);
    }
  });

  it('finds an event made through the API with the filter form, JavaScript off; pages with the cursor', async () => {
    const page = await open({ javaScriptEnabled: false });
    await page.goto('/ui/audit');
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByLabel('Action').fill('dns_provider.create');
    await page.getByLabel('Resource id').fill(provider);
    await page.getByLabel('Category').selectOption('dns_provider');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/action=dns_provider.create/);
    const rows = page.locator('tbody tr');
    expect(await rows.count()).toBe(1);
    const row = rows.first();
    expect(await row.locator('td[data-label="Action"]').textContent()).toBe('dns_provider.create');
    expect(await row.locator('td[data-label="Actor"]').textContent()).toBe('admin');
    expect(await row.locator('td[data-label="Outcome"]').textContent()).toBe('success');
    expect(await row.locator('td[data-label="Source address"]').textContent()).toMatch(/127\.0\.0\.1|::1/);
    expect(await row.getByRole('link', { name: provider }).getAttribute('href')).toBe(`/ui/providers/${provider}`);
    // Kept in the form.
    expect(await page.getByLabel('Action').inputValue()).toBe('dns_provider.create');
    expect(await page.getByLabel('Category').inputValue()).toBe('dns_provider');

    // One a page: the newest create, then "Older events" gives the other one, then no further link.
    await page.goto('/ui/audit?action=dns_provider.create&limit=1');
    const first = await page.locator('td[data-label="Resource"]').textContent();
    await page.getByRole('link', { name: 'Older events' }).click();
    expect(await page.locator('tbody tr').count()).toBe(1);
    const second = await page.locator('td[data-label="Resource"]').textContent();
    expect(second).not.toBe(first);
    expect([first, second].some((t) => t?.includes(provider))).toBe(true);
    expect(await page.getByRole('link', { name: 'Older events' }).count()).toBe(0);
    expect(await page.getByLabel('Action').inputValue()).toBe('dns_provider.create');
    await page.getByRole('link', { name: 'Newest first' }).click();
    expect(await page.locator('td[data-label="Resource"]').textContent()).toBe(first);
  });

  it('shows a bad filter with the API\'s VALIDATION_ERROR above the kept form', async () => {
    const page = await open({ javaScriptEnabled: false });
    await page.goto('/ui/audit');
    await page.getByLabel('At or after').fill('yesterday');
    await page.getByLabel('Action').fill('dns_provider.create');
    const [res] = await Promise.all([page.waitForResponse(/\/ui\/audit\?/), page.getByRole('button', { name: 'Filter' }).click()]);
    expect(res.status()).toBe(400);
    const alert = page.getByRole('alert');
    expect(await alert.textContent()).toContain('VALIDATION_ERROR');
    expect(await alert.textContent()).toContain('from');
    expect(await page.getByLabel('At or after').inputValue()).toBe('yesterday');
    expect(await page.getByLabel('Action').inputValue()).toBe('dns_provider.create');
    expect(await page.locator('tbody tr').count()).toBe(0);
    // Later bound before the earlier one: the API's own check.
    await page.goto('/ui/audit?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z');
    expect(await page.getByRole('alert').textContent()).toContain('must be later than from');
  });

  it('export links download the filtered events as NDJSON and CSV that parse, with the session', async () => {
    const page = await open();
    await page.goto('/ui/audit?action=dns_provider.create');
    const ndjson = await download(page, 'NDJSON');
    expect(ndjson.name).toBe('audit-logs.ndjson');
    const lines = ndjson.text.trimEnd().split('\n').map((l) => JSON.parse(l) as { action: string; resource_id: string; error?: unknown });
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => l.action === 'dns_provider.create' && l.error === undefined)).toBe(true);
    expect(lines.map((l) => l.resource_id)).toContain(provider);

    const csv = await download(page, 'CSV');
    expect(csv.name).toBe('audit-logs.csv');
    const rows = csv.text.trimEnd().split('\r\n');
    expect(rows[0]).toBe('id,created_at,actor,action,category,resource_type,resource_id,outcome,source_ip,user_agent,details');
    expect(rows).toHaveLength(3);
    expect(rows.slice(1).every((r) => r.split(',')[3] === 'dns_provider.create')).toBe(true);

    // The same filters the API takes: a bad format is its 400.
    const res = await page.goto('/ui/audit/export?format=xml');
    expect(res?.status()).toBe(400);
    expect(await page.getByRole('alert').textContent()).toContain('VALIDATION_ERROR');
  });

  async function download(page: Page, name: string): Promise<{ name: string; text: string }> {
    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name }).click()]);
    const path = await dl.path();
    return { name: dl.suggestedFilename(), text: readFileSync(path, 'utf8') };
  }

  it('shows a hostile actor, resource and detail as text', async () => {
    const page = await open();
    await page.goto(`/ui/audit?q=${encodeURIComponent('onerror')}`);
    const row = page.locator('tbody tr').first();
    expect(await row.locator('td[data-label="Actor"]').textContent()).toBe(`client:${XSS}`);
    expect(await row.locator('td[data-label="Resource"]').textContent()).toBe(`challenge${XSS}`);
    await row.getByText('2 fields').click();
    const pre = row.locator('details pre');
    expect(await pre.isVisible()).toBe(true);
    expect(JSON.parse((await pre.textContent())!)).toEqual({ fqdn: `"><script>alert(2)</script>${XSS}`, note: XSS });
    expect(await page.locator('main img, main script').count()).toBe(0);
    // A hostile filter value comes back as the input's value only.
    await page.goto(`/ui/audit?actor=${encodeURIComponent(`"><script>alert(3)</script>${XSS}`)}`);
    expect(await page.getByLabel('Actor').inputValue()).toBe(`"><script>alert(3)</script>${XSS}`);
    expect(await page.locator('main img, main script').count()).toBe(0);
    expect(w.dialogs).toEqual([]);
    expect(w.cspViolations).toEqual([]);
  });

  it('passes axe-core and fits a phone (screenshots at 1280 and 375 px)', async () => {
    for (const phone of [false, true]) {
      const page = await open(phone ? { viewport: PHONE } : {});
      await page.goto('/ui/audit');
      for (const s of await page.locator('details summary').all()) await s.click();
      await axe(page);
      if (phone) expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'scrolls sideways at 375 px').toBe(true);
      await page.screenshot({ path: `${SHOTS}/audit-${phone ? 'phone' : 'desktop'}.png`, fullPage: true });
      await page.goto('/ui/audit?from=nonsense');
      await axe(page);
      await page.screenshot({ path: `${SHOTS}/audit-refused-${phone ? 'phone' : 'desktop'}.png`, fullPage: true });
      await page.context().close();
    }
    expect(w.dialogs).toEqual([]);
    expect(w.cspViolations).toEqual([]);
  });
});
