import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserHarness, expectAccessible, type BrowserHarness } from '../support/browser.ts';

let h: BrowserHarness;
let james: number;
beforeAll(async () => {
  h = await startBrowserHarness({ config: { DEMO: 'true' } });
  james = (await h.t.db.selectFrom('patients').select('id').where('account_number', '=', 'R-1004').executeTakeFirstOrThrow()).id;
});
afterAll(() => h.close());

const sub = (kind: string, channel: string) =>
  h.t.db.selectFrom('subscriptions').select('subscribed').where('patient_id', '=', james).where('kind', '=', kind as 'emergency').where('channel', '=', channel as 'sms').executeTakeFirst();

describe('Patient Engagement in a browser', () => {
  it('toggles save instantly with htmx, add a consent history row, and the page stays accessible', async () => {
    const page = await h.newPage();
    await h.signIn(page, 'frontdesk@riverside.example');
    await page.goto(`/patients/${james}/engagement`);
    await expect.poll(() => page.getByRole('heading', { name: /James Carter/ }).count()).toBe(1);
    await expectAccessible(page);

    const reminders = page.getByRole('switch', { name: 'Appointment reminders by text' });
    expect(await reminders.getAttribute('aria-checked')).toBe('true');
    const url = page.url();
    await reminders.click();
    await expect.poll(() => page.getByRole('switch', { name: 'Appointment reminders by text' }).getAttribute('aria-checked')).toBe('false');
    expect(page.url()).toBe(url);
    expect(await sub('appointment_reminder', 'sms')).toEqual({ subscribed: false });
    await expect.poll(() => page.getByRole('cell', { name: 'Fiona Desmond' }).count()).toBe(1);

    await page.getByRole('switch', { name: 'Appointment reminders by text' }).click();
    await expect.poll(() => page.getByRole('switch', { name: 'Appointment reminders by text' }).getAttribute('aria-checked')).toBe('true');
    expect(await sub('appointment_reminder', 'sms')).toEqual({ subscribed: true });
    await expect.poll(() => page.getByRole('cell', { name: 'Fiona Desmond' }).count()).toBe(2);
    await expectAccessible(page);
  });

  it('works without JavaScript: the same form posts and the page reloads with the new state', async () => {
    const context = await h.browser.newContext({ baseURL: h.baseUrl, javaScriptEnabled: false });
    const page = await context.newPage();
    await h.signIn(page, 'frontdesk@riverside.example');
    await page.goto(`/patients/${james}/engagement`);
    await page.getByRole('switch', { name: 'Emergency notifications by email' }).click();
    await page.waitForURL((u) => u.pathname === `/patients/${james}/engagement`);
    expect(await page.getByRole('switch', { name: 'Emergency notifications by email' }).getAttribute('aria-checked')).toBe('false');
    expect(await sub('emergency', 'email')).toEqual({ subscribed: false });
    await context.close();
  });
});

describe('Sent Messages in a browser', () => {
  it('a vendor admin reads captured messages and follows a balance alert link to the portal', async () => {
    const page = await h.newPage();
    await h.signIn(page, 'root@stratapt.example');
    await page.goto('/vendor/messages');
    await expect.poll(() => page.getByRole('heading', { name: 'Sent Messages' }).count()).toBe(1);
    await expectAccessible(page);
    await page.getByLabel('Channel').selectOption('sms');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL((u) => u.searchParams.get('channel') === 'sms');
    const link = page.getByRole('link', { name: /\/portal\// }).first();
    const href = await link.getAttribute('href');
    expect(href).toMatch(/\/portal\//);
    await page.goto(new URL(href!).pathname);
    expect(new URL(page.url()).pathname).toMatch(/^\/portal\//);

    await page.goto('/vendor/jobs');
    await expect.poll(() => page.getByRole('button', { name: 'Run outbox-dispatch now' }).count()).toBe(1);
    await expectAccessible(page);
    // Run now: the demo's balance-alert run ends within the 2 s the page waits, so it answers with the result.
    await page.getByRole('button', { name: 'Run balance-alerts now' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: /^Ran balance-alerts: [\d,]+ rows? handled\.$/ }).count()).toBe(1);
    expect(new URL(page.url()).pathname).toBe('/vendor/jobs');
    await expect.poll(() => page.getByRole('heading', { name: 'Running now' }).count()).toBe(1);
    await expectAccessible(page);
  });
});
