// The console's encryption view in real headless Chromium: a daemon with an old and a next key and rows sealed under
// the old one shows them pending, a rotation started by the form (JavaScript off) re-encrypts them in the background,
// a second one while it runs is the API's ROTATION_IN_PROGRESS, the history shows the run, and both posts are audited
// as the API's encryption.rotate with details.api "ui".
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keyring } from '../../src/crypto/keyring.js';
import { dnsProviders } from '../../src/db/schema.js';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { requireBinary } from '../support/proc.js';
import { axeViolations, closeAll, openConsole, PHONE, watch, type OpenOptions } from './browser.js';

const SHOTS = '/tmp/console-shots';
const oldKey = randomBytes(32).toString('base64');
const newKey = randomBytes(32).toString('base64');

describe('console encryption view in Chromium', () => {
  let d: TestDaemon;
  let browser: Browser;
  const w = watch();

  beforeAll(async () => {
    const executablePath = requireBinary('/usr/bin/chromium', 'chromium');
    mkdirSync(SHOTS, { recursive: true });
    // One row per batch and a pause, so the run is still going when the second post comes.
    d = await startTestDaemon({ env: { DNS01_ENCRYPTION_KEY: oldKey, DNS01_ENCRYPTION_KEY_NEXT: newKey, DNS01_ROTATE_ON_START: 'false', DNS01_ROTATION_BATCH_SIZE: '1', DNS01_ROTATION_BATCH_PAUSE: '500ms' } });
    const old = new Keyring(oldKey);
    for (const n of ['a', 'b', 'c']) {
      const id = randomUUID();
      const sealed = old.seal(JSON.stringify({ create_url: 'http://127.0.0.1:9/hook' }), id);
      await d.daemon.database.db.insert(dnsProviders).values({ id, name: `sealed-${n}`, providerType: 'webhook', credentialsEncrypted: sealed.ciphertext, keyVersion: sealed.keyVersion });
    }
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  }, 120_000);
  afterAll(async () => {
    await closeAll(w, browser);
    await d?.stop();
  });

  const open = (opts: OpenOptions = {}) => openConsole(browser, d, w, opts);
  const axe = async (page: Page) => expect(await axeViolations(page)).toEqual([]);

  it('needs a session to read, and a session and CSRF token to rotate', async () => {
    const get = await fetch(`${d.url}/ui/encryption`, { redirect: 'manual' });
    expect(get.headers.get('location')).toBe('/ui/login?next=%2Fui%2Fencryption');
    const post = await fetch(`${d.url}/ui/encryption/rotate`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'csrf=x' });
    expect(post.headers.get('location')).toBe('/ui/login');
    expect(await d.api.encryption.history(5)).toEqual([]);
  });

  it('shows the rows pending, rotates them with the form (JavaScript off), refuses a second run while one goes, keeps the history', async () => {
    const page = await open({ javaScriptEnabled: false });
    page.setDefaultTimeout(15_000);
    await page.goto('/ui/overview');
    await page.getByRole('link', { name: 'Encryption' }).click();
    await page.waitForURL('**/ui/encryption');
    const status = await d.api.encryption.status();
    expect(status.rows).toMatchObject({ total: 3, pending: 3 });
    const old = status.keys.find((k) => !k.writes)!;
    const keys = page.getByRole('table', { name: 'Key versions and the rows each seals' });
    expect(await keys.locator('tr', { hasText: old.version }).locator('td[data-label="Rows"]').textContent()).toBe('3');
    expect(await page.getByText('3 to re-encrypt').count()).toBe(1);
    expect(await page.getByText('No rotation has run.').count()).toBe(1);

    await page.getByRole('button', { name: 'Re-encrypt every row under the write key' }).click();
    await page.waitForURL('**/ui/encryption?result=rotation_started');
    expect(await page.getByRole('status').textContent()).toContain('Rotation started');
    // The run takes at least a second (three batches of one, 500 ms apart): a second post meets it.
    const [res] = await Promise.all([page.waitForResponse('**/ui/encryption/rotate'), page.getByRole('button', { name: 'Re-encrypt every row under the write key' }).click()]);
    expect(res.status()).toBe(409);
    expect(await page.getByRole('alert').textContent()).toContain('ROTATION_IN_PROGRESS');

    await expect.poll(async () => (await d.api.encryption.status()).rotation.state, { timeout: 30_000 }).toBe('idle');
    await page.goto('/ui/encryption');
    expect(await page.getByText('3 to re-encrypt').count()).toBe(0);
    const history = page.getByRole('table', { name: /Rotations, newest first/ });
    const run = history.locator('tbody tr');
    expect(await run.count()).toBe(1);
    expect(await run.locator('td[data-label="Outcome"]').textContent()).toBe('completed');
    expect(await run.locator('td[data-label="Rows"]').textContent()).toBe('3 of 3 (100 %)');
    expect(await run.locator('td[data-label="Trigger"]').textContent()).toContain('api');
    const [done] = await d.api.encryption.history(1);
    expect((await d.api.encryption.status()).rows).toMatchObject({ total: 3, current: 3, pending: 0, unreadable: 0 });

    // Audited as the API's action: the run started (with its id) and the one refused.
    await expect.poll(async () => {
      const list = ((await (await d.admin('/audit-logs?action=encryption.rotate')).json()) as { audit_logs: { outcome: string; resource_id: string | null; details: Record<string, unknown> }[] }).audit_logs;
      return list.map((e) => ({ outcome: e.outcome, resource_id: e.resource_id, details: e.details })).toReversed();
    }, { timeout: 15_000 }).toEqual([
      { outcome: 'success', resource_id: done!.id, details: { api: 'ui' } },
      { outcome: 'failure', resource_id: null, details: { api: 'ui', code: 'ROTATION_IN_PROGRESS' } },
    ]);
  }, 90_000);

  it('passes axe-core and fits a phone (screenshots at 1280 and 375 px)', async () => {
    for (const phone of [false, true]) {
      const page = await open(phone ? { viewport: PHONE } : {});
      await page.goto('/ui/encryption');
      await axe(page);
      if (phone) expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'scrolls sideways at 375 px').toBe(true);
      await page.screenshot({ path: `${SHOTS}/encryption-${phone ? 'phone' : 'desktop'}.png`, fullPage: true });
      await page.context().close();
    }
    expect(w.dialogs).toEqual([]);
    expect(w.cspViolations).toEqual([]);
  });
});
