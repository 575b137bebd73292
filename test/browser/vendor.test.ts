import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserHarness, expectAccessible, type BrowserHarness } from '../support/browser.ts';

// The deadline round trip in real browsers: the vendor requires a response within 4 hours, the
// practice sees the due time in its own time zone, the clock passes it, the practice sees Overdue
// and the create block, answers, and everything clears.

let h: BrowserHarness;
let ticketId: number;
beforeAll(async () => {
  h = await startBrowserHarness({ config: { DEMO: 'true', SESSION_IDLE_MINUTES: '1440' } });
  ticketId = (await h.t.db.selectFrom('tickets').select('id').where('subject', '=', 'Claim denied for knee visit (CO-197 authorization)').executeTakeFirstOrThrow()).id;
});
afterAll(() => h.close());

describe('vendor console in a browser', () => {
  it('reply with a 4-hour requirement → practice sees the deadline → Overdue and the create block → practice replies → cleared', { timeout: 180_000 }, async () => {
    const vendor = await h.newPage();
    await h.signIn(vendor, 'billing@stratapt.example');
    expect(new URL(vendor.url()).pathname).toBe('/vendor');
    await expect.poll(() => vendor.getByRole('heading', { name: 'Billing/Patient queue' }).count()).toBe(1);
    await expectAccessible(vendor);
    await vendor.getByRole('navigation', { name: 'Filters' }).getByRole('link', { name: /^Waiting on practice/ }).click();
    await vendor.waitForURL((u) => u.search.includes('filter=practice'));
    await vendor.getByRole('link', { name: 'Claim denied for knee visit (CO-197 authorization)' }).click();
    await vendor.waitForURL((u) => u.pathname === `/vendor/tickets/${ticketId}`);
    await expectAccessible(vendor);
    await vendor.getByLabel('Reply', { exact: true }).fill('Please confirm the authorization number today.');
    await vendor.getByLabel('Require a response within').selectOption('4');
    await vendor.getByRole('button', { name: 'Send reply' }).click();
    await expect.poll(() => vendor.getByText('Reply sent. A response is now required.').count()).toBe(1);
    // 15:00Z + 4 h = 19:00Z = 1:00 PM in Chicago.
    await expect.poll(() => vendor.getByText(/Nov 23, 2026, 1:00\s?PM CST/).count()).toBeGreaterThan(0);

    const practice = await h.newPage();
    await h.signIn(practice, 'frontdesk@riverside.example');
    await practice.goto(`/tickets/${ticketId}`);
    await expect.poll(() => practice.getByText('Please confirm the authorization number today.').count()).toBe(1);
    await expect.poll(() => practice.getByText(/Nov 23, 2026, 1:00\s?PM CST/).count()).toBeGreaterThan(0);
    expect(await practice.locator('.overdue').count()).toBe(0);
    await expectAccessible(practice);

    h.t.clock.advanceHours(4);
    h.t.clock.advanceMinutes(1);
    await practice.reload();
    await expect.poll(() => practice.locator('h1 .overdue').count()).toBe(1);
    await practice.goto('/tickets/new');
    await expect.poll(() => practice.getByText('New threads are blocked.').count()).toBe(1);
    expect(await practice.locator('#overdue-block').getByRole('link', { name: 'Claim denied for knee visit (CO-197 authorization)' }).count()).toBe(1);
    await expectAccessible(practice);

    await practice.goto(`/tickets/${ticketId}`);
    await practice.getByLabel('Your reply').fill('The authorization number is on the account now.');
    await practice.getByRole('button', { name: /Send/ }).click();
    await expect.poll(() => practice.getByText('The authorization number is on the account now.').count()).toBe(1);
    expect(await practice.locator('h1 .overdue').count()).toBe(0);
    await practice.goto('/tickets/new');
    await expect.poll(() => practice.getByRole('heading', { name: 'Create New Message Thread' }).count()).toBe(1);
    expect(await practice.getByText('New threads are blocked.').count()).toBe(0);
    const row = await h.t.db.selectFrom('tickets').select(['response_due_at', 'status']).where('id', '=', ticketId).executeTakeFirstOrThrow();
    expect(row).toEqual({ response_due_at: null, status: 'waiting_vendor' });

    await vendor.reload();
    await expect.poll(() => vendor.getByText('The authorization number is on the account now.').count()).toBe(1);
    expect(await vendor.locator('h1 .overdue').count()).toBe(0);
  });

  it('an internal note is yellow for the vendor and invisible to the practice', { timeout: 120_000 }, async () => {
    const vendor = await h.newPage();
    await h.signIn(vendor, 'billing@stratapt.example');
    await vendor.goto(`/vendor/tickets/${ticketId}`);
    await vendor.getByLabel('Note for the StrataPT team').fill('Browser-only internal remark');
    await vendor.getByRole('button', { name: 'Add internal note' }).click();
    await expect.poll(() => vendor.locator('li.internal', { hasText: 'Browser-only internal remark' }).count()).toBe(1);
    await expectAccessible(vendor);
    const practice = await h.newPage();
    await h.signIn(practice, 'owner@riverside.example');
    await practice.goto(`/tickets/${ticketId}`);
    await expect.poll(() => practice.getByRole('heading', { name: /Claim denied/ }).count()).toBe(1);
    expect(await practice.getByText('Browser-only internal remark').count()).toBe(0);
  });
});

