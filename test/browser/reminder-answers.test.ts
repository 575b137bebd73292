import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserHarness, expectAccessible, type BrowserHarness } from '../support/browser.ts';
import { runAppointmentReminders } from '../../src/reminders/reminders.ts';
import { drainOutbox } from '../../src/messaging/dispatcher.ts';
import { capturedTransports } from '../../src/messaging/transports.ts';

// A reminder email's "Confirm" and "Need to reschedule?" links, followed on a phone, and what the
// front desk sees afterwards (docs/rules.md, "Appointment reminders").

let h: BrowserHarness;
let riverside: number;

beforeAll(async () => {
  h = await startBrowserHarness();
  h.t.config.publicUrl = h.baseUrl;
  riverside = (await h.t.db.selectFrom('practices').select('id').where('name', '=', 'Riverside Physical Therapy').executeTakeFirstOrThrow()).id;
});
afterAll(async () => {
  await h?.close();
});

async function remindedEmail(account: string, startsAt: string) {
  const patient = await h.t.db.selectFrom('patients').select(['id', 'email']).where('account_number', '=', account).where('practice_id', '=', riverside).executeTakeFirstOrThrow();
  const appt = await h.t.db
    .insertInto('appointments')
    .values({ practice_id: riverside, patient_id: patient.id, starts_at: new Date(startsAt), provider_name: 'Paul Torres', location: 'Riverside Main Clinic' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await runAppointmentReminders(h.t.db, h.t.clock.now(), h.baseUrl);
  await drainOutbox(h.t.db, h.t.clock.now(), capturedTransports);
  const emails = await h.t.db
    .selectFrom('outbox_messages')
    .select(['body', 'reason', 'status'])
    .where('kind', '=', 'appointment_reminder')
    .where('channel', '=', 'email')
    .where('patient_id', '=', patient.id)
    .execute();
  const email = emails.find((e) => (e.reason as { appointmentId: number }).appointmentId === appt.id);
  if (!email) throw new Error(`no reminder email for ${account}: ${JSON.stringify(emails)}`);
  const confirm = email.body!.match(/Confirm: (\S+)/)![1]!;
  const reschedule = email.body!.match(/Need to reschedule\? (\S+)/)![1]!;
  return { appointmentId: appt.id, patientId: patient.id, confirm, reschedule };
}

describe('answering a reminder email in a browser', () => {
  it('confirms by link on a phone without a date of birth, once; the link then says it was used', async () => {
    // Monday 9:00 CST now; the appointment is Tuesday 8:00 AM CST, inside the 24-hour lead.
    h.t.clock.set('2026-11-23T15:00:00Z');
    const r = await remindedEmail('R-1016', '2026-11-24T14:00:00Z');
    expect(r.confirm).toMatch(new RegExp(`^${h.baseUrl}/appointment-replies/[A-Za-z0-9_-]{40,}/confirm$`));

    const page = await h.newPage({ width: 390, height: 844 });
    await page.goto(r.confirm);
    await expect.poll(() => page.getByRole('heading', { name: 'Confirm your appointment' }).count()).toBe(1);
    expect(await page.getByText('Tue, Nov 24 at 8:00 AM').count()).toBe(1);
    expect(await page.getByLabel(/date of birth/i).count()).toBe(0);
    await expectAccessible(page);
    // Opening the link answered nothing (a mail scanner follows links too).
    expect(await h.t.db.selectFrom('appointment_answers').select('id').where('appointment_id', '=', r.appointmentId).execute()).toEqual([]);

    await page.getByRole('button', { name: 'Confirm my appointment' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Your appointment is confirmed' }).count()).toBe(1);
    await expectAccessible(page);
    expect(await h.t.db.selectFrom('appointment_answers').select(['answer', 'via']).where('appointment_id', '=', r.appointmentId).execute()).toEqual([{ answer: 'confirmed', via: 'email_link' }]);

    await page.goto(r.confirm);
    await expect.poll(() => page.getByText('This link was already used').count()).toBe(1);
    await page.goto(r.reschedule);
    await expect.poll(() => page.getByText('This link was already used').count()).toBe(1);
    await expectAccessible(page);
    expect(await h.t.db.selectFrom('appointment_answers').select('id').where('appointment_id', '=', r.appointmentId).execute()).toHaveLength(1);
    // A link that is not one: a clear page, nothing else.
    const bad = await page.goto(`${h.baseUrl}/appointment-replies/not-a-real-token-at-all/confirm`);
    expect(bad!.status()).toBe(404);
    await expect.poll(() => page.getByRole('heading', { name: 'This link does not work' }).count()).toBe(1);
    await expectAccessible(page);
    // It also works with JavaScript off: a plain form post.
    const noJs = await h.browser.newContext({ baseURL: h.baseUrl, javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
    const plain = await noJs.newPage();
    await plain.goto(r.confirm);
    await expect.poll(() => plain.getByText('This link was already used').count()).toBe(1);
    await noJs.close();

    // Staff: the patient's appointments and tomorrow's day list say Confirmed.
    const staff = await h.newPage();
    await h.signIn(staff, 'frontdesk@riverside.example');
    await staff.goto(`/patients/${r.patientId}`);
    expect(await staff.locator('section[aria-labelledby="appointments-heading"] tr', { hasText: 'Nov 24, 2026, 8:00 AM' }).innerText()).toContain('Confirmed');
    await staff.goto('/appointments/tomorrow');
    expect(await staff.locator('tr', { hasText: 'Anderson, Ethan' }).filter({ hasText: '8:00 AM' }).innerText()).toContain('Confirmed');
    await expectAccessible(staff);
  }, 120_000);

  it('asks to reschedule by link: the appointment stays, the Dashboard lists it, the link expires when the appointment starts', async () => {
    h.t.clock.set('2026-11-23T15:00:00Z');
    const r = await remindedEmail('R-1018', '2026-11-24T14:30:00Z');
    const page = await h.newPage({ width: 390, height: 844 });
    await page.goto(r.reschedule);
    await expect.poll(() => page.getByRole('heading', { name: 'Need to reschedule?' }).count()).toBe(1);
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Ask the office to reschedule' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'The office knows you need to reschedule' }).count()).toBe(1);
    expect(await page.getByText('stays booked').count()).toBe(1);
    await expectAccessible(page);
    expect(await h.t.db.selectFrom('appointments').select(['status', 'starts_at']).where('id', '=', r.appointmentId).executeTakeFirstOrThrow()).toEqual({ status: 'scheduled', starts_at: new Date('2026-11-24T14:30:00Z') });

    const staff = await h.newPage();
    await h.signIn(staff, 'frontdesk@riverside.example');
    await staff.goto('/dashboard');
    const changes = staff.locator('section[aria-labelledby="appointment-changes-heading"]');
    expect(await changes.innerText()).toMatch(/Jackson, Logan asked to reschedule Tue, Nov 24, 8:30 AM \(by email link/);
    await changes.getByRole('link', { name: 'Jackson, Logan' }).click();
    expect(await staff.locator('section[aria-labelledby="appointments-heading"] tr', { hasText: 'Nov 24, 2026, 8:30 AM' }).innerText()).toContain('Asked to reschedule');
    await staff.goto('/appointments/tomorrow');
    expect(await staff.locator('tr', { hasText: 'Jackson, Logan' }).filter({ hasText: '8:30 AM' }).innerText()).toContain('Asked to reschedule');

    // Another reminder's link after its appointment started: a clear page, nothing recorded.
    const late = await remindedEmail('R-1019', '2026-11-24T14:45:00Z');
    h.t.clock.set('2026-11-24T14:45:00Z');
    await page.goto(late.confirm);
    await expect.poll(() => page.getByRole('heading', { name: 'This link is no longer valid' }).count()).toBe(1);
    await expectAccessible(page);
    const res = await page.request.post(late.confirm, { headers: { Origin: h.baseUrl } });
    expect(res.status()).toBe(409);
    expect(await h.t.db.selectFrom('appointment_answers').select('id').where('appointment_id', '=', late.appointmentId).execute()).toEqual([]);
  }, 120_000);
});
