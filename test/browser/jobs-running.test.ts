import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserHarness, expectAccessible, type BrowserHarness } from '../support/browser.ts';
import { trackWork } from '../../src/jobs/heartbeat.ts';

let h: BrowserHarness;
beforeAll(async () => {
  // Run now does not wait for the run here, so every run goes on in the background.
  h = await startBrowserHarness({ runNowWaitMs: 0 });
});
afterAll(() => h.close());

describe('Jobs: work in progress in a browser', () => {
  it('Running now moves while the work does and clears when it ends, without a reload; Run now answers at once', async () => {
    const page = await h.newPage();
    await h.signIn(page, 'root@stratapt.example');
    // Heavy work registers itself as the balance-alert run and print batches do; the app runs in this process.
    const work = trackWork('balance-alerts', 'Balance-alert run (browser test)', 10, h.t.clock.now());
    try {
      work.update(2);
      await page.goto('/vendor/jobs');
      const running = page.locator('#running-now');
      await expect.poll(() => running.textContent()).toContain('Balance-alert run (browser test): 2 of 10');
      await expectAccessible(page);
      const url = page.url();
      work.update(7);
      await expect.poll(() => running.textContent(), { timeout: 10_000 }).toContain('Balance-alert run (browser test): 7 of 10');
      expect(await page.getByRole('progressbar').first().getAttribute('value')).toBe('7');
      expect(page.url()).toBe(url);
    } finally {
      work.end();
    }
    await expect.poll(() => page.locator('#running-now').textContent(), { timeout: 10_000 }).toContain('Nothing heavy is running');

    await page.getByRole('button', { name: 'Run outbox-dispatch now' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'outbox-dispatch is running in the background.' }).count()).toBe(1);
    await expectAccessible(page);
  });
});
