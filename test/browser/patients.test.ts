import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserHarness, expectAccessible, type BrowserHarness } from '../support/browser.ts';

let h: BrowserHarness;
beforeAll(async () => {
  h = await startBrowserHarness();
});
afterAll(() => h.close());

describe('patients in a browser', () => {
  it('finds a patient by typing, records a $100 responsibility, and sees the balance', { timeout: 120_000 }, async () => {
    const page = await h.newPage();
    await h.signIn(page, 'frontdesk@riverside.example');
    await page.goto('/patients');
    await expectAccessible(page);
    await page.getByLabel('Search by name, date of birth or account number').fill('carter');
    // htmx swaps in the results as the user types; no submit needed.
    await expect.poll(() => page.locator('#patient-results tbody tr').count()).toBe(1);
    expect(await page.locator('#patient-results').textContent()).toContain('$100.00');
    await page.getByRole('link', { name: 'Carter, James' }).click();
    await page.waitForURL((u) => /^\/patients\/\d+$/.test(u.pathname));
    expect(await page.getByTestId('patient-balance').textContent()).toBe('$100.00');
    await expectAccessible(page);

    await page.getByLabel('Amount ($)').fill('100');
    await page.getByLabel('Note (optional)').fill('Visit coinsurance');
    await page.getByRole('button', { name: 'Record' }).click();
    await expect.poll(() => page.getByText('Recorded.').count()).toBe(1);
    expect(await page.getByTestId('patient-balance').textContent()).toBe('$200.00');
    expect(await page.locator('#ledger').textContent()).toContain('Fiona Desmond');
    await expectAccessible(page);

    // A mistake re-renders with the message at the field and the amount as typed.
    await page.getByLabel('Amount ($)').fill('ten dollars');
    await page.getByRole('button', { name: 'Record' }).click();
    await expect.poll(() => page.getByText('Enter an amount in dollars and cents').count()).toBe(1);
    expect(await page.getByLabel('Amount ($)').inputValue()).toBe('ten dollars');
    expect(await page.getByTestId('patient-balance').textContent()).toBe('$200.00');
    await expectAccessible(page);
  });

  it('a Therapy Director saves Patient Engagement settings', { timeout: 90_000 }, async () => {
    const page = await h.newPage({ width: 390, height: 844 });
    await h.signIn(page, 'director@riverside.example');
    await page.goto('/settings');
    await page.getByRole('link', { name: 'Patient Engagement' }).click();
    await page.waitForURL((u) => u.pathname === '/settings/patient-engagement');
    await expectAccessible(page);
    await page.getByLabel('Every Month').check();
    await page.getByLabel('72 hours before').check();
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByText('Saved.').count()).toBe(1);
    expect(await page.getByTestId('last-changed').textContent()).toContain('Last changed by Diana Diaz');
    expect(await page.getByLabel('Every Month').isChecked()).toBe(true);
    const practice = await h.t.db.selectFrom('practices').select(['balance_alert_frequency', 'reminder_lead_hours']).where('name', '=', 'Riverside Physical Therapy').executeTakeFirstOrThrow();
    expect(practice).toEqual({ balance_alert_frequency: 'monthly', reminder_lead_hours: 72 });
    await expectAccessible(page);
  });

  it('the import page and a finished import are accessible', { timeout: 90_000 }, async () => {
    const page = await h.newPage();
    await h.signIn(page, 'admin@riverside.example');
    await page.goto('/patients/import');
    await expectAccessible(page);
    await page.getByLabel('The file contains').selectOption('patients');
    await page.getByLabel('CSV file').setInputFiles({ name: 'p.csv', mimeType: 'text/csv', buffer: Buffer.from('account_number,first_name,last_name,date_of_birth\nB-1,Bea,Brown,1999-02-03\nB-2,Cy,Clark,13/45/2000\n') });
    await page.getByRole('button', { name: 'Upload and import' }).click();
    await page.waitForURL((u) => /^\/patients\/import\/\d+$/.test(u.pathname));
    await expect.poll(() => page.locator('#import-progress').getAttribute('data-status'), { timeout: 10_000 }).toBe('rejected');
    expect(await page.locator('#import-progress').textContent()).toContain('bad date');
    await expectAccessible(page);
  });
});
