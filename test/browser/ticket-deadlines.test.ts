import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserHarness, expectAccessible, type BrowserHarness } from '../support/browser.ts';

// Issue 14, the practice side in Chromium: deadlines as countdowns with filters in Get Help (also at
// 390 px), the Dashboard's "Needs your reply", marking a thread resolved and reopening it, and
// Product Feedback carried from the create form. The harness's clock is 2026-11-23 15:00 UTC.

let h: BrowserHarness;
beforeAll(async () => {
  h = await startBrowserHarness({ config: { DEMO: 'true' } });
});
afterAll(() => h.close());

describe('Deadlines in Get Help and on the Dashboard', () => {
  it('shows countdowns (amber under 4 h, red Overdue) with the exact time on hover, and filters with counts', async () => {
    const page = await h.newPage();
    await h.signIn(page, 'admin@summit.example');
    await page.getByRole('navigation', { name: 'Menu Bar' }).getByRole('link', { name: /^Get Help/ }).click();
    await page.waitForURL((u) => u.pathname === '/tickets');
    const fax = page.getByRole('row', { name: /Fax cover sheet still shows the old logo/ });
    const soon = fax.locator('time.countdown');
    expect((await soon.textContent())?.startsWith('reply within 3 h 30 min')).toBe(true);
    expect(await soon.getAttribute('class')).toBe('countdown soon');
    expect(await soon.getAttribute('title')).toBe('Response due Mon, Nov 23, 2026, 11:30 AM MST');
    // Amber, not red: the computed background is the amber of the stylesheet.
    expect(await soon.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(255, 231, 163)');
    const eob = page.getByRole('row', { name: /EOB submission for October remittance/ });
    expect(await eob.locator('time.countdown.overdue').getAttribute('title')).toContain('Response was due');
    // Deadlines first: the overdue thread, then the amber one, then the rest.
    const subjects = await page.locator('table.tickets tbody tr td:first-child a').allTextContents();
    expect(subjects.slice(0, 2)).toEqual(['EOB submission for October remittance', 'Fax cover sheet still shows the old logo']);
    await expectAccessible(page);

    const filters = page.getByRole('navigation', { name: 'Filter threads' });
    expect((await filters.textContent())?.replace(/\s+/g, ' ')).toBe('Needs our reply 2Waiting on StrataPT 1Closed 0All 3');
    await filters.getByRole('link', { name: /Waiting on StrataPT/ }).click();
    await page.waitForURL((u) => u.search === '?show=waiting');
    expect(await page.locator('table.tickets tbody tr td:first-child a').allTextContents()).toEqual(['Training for new front desk hire']);
    expect(await filters.getByRole('link', { name: /Waiting on StrataPT/ }).getAttribute('aria-current')).toBe('page');
    await filters.getByRole('link', { name: /Closed/ }).click();
    await page.waitForURL((u) => u.search === '?show=closed');
    await expect.poll(() => page.getByText('No thread you can see is in “Closed”.').count()).toBe(1);
    await expectAccessible(page);
  }, 120_000);

  it('fits 390 px: every row’s Status and deadline stay on screen', async () => {
    const page = await h.newPage({ width: 390, height: 844 });
    await h.signIn(page, 'admin@summit.example');
    await page.goto('/tickets');
    const rows = page.locator('table.tickets tbody tr');
    expect(await rows.count()).toBe(3);
    for (const label of ['Status', 'Response']) {
      const cells = page.locator(`table.tickets td[data-label="${label}"]`);
      for (let i = 0; i < (await cells.count()); i++) {
        const box = (await cells.nth(i).boundingBox())!;
        expect(box.x).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width).toBeLessThanOrEqual(390);
      }
    }
    expect(await page.locator('.table-wrap').evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    await expectAccessible(page);
  }, 120_000);

  it('lists what needs a reply on the Dashboard, soonest first, for the front desk too', async () => {
    const page = await h.newPage();
    await h.signIn(page, 'pt@summit.example');
    const panel = page.locator('#needs-reply');
    expect(await panel.getByRole('heading').textContent()).toContain('Needs your reply');
    expect(await panel.locator('li a').allTextContents()).toEqual(['EOB submission for October remittance', 'Fax cover sheet still shows the old logo']);
    expect(await panel.locator('time.countdown.soon').textContent()).toContain('reply within 3 h 30 min');
    await expectAccessible(page);

    const frontdesk = await h.newPage();
    await h.signIn(frontdesk, 'frontdesk@riverside.example');
    const items = await frontdesk.locator('#needs-reply li a').allTextContents();
    expect(items[0]).toBe('Payer list for the new clinic location'); // the one with a deadline first
    expect(items).toContain('Claim denied for knee visit (CO-197 authorization)');
    await expectAccessible(frontdesk);

  }, 120_000);
});

describe('Resolving a thread, and Product Feedback from the create form', () => {
  it('the owner marks a thread resolved, sees it Closed, and reopens it', async () => {
    const page = await h.newPage();
    await h.signIn(page, 'owner@riverside.example');
    await page.goto('/tickets?show=needs_reply');
    await page.getByRole('link', { name: 'Claim denied for knee visit (CO-197 authorization)' }).click();
    await page.waitForURL((u) => /^\/tickets\/\d+$/.test(u.pathname));
    await page.getByRole('button', { name: 'Mark resolved' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Reopen thread' }).count()).toBe(1);
    expect(await page.locator('.ticket-facts').textContent()).toContain('Closed');
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Reopen thread' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Mark resolved' }).count()).toBe(1);
    expect(await page.locator('.ticket-facts').textContent()).toContain('Waiting on StrataPT');
  }, 120_000);

  it('choosing Product Feedback carries the typed subject and message to the Feedback portal form', async () => {
    const page = await h.newPage();
    await h.signIn(page, 'pt@riverside.example');
    await page.goto('/tickets/new');
    await page.getByLabel('Subject').fill('Dark mode for the schedule');
    await page.getByLabel('Message', { exact: true }).fill('Evenings are hard on the eyes.');
    const handoff = page.getByRole('button', { name: 'Continue in the Feedback portal' });
    expect(await handoff.isVisible()).toBe(false);
    await page.getByLabel('Ticket type').selectOption({ label: 'Product Feedback' });
    await expect.poll(() => handoff.isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Create Thread' }).isVisible()).toBe(false);
    await expectAccessible(page);
    await handoff.click();
    await page.waitForURL((u) => u.pathname === '/feedback/new');
    await expect.poll(() => page.getByLabel('Title').inputValue()).toBe('Dark mode for the schedule');
    expect(await page.getByLabel('Description').inputValue()).toBe('Evenings are hard on the eyes.');
    await expectAccessible(page);
  }, 120_000);
});
