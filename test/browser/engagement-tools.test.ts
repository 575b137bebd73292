import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { startBrowserHarness, expectAccessible, type BrowserHarness } from '../support/browser.ts';

let h: BrowserHarness;
beforeAll(async () => {
  h = await startBrowserHarness({ config: { DEMO: 'true' } });
});
afterAll(() => h.close());

// The demo world's clock is 2026-11-23 15:00 UTC; Maria Gonzalez (knee account) has an appointment
// tomorrow at 11:00 in Chicago.
const WINDOW_START = '2026-11-24T08:00';
const WINDOW_END = '2026-11-24T17:00';

describe('emergency notifications in a browser', { timeout: 120_000 }, () => {
  it('composes a closure notice, previews the exact recipients and sends it', async () => {
    const page = await h.newPage();
    await h.signIn(page, 'director@riverside.example');
    await page.getByRole('link', { name: 'Send an emergency notification' }).click();
    await page.waitForURL((u) => u.pathname === '/emergency');
    await expectAccessible(page);

    await page.getByLabel('Reason').selectOption('weather');
    await page.getByLabel('From').fill(WINDOW_START);
    await page.getByLabel('Until').fill(WINDOW_END);
    await page.getByLabel('Message').fill('Because of the ice storm the clinic is closed tomorrow. Your appointment is cancelled; please call us to reschedule.');
    expect(await page.getByRole('checkbox', { name: 'Text' }).isChecked()).toBe(true);
    expect(await page.getByRole('checkbox', { name: 'Email' }).isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Preview recipients' }).click();

    await expect.poll(() => page.getByRole('heading', { name: 'Recipients' }).count()).toBe(1);
    const table = page.getByRole('table').first();
    expect(await table.getByText('Gonzalez, Maria').count()).toBe(1);
    expect(await table.getByText('R-1002').count()).toBe(1);
    const status = await page.getByRole('status').first().innerText();
    expect(status).toMatch(/\d+ patients? with appointments in this window will be notified: \d+ by text, \d+ by email/);
    await expectAccessible(page);

    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: /^Send to \d+ patients?$/ }).click();
    await page.waitForURL((u) => /^\/emergency\/\d+$/.test(u.pathname));
    await expect.poll(() => page.getByText(/^Sent: \d+ by text and \d+ by email/).count()).toBe(1);
    expect(await page.getByRole('cell', { name: 'Gonzalez, Maria' }).count()).toBeGreaterThan(0);
    await expectAccessible(page);

    const maria = await h.t.db.selectFrom('patients').select('id').where('account_number', '=', 'R-1002').executeTakeFirstOrThrow();
    const rows = await h.t.db.selectFrom('outbox_messages').select(['channel']).where('kind', '=', 'emergency').where('patient_id', '=', maria.id).execute();
    expect(rows.length).toBeGreaterThan(0);
    expect(await h.t.db.selectFrom('emergency_notices').select('id').execute()).toHaveLength(1);
  });

  it('refuses promotional wording and points to the Patient Email Report', async () => {
    const page = await h.newPage();
    await h.signIn(page, 'director@riverside.example');
    await page.goto('/emergency');
    await page.getByLabel('Reason').selectOption('other');
    await page.getByLabel('From').fill(WINDOW_START);
    await page.getByLabel('Until').fill(WINDOW_END);
    const text = 'We are closed tomorrow, but book next week and get 20% off! Refer a friend too.';
    await page.getByLabel('Message').fill(text);
    await page.getByRole('button', { name: 'Preview recipients' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Marketing messages are not supported' }).count()).toBe(1);
    const refusal = page.locator('.marketing-refusal');
    expect(await refusal.innerText()).toContain('deliverability');
    expect(await refusal.getByRole('link', { name: 'Patient Email Report' }).getAttribute('href')).toBe('/reports/patient-email');
    expect(await page.getByRole('textbox', { name: 'Message' }).inputValue()).toBe(text);
    expect(await page.getByRole('button', { name: /^Send to/ }).count()).toBe(0);
    await expectAccessible(page);
  });
});

describe('Patient Email Report in a browser', { timeout: 120_000 }, () => {
  it('downloads the CSV as a Practice Administrator with Reporting', async () => {
    const page = await h.newPage();
    await h.signIn(page, 'admin@riverside.example');
    await page.getByRole('navigation', { name: 'Menu Bar' }).getByRole('link', { name: 'Reports' }).click();
    await page.getByRole('link', { name: 'Patient Email Report' }).click();
    await page.waitForURL((u) => u.pathname === '/reports/patient-email');
    await expectAccessible(page);
    await page.getByLabel('All patients, including inactive').check();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^patient-email-report-riverside-physical-therapy-\d{4}-\d{2}-\d{2}\.csv$/);
    const rows: string[][] = parse(await readFile((await download.path())!, 'utf8'));
    expect(rows[0]).toEqual(['First Name', 'Last Name', 'Email', 'Mobile Phone', 'Account Number', 'Status', 'Unsubscribed From Email']);
    expect(rows.some((r) => r[0] === 'Harold' && r[5] === 'Inactive')).toBe(true);
    expect(rows.some((r) => r[0] === 'James' && r[1] === 'Carter')).toBe(true);
    await page.goto('/reports/patient-email');
    await expect.poll(() => page.getByRole('heading', { name: 'Recent downloads' }).count()).toBe(1);
    await expectAccessible(page);
  });
});

describe('statements in a browser', { timeout: 120_000 }, () => {
  it('shows a patient’s statements to staff and the day’s print batch to the vendor’s Billing team', async () => {
    const patient = await h.t.db.selectFrom('patients').select('id').where('account_number', '=', 'R-1014').executeTakeFirstOrThrow();
    const page = await h.newPage();
    await h.signIn(page, 'frontdesk@riverside.example');
    await page.goto(`/patients/${patient.id}/statements`);
    await expect.poll(() => page.getByRole('link', { name: 'Statements' }).getAttribute('aria-current')).toBe('page');
    expect(await page.getByRole('cell', { name: /Mail to alternate statement address/ }).count()).toBe(1);
    const pdfLink = page.getByRole('link', { name: /View statement of .* \(PDF\)/ });
    expect(await pdfLink.getAttribute('href')).toMatch(new RegExp(`^/patients/${patient.id}/statements/\\d+\\.pdf$`));
    await expectAccessible(page);

    const vendor = await h.newPage();
    await h.signIn(vendor, 'billing@stratapt.example');
    await vendor.getByRole('navigation', { name: 'Menu Bar' }).getByRole('link', { name: 'Print Batches' }).click();
    await vendor.waitForURL((u) => u.pathname === '/vendor/print-batches');
    const download = vendor.getByRole('link', { name: /Download Riverside Physical Therapy .* \(PDF\)/ });
    expect(await download.count()).toBe(1);
    await expectAccessible(vendor);
    const [file] = await Promise.all([vendor.waitForEvent('download'), download.click()]);
    expect(file.suggestedFilename()).toMatch(/^statements-riverside-physical-therapy-\d{4}-\d{2}-\d{2}\.pdf$/);
  });
});
