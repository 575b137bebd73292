import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { drainOutbox } from '../../src/messaging/dispatcher.ts';
import type { Envelope, Transport, Transports } from '../../src/messaging/transports.ts';
import { answerReminderByLink } from '../../src/reminders/replies.ts';
import { reminderSendTime, runAppointmentReminders } from '../../src/reminders/reminders.ts';
import { makeAppointment, makePatient, makePractice } from './fixtures.ts';

// What patients receive, end to end through the real dispatcher: the reminder run, then each message
// sent when its time comes. The expected words below were recorded from the code that rendered each
// reminder when it was queued (before the run became set-based, issue 16), so the template rendered
// at send time must say exactly the same.

let t: TestContext;
const sent: Envelope[] = [];
const recording: Transport = {
  name: 'recording',
  async send(m) {
    sent.push(m);
    return { ok: true, providerMessageId: `rec-${m.id}` };
  },
};
const transports: Transports = { email: recording, sms: recording };

beforeAll(async () => {
  t = await createTestContext({ seed: false });
});
afterAll(() => t.close());

type Case = { name: string; phone: string; timeZone: string; leadHours: 24 | 48 | 72; startsAt: string; location: string };

const CASES: Case[] = [
  { name: 'Summit Sports Rehab', phone: '(555) 010-3000', timeZone: 'America/Denver', leadHours: 24, startsAt: '2026-11-25T16:30:00Z', location: 'Main Clinic, 1 River Road' },
  // 07:30 local: the text moves back to 20:55 two evenings before (48 hours).
  { name: "O'Brien & Daughters Physical Therapy", phone: '(555) 010-3001', timeZone: 'America/Chicago', leadHours: 48, startsAt: '2026-11-27T13:30:00Z', location: 'Suite 4 <north> entrance' },
  // 72 hours across the end of daylight saving time (November 1, 2026).
  { name: 'Harbor PT', phone: '(555) 010-3002', timeZone: 'America/New_York', leadHours: 72, startsAt: '2026-11-02T14:00:00Z', location: 'Harbor Annex' },
  { name: 'Aloha Therapy', phone: '(808) 555-0100', timeZone: 'Pacific/Honolulu', leadHours: 24, startsAt: '2026-12-01T19:15:00Z', location: 'Café Building, Suite 3' },
  // 06:00 CDT on the day after the spring change (March 8, 2026).
  { name: 'Lakeside Therapy', phone: '(555) 010-4000', timeZone: 'America/Chicago', leadHours: 24, startsAt: '2026-03-10T11:00:00Z', location: 'Lakeside' },
];

