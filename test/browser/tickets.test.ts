import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserHarness, expectAccessible, type BrowserHarness } from '../support/browser.ts';

let h: BrowserHarness;
beforeAll(async () => {
  h = await startBrowserHarness({ config: { DEMO: 'true' } });
});
afterAll(() => h.close());

describe('Ticket platform in a browser', () => {
  it('creates a thread from the Dashboard with an inactive patient found via Show All, Clinical Only, then replies', async () => {
    const page = await h.newPage();
    await h.signIn(page, 'owner@riverside.example');
    await page.getByRole('link', { name: 'Create Thread' }).click();
    await page.waitForURL((u) => u.pathname === '/tickets/new');
    await expect.poll(() => page.getByRole('heading', { name: 'Create New Message Thread' }).count()).toBe(1);
    await expect.poll(() => page.getByText('Sofia Castillo').count()).toBeGreaterThan(0);

    await page.getByLabel('Subject').fill('Statement address for an old account');
    await page.getByLabel('Ticket type').selectOption({ label: 'Billing/Patient' });
    await page.getByLabel('Message', { exact: true }).fill('Harold Finch asked where his last statement went.');

    // Harold Finch is inactive: he appears only once Show All is ticked.
    await page.getByLabel('Search patients by name, account number or date of birth').pressSequentially('Finch', { delay: 20 });
    await expect.poll(() => page.locator('#patient-picker').textContent()).toContain('No matching account.');
    await page.getByLabel('Show All (include inactive accounts)').check();
    const harold = page.locator('#patient_id option', { hasText: 'Finch, Harold' });
    await expect.poll(() => harold.count()).toBe(1);
    expect(await harold.textContent()).toContain('R-1003 · Inactive · Low back pain');
    await page.locator('#patient_id').selectOption((await harold.getAttribute('value'))!);

    expect(await page.locator('#audience').textContent()).toContain('Fiona Desmond'); // Anyone in Practice, the default
    await page.getByLabel('Visible To').selectOption({ label: 'Clinical Only' });
    await expect.poll(() => page.locator('#audience').textContent()).not.toContain('Fiona Desmond');
    const audience = await page.locator('#audience').textContent();
    expect(audience).toContain('Olivia Owens');
    expect(audience).toContain('Diana Diaz');
    expect(audience).toContain('Paul Torres');
    expect(audience).not.toContain('You will no longer see');
    await expectAccessible(page);

    await page.getByRole('button', { name: 'Create Thread' }).click();
    await page.waitForURL((u) => /^\/tickets\/\d+$/.test(u.pathname));
    await expect.poll(() => page.getByRole('heading', { name: /Statement address for an old account/ }).count()).toBe(1);
    expect(await page.locator('.ticket-facts').textContent()).toContain('Finch, Harold');
    expect(await page.locator('.ticket-facts').textContent()).toContain('Clinical Only, and Olivia Owens who opened it');
    await expectAccessible(page);
    const threadPath = new URL(page.url()).pathname;

    await page.getByRole('navigation', { name: 'Menu Bar' }).getByRole('link', { name: /^Get Help/ }).click();
    await page.waitForURL((u) => u.pathname === '/tickets');
    const row = page.getByRole('row', { name: /Statement address for an old account/ });
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.textContent()).toContain('Finch, Harold (R-1003)');
    expect(await row.textContent()).toContain('Waiting on StrataPT');
    await expectAccessible(page);

    await row.getByRole('link', { name: 'Statement address for an old account' }).click();
    await page.waitForURL((u) => u.pathname === threadPath);
    await page.getByLabel('Your reply').fill('He has moved; the new address is on his account.');
    await page.getByRole('button', { name: 'Send reply' }).click();
    await expect.poll(() => page.locator('.messages > li').count()).toBe(2);
    expect(await page.locator('.messages').textContent()).toContain('He has moved; the new address is on his account.');
  }, 120_000);

  it('warns before submit when a named colleague is chosen in Visible To', async () => {
    const page = await h.newPage();
    await h.signIn(page, 'owner@riverside.example');
    await page.goto('/tickets/new');
    await page.getByLabel('Visible To').selectOption({ label: 'Paul Torres' });
    const warning = page.locator('#audience .visibility-warning');
    await expect.poll(() => warning.count()).toBe(1);
    expect(await warning.textContent()).toContain('You will no longer see this thread after you create it.');
    expect(await page.locator('#audience').textContent()).not.toContain('Olivia Owens');
    await expectAccessible(page);
    // Back to a role: the warning goes away.
    await page.getByLabel('Visible To').selectOption({ label: 'Anyone in Practice' });
    await expect.poll(() => warning.count()).toBe(0);
  }, 120_000);

  it('shows the Overdue block at Summit and clears it by replying', async () => {
    const page = await h.newPage();
    await h.signIn(page, 'admin@summit.example');
    await expect.poll(() => page.getByText('New threads are blocked.').count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Create Thread' }).isDisabled()).toBe(true);
    await expectAccessible(page);
    // The block links it, and so does the Dashboard's Needs your reply: open it from the block.
    await page.locator('#overdue-block').getByRole('link', { name: 'EOB submission for October remittance' }).click();
    await page.waitForURL((u) => /^\/tickets\/\d+$/.test(u.pathname));
    expect(await page.locator('h1 .overdue').textContent()).toBe('Overdue');
    await expectAccessible(page);
    await page.getByLabel('Your reply').fill('Attached is the October EOB.');
    await page.getByLabel('Attachments (optional)').setInputFiles({ name: 'eob.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n%%EOF\n') });
    await page.getByRole('button', { name: 'Send reply' }).click();
    await expect.poll(() => page.getByRole('link', { name: 'eob.pdf' }).count()).toBe(1);
    expect(await page.locator('h1 .overdue').count()).toBe(0);
    await page.getByRole('navigation', { name: 'Menu Bar' }).getByRole('link', { name: 'Dashboard' }).click();
    await page.waitForURL((u) => u.pathname === '/dashboard');
    await expect.poll(() => page.getByRole('link', { name: 'Create Thread' }).count()).toBe(1);
    expect(await page.getByText('New threads are blocked.').count()).toBe(0);
  }, 120_000);
});
