import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { chromium, type Browser, type Page } from 'playwright-core';
import axe from 'axe-core';
import { expect } from 'vitest';
import { createTestContext, type TestContext } from './context.ts';
import { DEMO_PASSWORD } from '../../src/demo/seed.ts';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export type BrowserHarness = {
  t: TestContext;
  baseUrl: string;
  browser: Browser;
  /** A page in a fresh context (its own cookies); axe needs a context's page. */
  newPage(options?: { width?: number; height?: number }): Promise<Page>;
  signIn(page: Page, email: string): Promise<void>;
  close(): Promise<void>;
};

/** The app on a real port with its test database, and Debian's Chromium driving it. */
export async function startBrowserHarness(options: Parameters<typeof createTestContext>[0] = {}): Promise<BrowserHarness> {
  const t = await createTestContext(options);
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  return {
    t,
    baseUrl,
    browser,
    async newPage(o = {}) {
      const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: o.width ?? 1280, height: o.height ?? 900 } });
      return context.newPage();
    },
    async signIn(page, email) {
      await page.goto('/login');
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(DEMO_PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((url) => !url.pathname.startsWith('/login'));
    },
    async close() {
      await browser.close();
      await new Promise((r) => server.close(r));
      await t.close();
    },
  };
}

/**
 * axe-core's serious and critical violations on the page as it is now, one line each. axe is
 * evaluated into the document once and run there directly. @axe-core/playwright's analyze() opens a
 * second page on every call to combine frames' results, which the app's pages (no frames) do not
 * need: 1.3 s a page against 0.4 s, measured on CI's kind of machine.
 */
export async function seriousViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axe.source);
  const violations = await page.evaluate(async () => {
    const { violations } = await (window as unknown as { axe: typeof axe }).axe.run(document, { resultTypes: ['violations'] });
    return violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.targets.slice(0, 3).join(', ')})`);
}

/** axe in Chromium: no serious or critical violation on the page as it is now. */
export async function expectAccessible(page: Page): Promise<void> {
  expect(await seriousViolations(page)).toEqual([]);
}
