import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserHarness, expectAccessible, type BrowserHarness } from '../support/browser.ts';

// The emergency notice's exact texts follow the typing (htmx asks the server's one counter), and a
// reason's starting text fills the message for the director to edit.

let h: BrowserHarness;
beforeAll(async () => {
  h = await startBrowserHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('emergency notice preview in a browser', () => {
  it('picks a starting text, then counts characters and segments live while it is edited', async () => {
    const page = await h.newPage();
    await h.signIn(page, 'director@riverside.example');
    await page.goto('/emergency');
    await page.getByLabel('Reason').selectOption('illness');
    await page.getByLabel('From').fill('2026-12-14T08:00');
    await page.getByLabel('Until').fill('2026-12-14T17:00');
    await page.getByRole('button', { name: 'Use the starting text for this reason' }).click();
    await expect.poll(() => page.getByLabel('Message').inputValue()).toBe('Due to staff illness, appointments on Monday, Dec 14 are cancelled. Please call us to reschedule.');
    const full = (m: string) => `Riverside Physical Therapy: ${m} Questions: (555) 010-2000. Reply STOP to opt out.`;
    const start = full('Due to staff illness, appointments on Monday, Dec 14 are cancelled. Please call us to reschedule.');
    expect(await page.getByTestId('final-sms').innerText()).toBe(start);
    expect(start.length).toBe(175);
    expect(await page.getByTestId('sms-counter').innerText()).toBe('175 characters · 2 SMS segments (GSM-7, up to 153 per segment)');
    await expectAccessible(page);

    // Edited shorter: one segment, without pressing anything.
    await page.getByLabel('Message').fill('Closed Monday, Dec 14 (illness). Please call to rebook.');
    expect(full('Closed Monday, Dec 14 (illness). Please call to rebook.').length).toBe(133);
    await expect.poll(() => page.getByTestId('sms-counter').innerText()).toBe('133 characters · 1 SMS segment (GSM-7, up to 160 per segment)');
    // A curly apostrophe turns the whole text into UCS-2.
    await page.getByLabel('Message').fill('We’re closed Monday, Dec 14. Please call to rebook.');
    expect(full('We’re closed Monday, Dec 14. Please call to rebook.').length).toBe(129);
    await expect.poll(() => page.getByTestId('sms-counter').innerText()).toBe('129 characters · 2 SMS segments (UCS-2, up to 67 per segment)');
    // Email unchecked: its part goes away.
    await page.getByRole('checkbox', { name: 'Email' }).uncheck();
    await expect.poll(() => page.getByTestId('final-email').count()).toBe(0);
    expect(await page.getByTestId('final-sms').count()).toBe(1);
    await expectAccessible(page);
  }, 120_000);
});