const masked = (s: string | null) => s?.replace(/\/appointment-replies\/[A-Za-z0-9_-]+\//g, '/appointment-replies/<token>/') ?? null;

describe('appointment reminders: what is sent', () => {
  it('sends, for each appointment, the words the reminder has always had, and links that answer it', async () => {
    const appointments: number[] = [];
    for (const [i, c] of CASES.entries()) {
      const practice = await makePractice(t.db, { name: c.name, phone: c.phone, timeZone: c.timeZone, leadHours: c.leadHours });
      const patient = await makePatient(t.db, practice, { phone: `+1555030${String(i).padStart(4, '0')}`, email: `words${i}@example.com` });
      appointments.push(await makeAppointment(t.db, practice, patient, c.startsAt, { location: c.location }));
    }
    // Every moment a reminder is due, in order: the run 10 minutes before (the job runs every minute), the send at it.
    const moments = [...new Set(CASES.flatMap((c) => (['sms', 'email'] as const).map((ch) => reminderSendTime(new Date(c.startsAt), c.leadHours, ch, c.timeZone).getTime())))].sort((a, b) => a - b);
    for (const at of moments) {
      t.clock.set(new Date(at - 10 * 60_000));
      await runAppointmentReminders(t.db, t.clock.now(), t.config.publicUrl);
      t.clock.set(new Date(at));
      await drainOutbox(t.db, t.clock.now(), transports);
    }
    expect(sent).toHaveLength(CASES.length * 2);
    const words = [...sent].sort((a, b) => a.recipient.localeCompare(b.recipient)).map((m) => ({ to: m.recipient, subject: m.subject, body: masked(m.body) }));
    expect(words).toMatchInlineSnapshot(`
      [
        {
          "body": "Summit Sports Rehab: reminder of your appointment Wed, Nov 25 at 9:30 AM, Main Clinic, 1 River Road. Reply C to confirm, R to reschedule. Reply STOP to opt out.",
          "subject": null,
          "to": "+15550300000",
        },
        {
          "body": "O'Brien & Daughters Physical Therapy: reminder of your appointment Fri, Nov 27 at 7:30 AM, Suite 4 <north> entrance. Reply C to confirm, R to reschedule. Reply STOP to opt out.",
          "subject": null,
          "to": "+15550300001",
        },
        {
          "body": "Harbor PT: reminder of your appointment Mon, Nov 2 at 9:00 AM, Harbor Annex. Reply C to confirm, R to reschedule. Reply STOP to opt out.",
          "subject": null,
          "to": "+15550300002",
        },
        {
          "body": "Aloha Therapy: reminder of your appointment Tue, Dec 1 at 9:15 AM, Café Building, Suite 3. Reply C to confirm, R to reschedule. Reply STOP to opt out.",
          "subject": null,
          "to": "+15550300003",
        },
        {
          "body": "Lakeside Therapy: reminder of your appointment Tue, Mar 10 at 6:00 AM, Lakeside. Reply C to confirm, R to reschedule. Reply STOP to opt out.",
          "subject": null,
          "to": "+15550300004",
        },
        {
          "body": "This is a reminder of your appointment with Summit Sports Rehab:

      Wednesday, November 25, 2026 at 9:30 AM MST
      Main Clinic, 1 River Road

      Confirm: http://localhost:3000/appointment-replies/<token>/confirm
      Need to reschedule? http://localhost:3000/appointment-replies/<token>/reschedule

      Questions, or to cancel, please call (555) 010-3000.

      Summit Sports Rehab
      ",
          "subject": "Appointment reminder from Summit Sports Rehab",
          "to": "words0@example.com",
        },
        {
          "body": "This is a reminder of your appointment with O'Brien & Daughters Physical Therapy:

      Friday, November 27, 2026 at 7:30 AM CST
      Suite 4 <north> entrance

      Confirm: http://localhost:3000/appointment-replies/<token>/confirm
      Need to reschedule? http://localhost:3000/appointment-replies/<token>/reschedule

      Questions, or to cancel, please call (555) 010-3001.

      O'Brien & Daughters Physical Therapy
      ",
          "subject": "Appointment reminder from O'Brien & Daughters Physical Therapy",
          "to": "words1@example.com",
        },
        {
          "body": "This is a reminder of your appointment with Harbor PT:

      Monday, November 2, 2026 at 9:00 AM EST
      Harbor Annex

      Confirm: http://localhost:3000/appointment-replies/<token>/confirm
      Need to reschedule? http://localhost:3000/appointment-replies/<token>/reschedule

      Questions, or to cancel, please call (555) 010-3002.

      Harbor PT
      ",
          "subject": "Appointment reminder from Harbor PT",
          "to": "words2@example.com",
        },
        {
          "body": "This is a reminder of your appointment with Aloha Therapy:

      Tuesday, December 1, 2026 at 9:15 AM HST
      Café Building, Suite 3

      Confirm: http://localhost:3000/appointment-replies/<token>/confirm
      Need to reschedule? http://localhost:3000/appointment-replies/<token>/reschedule

      Questions, or to cancel, please call (808) 555-0100.

      Aloha Therapy
      ",
          "subject": "Appointment reminder from Aloha Therapy",
          "to": "words3@example.com",
        },
        {
          "body": "This is a reminder of your appointment with Lakeside Therapy:

      Tuesday, March 10, 2026 at 6:00 AM CDT
      Lakeside

      Confirm: http://localhost:3000/appointment-replies/<token>/confirm
      Need to reschedule? http://localhost:3000/appointment-replies/<token>/reschedule

      Questions, or to cancel, please call (555) 010-4000.

      Lakeside Therapy
      ",
          "subject": "Appointment reminder from Lakeside Therapy",
          "to": "words4@example.com",
        },
      ]
    `);

    // The links of a sent email answer its appointment: one token per email, in both links.
    const first = sent.find((m) => m.recipient === 'words0@example.com')!;
    const confirm = first.body.match(/Confirm: \S+\/appointment-replies\/([A-Za-z0-9_-]+)\/confirm/)![1]!;
    expect(first.body).toContain(`/appointment-replies/${confirm}/reschedule`);
    const outcome = await answerReminderByLink(t.db, new Date('2026-11-24T17:00:00Z'), confirm, 'confirmed', t.config.publicUrl);
    expect(outcome).toMatchObject({ state: 'answered', answer: 'confirmed', when: 'Wed, Nov 25 at 9:30 AM', practiceName: 'Summit Sports Rehab' });
    const second = sent.find((m) => m.recipient === 'words3@example.com')!;
    const reschedule = second.body.match(/Need to reschedule\? \S+\/appointment-replies\/([A-Za-z0-9_-]+)\/reschedule/)![1]!;
    expect(await answerReminderByLink(t.db, new Date('2026-11-30T20:00:00Z'), reschedule, 'reschedule', t.config.publicUrl)).toMatchObject({ state: 'answered', answer: 'reschedule' });
    const answers = await t.db.selectFrom('appointment_answers').select(['appointment_id', 'answer', 'via']).orderBy('id').execute();
    expect(answers).toEqual([
      { appointment_id: appointments[0], answer: 'confirmed', via: 'email_link' },
      { appointment_id: appointments[3], answer: 'reschedule', via: 'email_link' },
    ]);
  });
});
