// One way into the console for the UI tests: a fresh browser context (desktop, or a phone when a viewport is given),
// watched for dialogs and CSP refusals, logged in with the admin token unless asked not to; and the axe-core scan.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';

export interface Watch {
  /** Every context opened, for afterAll to close. */
  contexts: BrowserContext[];
  /** Console lines about refused scripts or styles: the pages must run under their own CSP. */
  cspViolations: string[];
  /** Dialogs opened (and dismissed): a script injected through a name would open one. */
  dialogs: string[];
}

/** The phone viewport the UI tests use. */
export const PHONE = { width: 375, height: 740 };

/** Closes every context opened and the browser. */
export async function closeAll(w: Watch, browser: Browser | undefined): Promise<void> {
  for (const c of w.contexts) await c.close().catch(() => undefined);
  await browser?.close();
}

export const watch = (): Watch => ({ contexts: [], cspViolations: [], dialogs: [] });

export interface OpenOptions {
  /** A phone's viewport (mobile, touch, 2x); else 1280 x 900. */
  viewport?: { width: number; height: number };
  javaScriptEnabled?: boolean;
  /** false: stay logged out. */
  login?: boolean;
}

export async function openConsole(browser: Browser, d: { url: string; adminToken: string }, w: Watch, opts: OpenOptions = {}): Promise<Page> {
  const context = await browser.newContext({
    baseURL: d.url,
    viewport: opts.viewport ?? { width: 1280, height: 900 },
    javaScriptEnabled: opts.javaScriptEnabled ?? true,
    ...(opts.viewport ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: d.url });
  w.contexts.push(context);
  const page = await context.newPage();
  page.on('dialog', (dialog) => {
    w.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/.test(m.text())) w.cspViolations.push(m.text());
  });
  if (opts.login !== false) {
    await page.goto('/ui/login');
    await page.getByLabel('Admin token').fill(d.adminToken);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL('**/ui/overview');
  }
  return page;
}

/** axe-core's browser build (a dev dependency), injected into each page scanned. */
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * axe-core on the page as it is: its serious and critical violations (each with up to three targets). Injected with
 * evaluate, which the page's CSP does not apply to; the page needs JavaScript on.
 */
export async function axeViolations(page: Page): Promise<{ id: string; impact: string; targets: string[] }[]> {
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const result = await (window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } })
      .axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(' ')).slice(0, 3) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** axe-core on the page as it is: no serious or critical violation. */
export async function axe(page: Page): Promise<void> {
  const serious = await axeViolations(page);
  expect(serious, JSON.stringify(serious)).toEqual([]);
}
