import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { chromium, type Browser, type Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
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

/** axe in Chromium: no serious or critical violation on the page as it is now. */
export async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([]);
}
