// The operator console in real headless Chromium against a running daemon with real providers: a webhook provider
// against a local HTTP server, an rfc2136 provider on BIND, and the manual type. Every view renders, passes axe-core
// and is screenshotted at desktop and phone width; its actions work end to end, without JavaScript too; a foreign
// origin's post is refused; a hostile provider or challenge name is shown as text.
import { mkdirSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { challenges, dnsProviders, sites } from '../../src/db/schema.js';
import { startBind, type RunningDnsServer, type TestTsigKey } from '../support/dns-servers/index.js';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { requireBinary } from '../support/proc.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { axeViolations, openConsole, watch, type OpenOptions } from './browser.js';

const ZONE = 'console.test';
/** A zone whose NS records name a hosted provider's nameservers, for detection. */
const HOSTED = 'hosted.test';
const SHOTS = '/tmp/console-shots';
const KEY: TestTsigKey = { name: 'console-key', algorithm: 'hmac-sha256', secret: Buffer.alloc(32, 7).toString('base64') };
const XSS = '<img src=x onerror=alert(1)>';

describe('operator console in Chromium', () => {
  let bind: RunningDnsServer;
  let hook: WebhookReceiver;
  let d: TestDaemon;
  let browser: Browser;
  let webhook: string;
  let manual: string;
  let relay: string;
  /** Dialogs opened and console lines about refused scripts or styles, across every page: both must stay empty. */
  const w = watch();

  beforeAll(async () => {
    const executablePath = requireBinary('/usr/bin/chromium', 'chromium');
    mkdirSync(SHOTS, { recursive: true });
    bind = await startBind({ zones: [ZONE, HOSTED], tsigKeys: [KEY], nameservers: { [HOSTED]: ['ns1.digitalocean.com.', 'ns2.digitalocean.com.'] } });
    hook = await startWebhookReceiver();
    d = await startTestDaemon({ env: { DNS01_DNS_RESOLVERS: `127.0.0.1:${bind.port}`, DNS01_DNS_AUTH_PORT: String(bind.port) } });
    webhook = await d.addProvider({ name: 'hooked', provider_type: 'webhook', credentials: { create_url: `${hook.url}?token=s3cret-query` }, settings: { breaker_threshold: 1, breaker_reset_seconds: 600 } });
    relay = await d.addProvider({ name: 'relay', provider_type: 'webhook', credentials: { create_url: hook.url } });
    manual = await d.addProvider({ name: 'by hand', provider_type: 'manual', credentials: { timeout_minutes: 10 } });
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  }, 120_000);
  afterAll(async () => {
    for (const c of w.contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await d?.stop();
    await hook?.stop();
    await bind?.stop();
  });

  const open = (opts: { phone?: boolean } & OpenOptions = {}) => openConsole(browser, d, w, { ...opts, ...(opts.phone ? { viewport: { width: 375, height: 740 } } : {}) });

  /** axe-core on the page as it is: no serious or critical violation. Injected through CDP-free evaluate (the page's CSP does not apply to it). */
  async function axe(page: Page): Promise<void> {
    const serious = await axeViolations(page);
    expect(serious, JSON.stringify(serious)).toEqual([]);
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
    for (const path of ['/ui', '/ui/overview', '/ui/challenges', `/ui/challenges/${id}`, '/ui/providers', '/ui/providers/new', '/ui/providers/detect?domain=hosted.test', `/ui/providers/${webhook}`, `/ui/providers/${webhook}/edit`, '/ui/sites']) {
      const res = await fetch(`${d.url}${path}`, { redirect: 'manual' });
      expect(res.status, path).toBe(303);
      expect(res.headers.get('location'), path).toBe(`/ui/login?next=${encodeURIComponent(path.split('?')[0]!)}`);
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
    expect(w.dialogs).toEqual([]);
    expect(w.cspViolations).toEqual([]);
  });

  it('providers, without JavaScript: a webhook provider created from its type\'s fields; a refused form comes back with the API\'s code, its values kept and its secrets not', async () => {
    const page = await open({ javaScriptEnabled: false });
    await page.goto('/ui/providers');
    await page.getByRole('link', { name: 'Add a provider' }).click();
    await page.getByLabel('Provider type').selectOption('webhook');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.waitForURL('**/ui/providers/new?type=webhook');
    expect(await page.getByLabel('Auth header value (optional)').getAttribute('type')).toBe('password');
    await page.getByLabel('Name', { exact: true }).fill(XSS);
    await page.getByLabel('Create URL').fill(hook.url);
    await page.getByLabel('Auth header name (optional)').fill('X-Console-Auth');
    await page.getByLabel('Auth header value (optional)').fill('console-topsecret');
    await page.getByRole('button', { name: 'Add provider' }).click();
    expect(await page.getByRole('alert').textContent()).toMatch(/VALIDATION_ERROR: request body is invalid.*name: letters, digits/);
    // The name comes back as text in its field, the URL kept, the secret not sent back at all.
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe(XSS);
    expect(await page.getByLabel('Create URL').inputValue()).toBe(hook.url);
    expect(await page.getByLabel('Auth header value (optional)').inputValue()).toBe('');
    expect(await page.content()).not.toContain('console-topsecret');
    expect(await page.locator('main img').count()).toBe(0);
    await page.screenshot({ path: `${SHOTS}/provider-refused-desktop.png`, fullPage: true });

    await page.getByLabel('Name', { exact: true }).fill('console-hook');
    await page.getByLabel('Auth header value (optional)').fill('console-topsecret');
    await page.getByRole('button', { name: 'Add provider' }).click();
    await page.waitForURL(/\/ui\/providers\/[0-9a-f-]{36}\?result=provider_created$/);
    const id = new URL(page.url()).pathname.split('/')[3]!;
    expect(await page.getByRole('status').first().textContent()).toContain('Provider added.');
    const facts = await page.locator('dl.facts').textContent();
    expect(facts).toContain('auth_value: ********');
    expect(await page.content()).not.toContain('console-topsecret');

    // Test: the webhook receives {action: "test"} with the header.
    const before = hook.calls.length;
    await page.getByRole('button', { name: 'Test credentials' }).click();
    expect(await page.getByRole('status').first().textContent()).toContain('Provider console-hook: test passed');
    expect(hook.calls.slice(before).map((c) => [c.body?.action, c.headers['x-console-auth']])).toEqual([['test', 'console-topsecret']]);

    // Edit: a new rate limit; the secret left empty is kept (a present still carries it).
    await page.getByRole('link', { name: 'Edit' }).click();
    expect(await page.getByLabel('Auth header value (optional)').inputValue()).toBe('');
    expect(await page.getByLabel('Create URL').inputValue()).toBe(hook.url);
    // Without JavaScript a <details> still opens.
    await page.locator('summary', { hasText: 'Timing, limits and Caddy' }).click();
    await page.getByLabel('Rate limit (calls a minute)').fill('7');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(`**/ui/providers/${id}?result=provider_updated`);
    expect(await page.locator('dl.facts').textContent()).toContain('7 calls a minute');
    // A setting that holds a value is not hidden the next time.
    await page.getByRole('link', { name: 'Edit' }).click();
    expect(await page.getByLabel('Rate limit (calls a minute)').inputValue()).toBe('7');
    expect(await page.getByLabel('Rate limit (calls a minute)').isVisible()).toBe(true);
    await page.goto(`/ui/providers/${id}`);
    const c = await present(id, 'edited');
    expect(c.res.status).toBe(201);
    expect(hook.calls.at(-1)!.headers['x-console-auth']).toBe('console-topsecret');

    // Delete: refused while its challenge is active (the API's code shown), then forced, naming the record left.
    await page.getByRole('button', { name: 'Delete provider' }).click();
    expect(await page.getByRole('alert').first().textContent()).toMatch(/^[A-Z_]+: /);
    await page.getByLabel('Delete even while challenges are active').check();
    await page.getByRole('button', { name: 'Delete provider' }).click();
    expect(await page.getByRole('alert').textContent()).toContain(c.fqdn);
    expect((await d.daemon.database.db.select().from(dnsProviders).where(eq(dnsProviders.id, id)))).toEqual([]);
    await page.screenshot({ path: `${SHOTS}/provider-deleted-desktop.png`, fullPage: true });
  });

  it('providers: an rfc2136 provider on BIND, tested against it, with a zone-specific credential added, tested and deleted', async () => {
    const page = await open();
    await page.goto('/ui/providers/new?type=rfc2136');
    await page.getByLabel('Name', { exact: true }).fill('bind');
    await page.getByLabel('Primary name server').fill('127.0.0.1');
    await page.getByLabel('Port (optional)').fill(String(bind.port));
    await page.getByLabel('TSIG key name').fill(KEY.name);
    await page.getByLabel('TSIG secret').fill(KEY.secret);
    await page.getByLabel('Zone (optional)').fill(ZONE);
    await page.getByLabel('Zone-specific credentials').check();
    await page.getByRole('button', { name: 'Add provider' }).click();
    await page.waitForURL(/result=provider_created$/);
    const id = new URL(page.url()).pathname.split('/')[3]!;
    await page.getByRole('button', { name: 'Test credentials' }).click();
    const status = page.getByRole('status').first();
    expect(await status.textContent()).toContain('test passed');
    expect(await status.textContent()).toContain(`Zone check (127.0.0.1:${bind.port} (DNS01_DNS_RESOLVERS)): found.`);

    const creds = page.locator('section[aria-labelledby=creds-heading]');
    await creds.getByLabel('Label').fill('console zone');
    await creds.getByLabel('Zone filter (optional)').fill(ZONE);
    await creds.getByLabel('Primary name server').fill('127.0.0.1');
    await creds.getByLabel('Port (optional)').fill(String(bind.port));
    await creds.getByLabel('TSIG key name').fill(KEY.name);
    await creds.getByLabel('TSIG secret').fill(KEY.secret);
    await creds.getByLabel('Zone (optional)').fill(ZONE);
    await creds.getByRole('button', { name: 'Add credential' }).click();
    await page.waitForURL(`**/ui/providers/${id}?result=credential_created`);
    expect(await page.locator('section[aria-labelledby=creds-heading] tbody tr', { hasText: 'console zone' }).count()).toBe(1);
    await page.getByRole('button', { name: 'Test console zone' }).click();
    expect(await page.getByRole('status').first().textContent()).toContain('Credential console zone: test passed');
    await look(`/ui/providers/${id}`, 'provider');
    await look(`/ui/providers/${id}/edit`, 'provider-edit');
    await page.getByRole('button', { name: 'Delete console zone' }).click();
    await page.waitForURL(`**/ui/providers/${id}?result=credential_deleted`);
    expect(await page.locator('section[aria-labelledby=creds-heading] tbody tr', { hasText: 'console zone' }).count()).toBe(0);
    await look('/ui/providers', 'providers');
    await look('/ui/providers/new', 'provider-type');
    await look('/ui/providers/new?type=webhook', 'provider-new');
  });

  it('shows a config-file row read-only with its file named, and refuses a change to it', async () => {
    await d.daemon.database.db.update(dnsProviders).set({ managedBy: '/etc/dns01-proxy/config.yaml' }).where(eq(dnsProviders.id, relay));
    const page = await open();
    await page.goto(`/ui/providers/${relay}`);
    expect(await page.getByRole('note').textContent()).toContain('declared in the config file /etc/dns01-proxy/config.yaml');
    expect(await page.getByRole('link', { name: 'Edit' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Delete provider' }).count()).toBe(0);
    await page.goto(`/ui/providers/${relay}/edit`);
    await page.getByRole('button', { name: 'Save changes' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('config.yaml');
    await d.daemon.database.db.update(dnsProviders).set({ managedBy: null }).where(eq(dnsProviders.id, relay));
  });

  it('sites: added for a provider, disabled, deleted; a bad domain refused with the form kept', async () => {
    const page = await open();
    await page.goto('/ui/sites');
    await page.getByLabel('Domain names').fill('www.console.test\nnot a domain');
    await page.getByLabel('Provider').selectOption({ label: 'relay (webhook)' });
    await page.getByRole('button', { name: 'Add site' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('VALIDATION_ERROR');
    expect(await page.getByLabel('Domain names').inputValue()).toBe('www.console.test\nnot a domain');
    await page.getByLabel('Domain names').fill('www.console.test, *.apps.console.test');
    await page.getByRole('button', { name: 'Add site' }).click();
    await page.waitForURL('**/ui/sites?result=site_created');
    const row = page.locator('tbody tr', { hasText: 'www.console.test' });
    expect(await row.textContent()).toContain('relay');
    expect(await row.textContent()).toContain('enabled');
    await look('/ui/sites', 'sites');
    await row.getByRole('button', { name: /^Disable/ }).click();
    await page.waitForURL('**/ui/sites?result=site_updated');
    expect(await page.locator('tbody tr', { hasText: 'www.console.test' }).textContent()).toContain('disabled');
    expect((await d.daemon.database.db.select().from(sites))[0]!.enabled).toBe(false);
    await page.locator('tbody tr', { hasText: 'www.console.test' }).getByRole('button', { name: /^Delete/ }).click();
    await page.waitForURL('**/ui/sites?result=site_deleted');
    expect(await d.daemon.database.db.select().from(sites)).toEqual([]);
  });

  it('refuses a form posted from a foreign origin or without the session\'s token: nothing is created', async () => {
    const page = await open();
    const cookie = (await page.context().cookies())[0]!;
    await page.goto('/ui/sites');
    const csrf = await page.locator('form[action="/ui/sites"] input[name=csrf]').inputValue();
    const post = (path: string, headers: Record<string, string>, body: string) => fetch(`${d.url}${path}`, {
      method: 'POST', redirect: 'manual', body,
      headers: { cookie: `${cookie.name}=${cookie.value}`, 'content-type': 'application/x-www-form-urlencoded', ...headers },
    });
    const provider = `csrf=${csrf}&provider_type=webhook&name=forged&cred.create_url=${encodeURIComponent(hook.url)}&enabled=on`;
    expect((await post('/ui/providers', { origin: 'https://evil.example' }, provider)).status).toBe(403);
    expect((await post('/ui/providers', { 'sec-fetch-site': 'cross-site' }, provider)).status).toBe(403);
    expect((await post('/ui/providers', { origin: d.url }, provider.replace(csrf, 'forged'))).status).toBe(403);
    expect((await post('/ui/sites', { origin: 'https://evil.example' }, `csrf=${csrf}&domain_names=evil.console.test&dns_provider_id=${relay}`)).status).toBe(403);
    expect((await post(`/ui/providers/${relay}/delete`, { origin: 'https://evil.example' }, `csrf=${csrf}&force=on`)).status).toBe(403);
    expect(await d.daemon.database.db.select().from(dnsProviders).where(eq(dnsProviders.name, 'forged'))).toEqual([]);
    expect(await d.daemon.database.db.select().from(sites)).toEqual([]);
    expect((await d.admin(`/dns-providers/${relay}`)).status).toBe(200);
    // The same post from the page's own origin with its token goes through: the refusals above were the origin and the token.
    const ok = await post('/ui/providers', { origin: d.url }, provider);
    expect(ok.status).toBe(303);
    expect(await d.daemon.database.db.select().from(dnsProviders).where(eq(dnsProviders.name, 'forged'))).toHaveLength(1);
  });

  it('shows a hostile provider name as text on every view: no script runs', async () => {
    // The API refuses such a name; written straight into the row, as a compromised writer could.
    await d.daemon.database.db.update(dnsProviders).set({ name: XSS }).where(eq(dnsProviders.id, relay));
    const page = await open();
    for (const path of ['/ui/overview', '/ui/providers', `/ui/providers/${relay}`, `/ui/providers/${relay}/edit`, '/ui/challenges', '/ui/sites']) {
      await page.goto(path);
      expect(await page.locator('main').textContent(), path).toContain(XSS);
      expect(await page.locator('main img').count(), path).toBe(0);
    }
    expect(w.dialogs).toEqual([]);
    expect(w.cspViolations).toEqual([]);
  });

  it('adds a provider for a domain: detection from its zone\'s nameservers opens the suggested type\'s form', async () => {
    const page = await open();
    await page.goto('/ui/providers/new');
    await page.getByLabel('Domain', { exact: true }).fill('*.www.hosted.test');
    await page.getByRole('button', { name: 'Detect the provider' }).click();
    const found = page.locator('section[aria-labelledby=detected-heading]');
    expect(await found.locator('h2').textContent()).toBe('DigitalOcean serves hosted.test');
    expect(await found.textContent()).toContain('ns1.digitalocean.com');
    await look('/ui/providers/detect?domain=www.hosted.test', 'provider-detect');
    await found.getByRole('link', { name: 'Add a DigitalOcean provider' }).click();
    await page.waitForURL('**/ui/providers/new?type=digitalocean');
    expect(await page.getByLabel('API token').getAttribute('type')).toBe('password');
    await page.goto('/ui/providers/detect?domain=not%20a%20domain');
    expect(await page.getByRole('alert').textContent()).toContain('VALIDATION_ERROR');
    expect(await page.getByLabel('Domain', { exact: true }).inputValue()).toBe('not a domain');
  });
});
