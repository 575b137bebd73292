import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { startBrowserHarness, expectAccessible, type BrowserHarness } from '../support/browser.ts';

// The console's service levels in a real browser: where each member lands, a canned reply inserted
// into the reply box by htmx, a practice's attachment downloaded from the console, the targets page;
// and the polish: the menu bar on one line at 1280 px, the console's header the same however reached.

let h: BrowserHarness;
beforeAll(async () => {
  h = await startBrowserHarness({ config: { DEMO: 'true', SESSION_IDLE_MINUTES: '1440' } });
});
afterAll(() => h.close());

async function ticketId(subject: string) {
  return (await h.t.db.selectFrom('tickets').select('id').where('subject', '=', subject).executeTakeFirstOrThrow()).id;
}

describe('console service levels in a browser', () => {
  it('members land on their own queue, admins on All open; the header is the console colour after sign-in and on reload', { timeout: 120_000 }, async () => {
    const member = await h.newPage();
    await h.signIn(member, 'success@stratapt.example');
    await expect.poll(() => member.getByRole('heading', { level: 1 }).textContent()).toBe('Customer Success queue');
    const boosted = await member.locator('header.menu-bar').evaluate((e) => getComputedStyle(e).backgroundColor);
    await member.reload();
    const reloaded = await member.locator('header.menu-bar').evaluate((e) => getComputedStyle(e).backgroundColor);
    expect(boosted).toBe('rgb(45, 47, 51)');
    expect(reloaded).toBe(boosted);
    expect(await member.getByRole('row', { name: /Daily note template for ACL protocol/ }).getByText(/Past target/).count()).toBe(1);
    await expectAccessible(member);

    const admin = await h.newPage();
    await h.signIn(admin, 'root@stratapt.example');
    await expect.poll(() => admin.getByRole('heading', { level: 1 }).textContent()).toBe('All departments');
    expect(await admin.getByRole('navigation', { name: 'Filters' }).getByRole('link', { name: /^All open/ }).getAttribute('aria-current')).toBe('true');
    expect(await admin.getByRole('link', { name: 'Schedule view freezes when switching providers' }).count()).toBe(1);
    expect(await admin.getByRole('link', { name: 'Claim denied for knee visit (CO-197 authorization)' }).count()).toBe(1);
    await expectAccessible(admin);

    await admin.goto('/vendor/settings');
    await admin.getByLabel('Technical Support').selectOption('8');
    await admin.getByRole('button', { name: 'Save targets' }).click();
    await expect.poll(() => admin.getByText('Saved.').count()).toBe(1);
    await expectAccessible(admin);
    expect((await h.t.db.selectFrom('department_targets').select('first_response_hours').where('department', '=', 'technical').executeTakeFirstOrThrow()).first_response_hours).toBe(8);
    await admin.goto('/vendor/macros');
    await expectAccessible(admin);
    await admin.goto('/vendor/macros/new');
    await admin.getByLabel('Title').fill(' ');
    await admin.getByLabel('Text').fill('Hi {name}');
    await admin.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => admin.getByText('Give the reply a title.').count()).toBe(1);
    expect(await admin.getByText('Unknown placeholder {name}: use {practice} or {first_name}.').count()).toBe(1);
    expect(await admin.getByText('Choose a department.').count()).toBe(1);
    expect(await admin.getByLabel('Text').inputValue()).toBe('Hi {name}');

    // The service report: the chart is an image with a title, the figures are in tables beside it.
    await admin.goto('/vendor/service-report');
    expect(await admin.getByRole('img', { name: 'Median first response per week, in hours, by department' }).count()).toBe(1);
    const billing = admin.getByRole('table').first();
    // Demo, week of Nov 16: four Billing/Patient threads opened, none closed yet; first responses with a median of
    // 27.0 h and a p90 of 60.6 h (the figures themselves are checked against a hand-computed fixture in
    // test/console/service-report.test.ts).
    const row = billing.getByRole('row', { name: /^Nov 16, 2026/ });
    expect((await row.getByRole('cell').allTextContents()).slice(0, 4)).toEqual(['4', '0', '27.0 h', '60.6 h']);
    await expectAccessible(admin);
    await expectAccessible(admin);
  });

  it('inserts a canned reply into the reply box (htmx, keeping what was typed) and sends it', { timeout: 120_000 }, async () => {
    const id = await ticketId('Training for new front desk hire');
    const page = await h.newPage();
    await h.signIn(page, 'success@stratapt.example');
    await page.goto(`/vendor/tickets/${id}`);
    await page.getByLabel('Reply', { exact: true }).fill('Welcome aboard!');
    await page.getByLabel('Canned reply').selectOption({ label: 'Training sessions' });
    await page.getByRole('button', { name: 'Insert' }).click();
    await expect.poll(() => page.getByLabel('Reply', { exact: true }).inputValue()).toContain('Our weekly onboarding session');
    // Form posts carry line breaks as CRLF (the HTML form encoding); compare the lines.
    const text = (await page.getByLabel('Reply', { exact: true }).inputValue()).replace(/\r\n/g, '\n');
    // Opened by Summit's physical therapist; the practice is Summit.
    const practice = (await h.t.db.selectFrom('practices').select('name').where('name', 'like', 'Summit%').executeTakeFirstOrThrow()).name;
    const opener = (await h.t.db.selectFrom('users').select('name').where('email', '=', 'pt@summit.example').executeTakeFirstOrThrow()).name.split(' ')[0];
    expect(text).toBe(`Welcome aboard!\n\nHi ${opener},\n\nOur weekly onboarding session is on Tuesdays at 11 AM Central. Reply here with the names of the people from ${practice} who will join.`);
    expect(new URL(page.url()).pathname).toBe(`/vendor/tickets/${id}`);
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Send reply' }).click();
    await expect.poll(() => page.getByText('Reply sent.').count()).toBe(1);
    const sent = await h.t.db.selectFrom('ticket_messages').select('body').where('ticket_id', '=', id).orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(sent.body.replace(/\r\n/g, '\n')).toBe(text);
  });

  it("downloads the practice's attachment from the console thread", { timeout: 120_000 }, async () => {
    const id = await ticketId('Daily note template for ACL protocol');
    const page = await h.newPage();
    await h.signIn(page, 'success@stratapt.example');
    await page.goto(`/vendor/tickets/${id}`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'acl-protocol-phases.txt' }).click()]);
    expect(download.suggestedFilename()).toBe('acl-protocol-phases.txt');
    expect(await readFile((await download.path())!, 'utf8')).toContain('Phase 1 (weeks 0-2)');
    const audit = await h.t.db.selectFrom('audit_log').select(['actor_user_id', 'record_type']).where('action', '=', 'ticket.attachment.downloaded').execute();
    expect(audit).toEqual([{ actor_user_id: await h.t.userId('success@stratapt.example'), record_type: 'ticket_attachment' }]);
  });
});

describe('the menu bar at 1280 px', () => {
  for (const email of ['admin@riverside.example', 'owner@riverside.example', 'root@stratapt.example']) {
    it(`fits on one line for ${email}`, { timeout: 120_000 }, async () => {
      const page = await h.newPage({ width: 1280 });
      await h.signIn(page, email);
      await page.screenshot({ path: `/tmp/menu-${email.split('@')[0]}-${email.includes('stratapt') ? 'vendor' : 'practice'}.png`, clip: { x: 0, y: 0, width: 1280, height: 120 } });
      const tops = await page.locator('header.menu-bar').evaluate((header) =>
        [header.querySelector('.brand'), ...header.querySelectorAll('nav li'), header.querySelector('.account')].map((e) => Math.round(e!.getBoundingClientRect().top + e!.getBoundingClientRect().height / 2)),
      );
      // Every part's vertical centre within a few pixels of the first: one row.
      expect(tops.every((t) => Math.abs(t - tops[0]) <= 4), `centres ${tops.join(', ')}`).toBe(true);
    });
  }
});