describe('Feedback portal in a browser', () => {
  it('suggests similar ideas while typing and toggles a vote in place', { timeout: 120_000 }, async () => {
    const page = await h.newPage();
    await h.signIn(page, 'director@riverside.example');
    await page.goto('/feedback');
    await expectAccessible(page);
    const card = page.locator('li.idea', { hasText: 'Text reminders in Spanish' });
    await expect.poll(() => card.locator('.votes strong').textContent()).toBe('3');
    await card.getByRole('button', { name: 'Vote for Text reminders in Spanish' }).click();
    await expect.poll(() => card.locator('.votes strong').textContent()).toBe('4');
    expect(await card.getByRole('button', { name: 'Remove my vote for Text reminders in Spanish' }).getAttribute('aria-pressed')).toBe('true');
    expect(new URL(page.url()).pathname).toBe('/feedback');
    const idea = await h.t.db.selectFrom('feedback_ideas').select(['id', 'vote_count']).where('title', '=', 'Text reminders in Spanish').executeTakeFirstOrThrow();
    expect(idea.vote_count).toBe(4);
    await card.getByRole('button', { name: 'Remove my vote for Text reminders in Spanish' }).click();
    await expect.poll(() => card.locator('.votes strong').textContent()).toBe('3');
    await expectAccessible(page);

    await page.goto('/feedback/new');
    await expect.poll(() => page.getByText('Do not include patient names', { exact: false }).count()).toBeGreaterThan(0);
    await page.getByLabel('Title').pressSequentially('drag and drop apointment', { delay: 20 });
    await expect.poll(() => page.locator('#similar-ideas').getByRole('link', { name: 'Drag and drop appointments on the schedule' }).count(), { timeout: 5000 }).toBe(1);
    await expectAccessible(page);
  });

  it('finds a practice by typing in the queue\'s practice filter and shows only its threads', { timeout: 120_000 }, async () => {
    const page = await h.newPage();
    await h.signIn(page, 'billing@stratapt.example');
    await page.goto('/vendor/queues/billing?filter=open');
    await expect.poll(() => page.getByRole('link', { name: 'Claim denied for knee visit (CO-197 authorization)' }).count()).toBe(1);
    await page.getByRole('searchbox', { name: 'Practice' }).pressSequentially('summ', { delay: 20 });
    const suggestion = page.locator('#practice-matches').getByRole('link', { name: 'Summit Sports Rehab' });
    await expect.poll(() => suggestion.count(), { timeout: 5000 }).toBe(1);
    await expectAccessible(page);
    await suggestion.click();
    await page.waitForURL((u) => u.searchParams.has('practice'));
    await expect.poll(() => page.getByText('Showing', { exact: false }).locator('strong').textContent()).toBe('Summit Sports Rehab');
    expect(await page.getByRole('link', { name: 'EOB submission for October remittance' }).count()).toBe(1);
    expect(await page.getByRole('link', { name: 'Claim denied for knee visit (CO-197 authorization)' }).count()).toBe(0);
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Show all practices' }).click();
    await page.waitForURL((u) => !u.searchParams.has('practice'));
    await expect.poll(() => page.getByRole('link', { name: 'Claim denied for knee visit (CO-197 authorization)' }).count()).toBe(1);
  });
});
