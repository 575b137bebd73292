import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserHarness, expectAccessible, type BrowserHarness } from '../support/browser.ts';
import { issuePortalLink } from '../../src/portal/links.ts';

// A patient on a phone keeps what the portal offers: a paid-in-full account, the lines behind a
// case, and a receipt with its PDF. Axe at 390 px on each page.

let h: BrowserHarness;
beforeAll(async () => {
  h = await startBrowserHarness();
});
afterAll(() => h.close());

describe('portal documents in a browser', () => {
  it('Maria sees she is paid in full, opens her case and downloads a receipt', { timeout: 120_000 }, async () => {
    const maria = await h.t.db.selectFrom('patients').selectAll().where('account_number', '=', 'R-1001').executeTakeFirstOrThrow();
    const link = await issuePortalLink(h.t.db, h.t.clock.now(), h.baseUrl, { practiceId: maria.practice_id, patientId: maria.id });
    const page = await h.newPage({ width: 390, height: 844 });
    await page.goto(link.url);
    await page.getByLabel('Month').fill('4');
    await page.getByLabel('Day').fill('12');
    await page.getByLabel('Year').fill('1980');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL((u) => u.pathname === '/portal/account');
    expect(await page.getByTestId('paid-in-full').textContent()).toContain('Paid in full. Thank you!');
    await expectAccessible(page);

    await page.getByRole('link', { name: 'Right shoulder impingement' }).click();
    await page.waitForURL((u) => u.pathname.startsWith('/portal/cases/'));
    expect(await page.getByTestId('case-balance').textContent()).toContain('$0.00');
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Your balance' }).click();

    await page.locator('a[href^="/portal/receipts/"]').first().click();
    await page.waitForURL((u) => /^\/portal\/receipts\/\d+$/.test(u.pathname));
    expect(await page.getByTestId('receipt').textContent()).toContain('$45.00');
    await expectAccessible(page);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download the receipt (PDF)' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^receipt-\d+\.pdf$/);
  });
});
