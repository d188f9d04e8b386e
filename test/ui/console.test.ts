// The operator console in real headless Chromium against a running daemon with real providers: a webhook provider
// against a local HTTP server, an rfc2136 provider on BIND, and the manual type. Every view renders, passes axe-core
// and is screenshotted at desktop and phone width; its actions work end to end, without JavaScript too; a foreign
// origin's post is refused; a hostile provider or challenge name is shown as text.
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { eq } from 'drizzle-orm';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { challenges } from '../../src/db/schema.js';
import { startBind, type RunningDnsServer, type TestTsigKey } from '../support/dns-servers/index.js';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { requireBinary } from '../support/proc.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const ZONE = 'console.test';
const SHOTS = '/tmp/console-shots';
const KEY: TestTsigKey = { name: 'console-key', algorithm: 'hmac-sha256', secret: Buffer.alloc(32, 7).toString('base64') };
const XSS = '<img src=x onerror=alert(1)>';
/** axe-core's browser build, injected into each page scanned (a dev dependency). */
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

describe('operator console in Chromium', () => {
  let bind: RunningDnsServer;
  let hook: WebhookReceiver;
  let d: TestDaemon;
  let browser: Browser;
  let webhook: string;
  let manual: string;
  let relay: string;
  const contexts: BrowserContext[] = [];
  /** Dialogs opened and console lines about refused scripts or styles, across every page: both must stay empty. */
  const dialogs: string[] = [];
  const cspViolations: string[] = [];

  beforeAll(async () => {
    const executablePath = requireBinary('/usr/bin/chromium', 'chromium');
    mkdirSync(SHOTS, { recursive: true });
    bind = await startBind({ zones: [ZONE], tsigKeys: [KEY] });
    hook = await startWebhookReceiver();
    d = await startTestDaemon({ env: { DNS01_DNS_RESOLVERS: `127.0.0.1:${bind.port}`, DNS01_DNS_AUTH_PORT: String(bind.port) } });
    webhook = await d.addProvider({ name: 'hooked', provider_type: 'webhook', credentials: { create_url: `${hook.url}?token=s3cret-query` }, settings: { breaker_threshold: 1, breaker_reset_seconds: 600 } });
    relay = await d.addProvider({ name: 'relay', provider_type: 'webhook', credentials: { create_url: hook.url } });
    manual = await d.addProvider({ name: 'by hand', provider_type: 'manual', credentials: { timeout_minutes: 10 } });
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  }, 120_000);
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await d?.stop();
    await hook?.stop();
    await bind?.stop();
  });

  async function open(opts: { phone?: boolean; javaScriptEnabled?: boolean; login?: boolean } = {}): Promise<Page> {
    const context = await browser.newContext({
      baseURL: d.url,
      viewport: opts.phone ? { width: 375, height: 740 } : { width: 1280, height: 900 },
      javaScriptEnabled: opts.javaScriptEnabled ?? true,
      ...(opts.phone ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
    });
    contexts.push(context);
    const page = await context.newPage();
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/.test(m.text())) cspViolations.push(m.text());
    });
    if (opts.login !== false) {
      await page.goto('/ui/login');
      await page.getByLabel('Admin token').fill(d.adminToken);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.waitForURL('**/ui/overview');
    }
    return page;
  }

  /** axe-core on the page as it is: no serious or critical violation. Injected through CDP-free evaluate (the page's CSP does not apply to it). */
  async function axe(page: Page): Promise<void> {
    await page.evaluate(AXE);
    const violations = await page.evaluate(async () => {
      const result = await (window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } })
        .axe.run(document, { resultTypes: ['violations'] });
      return result.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(' ')).slice(0, 3) }));
    });
    expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'), JSON.stringify(violations)).toEqual([]);
  }

  /** A view at desktop and phone width: scanned, screenshotted, no sideways scrolling on the phone. */
  async function look(path: string, name: string): Promise<void> {
    for (const phone of [false, true]) {
      const page = await open({ phone });
      await page.goto(path);
      expect(new URL(page.url()).pathname).toBe(path.split('?')[0]);
      await axe(page);
      if (phone) expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `${path} scrolls sideways at 375 px`).toBe(true);
      await page.screenshot({ path: `${SHOTS}/${name}-${phone ? 'phone' : 'desktop'}.png`, fullPage: true });
      await page.context().close();
    }
  }

  const present = async (provider: string, name: string) => {
    const fqdn = `_acme-challenge.${name}.${ZONE}`;
    const res = await d.internal('/create', { body: { provider_id: provider, fqdn, value: txtValue(name) } });
    return { res, fqdn, id: res.status === 201 ? ((await res.json()) as { challenge_id: string }).challenge_id : undefined };
  };

  it('GET / gives API clients JSON and browsers a page linking to the console', async () => {
    const json = await fetch(`${d.url}/`);
    expect(((await json.json()) as { page: string }).page).toBe('/ui');
    const page = await open({ login: false });
    await page.goto('/');
    await page.getByRole('link', { name: 'Operator page' }).click();
    await page.waitForURL('**/ui/login?next=%2Fui');
    await page.getByLabel('Admin token').fill(d.adminToken);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL('**/ui/overview');
  });

  it('lets nothing under /ui be read or changed without a session', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    for (const path of ['/ui', '/ui/overview', '/ui/challenges', `/ui/challenges/${id}`, '/ui/providers', '/ui/providers/new', `/ui/providers/${webhook}`, `/ui/providers/${webhook}/edit`, '/ui/sites']) {
      const res = await fetch(`${d.url}${path}`, { redirect: 'manual' });
      expect(res.status, path).toBe(303);
      expect(res.headers.get('location'), path).toBe(`/ui/login?next=${encodeURIComponent(path)}`);
    }
    for (const path of ['/ui/providers', `/ui/providers/${webhook}/delete`, `/ui/providers/${webhook}/test`, '/ui/sites', `/ui/challenges/${id}/cancel`]) {
      const res = await fetch(`${d.url}${path}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'csrf=x' });
      expect(res.status, path).toBe(303);
      expect(res.headers.get('location'), path).toBe('/ui/login');
    }
    expect((await d.admin(`/dns-providers/${webhook}`)).status).toBe(200);
  });

  it('overview: says what needs attention first (an open breaker, a manual challenge waiting), then health, Caddy, providers, challenges in flight', async () => {
    const page = await open();
    expect(await page.locator('#all-well').count()).toBe(1);
    // One failed present opens the webhook provider's breaker (threshold 1).
    hook.setBehaviour({ kind: 'status', status: 500, body: { success: false, message: 'far side down' } });
    expect((await present(webhook, 'breaker')).res.status).toBeGreaterThanOrEqual(500);
    hook.setBehaviour({ kind: 'ok' });
    const waiting = await present(manual, 'waiting');
    expect(waiting.res.status).toBe(201);
    await page.reload();
    const items = page.locator('#attention-heading + ol li');
    await expect.poll(() => items.count()).toBeGreaterThanOrEqual(2);
    expect(await items.nth(0).textContent()).toContain('Provider hooked: its circuit breaker is open');
    expect(await items.nth(1).textContent()).toContain(`A manual challenge waits for its TXT record: ${waiting.fqdn}`);
    const health = page.locator('section[aria-labelledby=health-heading]');
    expect(await health.textContent()).toContain('database');
    expect(await health.textContent()).toContain('migrations');
    expect(await page.locator('section[aria-labelledby=caddy-heading]').textContent()).toContain('DNS01_CADDY_ADMIN_URL is not set');
    const hooked = page.locator('section[aria-labelledby=providers-heading] tr', { hasText: 'hooked' });
    expect(await hooked.textContent()).toContain('breaker open');
    expect(await hooked.textContent()).toContain('10 a minute');
    expect(await hooked.textContent()).toContain('answered HTTP 500');
    expect(await page.locator('section[aria-labelledby=flight-heading]').getByRole('link', { name: waiting.fqdn }).count()).toBe(1);
    await items.nth(1).getByRole('link', { name: 'Open the challenge' }).click();
    await page.waitForURL(`**/ui/challenges/${waiting.id}`);
    await look('/ui/overview', 'overview');
  });

  it('challenges: every type listed, filtered by status, provider and name, paged by the cursor; one challenge with its history', async () => {
    const a = await present(relay, 'listed-a');
    const b = await present(relay, 'listed-b');
    expect([a.res.status, b.res.status]).toEqual([201, 201]);
    const page = await open();
    await page.goto('/ui/challenges');
    for (const fqdn of [a.fqdn, b.fqdn, '_acme-challenge.waiting.console.test', '_acme-challenge.breaker.console.test']) {
      expect(await page.getByRole('link', { name: fqdn, exact: true }).count(), fqdn).toBe(1);
    }
    // The form: PENDING challenges of the relay provider whose name holds "listed".
    await page.getByLabel('PENDING').check();
    await page.getByLabel('Provider').selectOption({ label: 'relay' });
    await page.getByLabel('Name contains').fill('listed');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/status=PENDING/);
    const rows = page.locator('table tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await page.getByLabel('Name contains').inputValue()).toBe('listed');
    // Newest first, one a page: the cursor walks to the older one, and "Newest first" back.
    await page.goto(`/ui/challenges?provider=${relay}&limit=1`);
    expect(await rows.locator('a').first().textContent()).toBe(b.fqdn);
    await page.getByRole('link', { name: 'Older challenges' }).click();
    expect(await rows.locator('a').first().textContent()).toBe(a.fqdn);
    expect(new URL(page.url()).searchParams.get('cursor')).toBeTruthy();
    await page.getByRole('link', { name: 'Newest first' }).click();
    expect(await rows.locator('a').first().textContent()).toBe(b.fqdn);
    // A bad filter is the API's 400, shown with its code above the form.
    const bad = await page.goto('/ui/challenges?created_after=yesterday');
    expect(bad!.status()).toBe(400);
    expect(await page.getByRole('alert').textContent()).toContain('created_after');
    await look('/ui/challenges', 'challenges');

    await page.goto(`/ui/challenges/${a.id}`);
    expect(await page.locator('dl.facts').textContent()).toContain('PENDING');
    expect(await page.locator('dl.facts').textContent()).toContain('relay');
    // The audit log is written about a second after the step.
    await expect.poll(async () => {
      await page.reload();
      return page.locator('section[aria-labelledby=history-heading]').textContent();
    }, { timeout: 15_000 }).toContain('challenge.create');
    await look(`/ui/challenges/${a.id}`, 'challenge');

    const failed = (await d.daemon.database.db.select().from(challenges).where(eq(challenges.fqdn, '_acme-challenge.breaker.console.test')))[0]!;
    await page.goto(`/ui/challenges/${failed.id}`);
    expect(await page.getByRole('alert').textContent()).toContain('answered HTTP 500');
    const waiting = (await d.daemon.database.db.select().from(challenges).where(eq(challenges.fqdn, '_acme-challenge.waiting.console.test')))[0]!;
    await look(`/ui/challenges/${waiting.id}`, 'challenge-manual');
  });

  it('shows a hostile challenge name and filter as text: no script runs', async () => {
    const c = await present(relay, 'hostile');
    const hostile = `_acme-challenge.${XSS}.${ZONE}`;
    // The API refuses such a name; written straight into the row, as a compromised writer could.
    await d.daemon.database.db.update(challenges).set({ fqdn: hostile }).where(eq(challenges.id, c.id!));
    const page = await open();
    await page.goto('/ui/challenges');
    expect(await page.getByRole('link', { name: hostile }).count()).toBe(1);
    await page.goto(`/ui/challenges/${c.id}`);
    expect(await page.locator('h1').textContent()).toBe(`Challenge ${hostile}`);
    await page.goto(`/ui/challenges?fqdn=${encodeURIComponent(`"><script>alert(2)</script>${XSS}`)}`);
    expect(await page.getByLabel('Name contains').inputValue()).toBe(`"><script>alert(2)</script>${XSS}`);
    expect(await page.locator('main img, main script').count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(cspViolations).toEqual([]);
  });
});
