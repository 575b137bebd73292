import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { FakeTwilio } from '../support/fake-twilio.ts';
import { createTransports, type Transports } from '../../src/messaging/transports.ts';
import { dispatchDue } from '../../src/messaging/dispatcher.ts';
import { runAppointmentReminders } from '../../src/reminders/reminders.ts';
import { reminderAnswerOf } from '../../src/reminders/replies.ts';
import { makeAppointment, makePatient, makePractice, makeStaff } from '../reminders/fixtures.ts';

// Two-way reminders by text (docs/rules.md, "Appointment reminders"): signed inbound webhooks as
// Twilio posts them, answered through the real dispatcher to the local fake Twilio.

let t: TestContext;
let twilio: FakeTwilio;
let transports: Transports;
let practice: number;
let alex: number;
let sam: number;
let alexVisit: number;
let samVisit: number;
let frontDesk: number;
const SHARED = '+15550107777';
const INBOUND = 'http://localhost:3000/webhooks/twilio/inbound';

beforeAll(async () => {
  twilio = await FakeTwilio.start();
  t = await createTestContext({
    seed: false,
    now: '2026-11-24T16:00:00Z',
    config: { TWILIO_ACCOUNT_SID: twilio.accountSid, TWILIO_AUTH_TOKEN: twilio.authToken, TWILIO_FROM: twilio.from, TWILIO_BASE_URL: twilio.url },
  });
  transports = createTransports(t.config);
  practice = await makePractice(t.db, { name: 'Lakeside Therapy', phone: '(555) 010-4000', timeZone: 'America/Chicago' });
  frontDesk = await makeStaff(t.db, practice, { email: 'desk@lakeside.example', role: 1 });
  await makeStaff(t.db, practice, { email: 'clinician@lakeside.example', role: 2 });
  // A parent and a child share one mobile number.
  alex = await makePatient(t.db, practice, { first: 'Alex', phone: SHARED, email: null });
  sam = await makePatient(t.db, practice, { first: 'Sam', phone: SHARED, email: null });
  alexVisit = await makeAppointment(t.db, practice, alex, '2026-11-25T16:00:00Z'); // Wed 10:00 AM CST
  samVisit = await makeAppointment(t.db, practice, sam, '2026-11-25T21:30:00Z'); // Wed 3:30 PM CST
  // Alex's reminder goes at 10:00, Sam's at 15:30: Sam's is the one the number received last.
  expect(await runAppointmentReminders(t.db, t.clock.now(), t.config.publicUrl)).toBe(1);
  await dispatchDue(t.db, t.clock.now(), transports, { workerId: 'w1' });
  t.clock.set('2026-11-24T21:30:00Z');
  expect(await runAppointmentReminders(t.db, t.clock.now(), t.config.publicUrl)).toBe(1);
  await dispatchDue(t.db, t.clock.now(), transports, { workerId: 'w1' });
  expect(twilio.messages.map((m) => m.body)).toEqual([
    'Lakeside Therapy: reminder of your appointment Wed, Nov 25 at 10:00 AM, Main Clinic, 1 River Road. Reply C to confirm, R to reschedule. Reply STOP to opt out.',
    'Lakeside Therapy: reminder of your appointment Wed, Nov 25 at 3:30 PM, Main Clinic, 1 River Road. Reply C to confirm, R to reschedule. Reply STOP to opt out.',
  ]);
});
afterAll(async () => {
  await t.close();
  await twilio.close();
});

const text = async (body: string, o: { authToken?: string } = {}) => {
  const m = twilio.inbound(INBOUND, SHARED, body, o);
  const res = await t.app.request(m.url, { method: 'POST', body: m.body, headers: m.headers });
  await dispatchDue(t.db, t.clock.now(), transports, { workerId: 'w1' });
  return res.status;
};
const answers = (appointmentId: number) => t.db.selectFrom('appointment_answers').select(['answer', 'via']).where('appointment_id', '=', appointmentId).orderBy('id').execute();
const lastText = () => twilio.messages.at(-1)!;

describe('reading an answer', () => {
  it('reads the whole message, case, accents, punctuation and spaces aside', () => {
    for (const w of ['C', 'c', ' c. ', 'Y', 'yes', 'YES!', 'Confirm', 'si', 'Sí', 'SÍ']) expect(reminderAnswerOf(w)).toBe('confirmed');
    for (const w of ['R', 'r', 'Reschedule', 'reschedule?']) expect(reminderAnswerOf(w)).toBe('reschedule');
    for (const w of ['C R', 'yes please', 'confirmed', 'see you then', 'STOP', 'CC', '']) expect(reminderAnswerOf(w)).toBeNull();
  });
});

describe('answering a reminder by text', () => {
  it('refuses an unsigned answer and changes nothing', async () => {
    const before = twilio.messages.length;
    expect(await text('C', { authToken: 'forged' })).toBe(401);
    expect(await answers(samVisit)).toEqual([]);
    expect(twilio.messages.length).toBe(before);
  });

  it('C confirms the appointment of the reminder sent last to a shared number, and says which one', async () => {
    expect(await text('  c ')).toBe(200);
    expect(await answers(samVisit)).toEqual([{ answer: 'confirmed', via: 'sms' }]);
    expect(await answers(alexVisit)).toEqual([]);
    expect(lastText()).toMatchObject({ to: SHARED, body: 'Lakeside Therapy: thank you, your appointment on Wed, Nov 25 at 3:30 PM is confirmed.' });
    // The answer names no one and nothing clinical: date and time only.
    expect(lastText().body).not.toMatch(/Sam|Alex|Provider|Clinic/);

    for (const word of ['Sí', 'YES', 'confirm!', 'y']) {
      expect(await text(word)).toBe(200);
    }
    expect((await answers(samVisit)).map((a) => a.answer)).toEqual(['confirmed', 'confirmed', 'confirmed', 'confirmed', 'confirmed']);
  });

  it('R asks to reschedule without moving the appointment, lists it on the Dashboard and emails the front desk once', async () => {
    expect(await text('R')).toBe(200);
    expect((await answers(samVisit)).at(-1)).toEqual({ answer: 'reschedule', via: 'sms' });
    const visit = await t.db.selectFrom('appointments').select(['status', 'starts_at']).where('id', '=', samVisit).executeTakeFirstOrThrow();
    expect(visit).toEqual({ status: 'scheduled', starts_at: new Date('2026-11-25T21:30:00Z') });
    expect(lastText().body).toBe('Lakeside Therapy: we told the office you need to reschedule your appointment on Wed, Nov 25 at 3:30 PM. It stays booked until they reach you, or call (555) 010-4000.');

    const emails = await t.db.selectFrom('outbox_messages').selectAll().where('kind', '=', 'appointment_change_notification').execute();
    expect(emails.map((e) => [e.user_id, e.recipient])).toEqual([[frontDesk, 'desk@lakeside.example']]);
    expect(emails[0]!.subject).toBe('StrataPT: a patient asked to reschedule');
    expect(emails[0]!.body).not.toMatch(/Sam|Last|Nov|3:30|Main Clinic/);
    expect(emails[0]!.body).toContain(`${t.config.publicUrl}/appointments/tomorrow`);

    const desk = await t.as('desk@lakeside.example');
    const dashboard = await desk.get('/dashboard');
    expect(dashboard.text).toMatch(/<a href="\/patients\/\d+">Last\d+, Sam<\/a> asked to reschedule Wed, Nov 25, 3:30 PM/);

    // A second R about the same appointment time: another answer row, no second email.
    await text('r');
    expect(await t.db.selectFrom('outbox_messages').select('id').where('kind', '=', 'appointment_change_notification').execute()).toHaveLength(1);
  });

  it('anything else gets one automatic answer with the practice phone per reminder, not one per text', async () => {
    const before = twilio.messages.length;
    expect(await text('What time is it again?')).toBe(200);
    expect(twilio.messages.length).toBe(before + 1);
    expect(lastText().body).toBe('Lakeside Therapy: this number does not read messages. Please call (555) 010-4000. Reply C to confirm or R to reschedule your appointment on Wed, Nov 25 at 3:30 PM.');
    expect(await text('Thanks')).toBe(200);
    expect(await text('Auto-reply: I am out of the office')).toBe(200);
    expect(twilio.messages.length).toBe(before + 1);
  });

  it('after the appointment starts, C confirms nothing; STOP and HELP keep their meaning; YES after STOP is START', async () => {
    t.clock.set('2026-11-25T22:00:00Z');
    const answered = (await answers(samVisit)).length;
    await text('C');
    expect(await answers(samVisit)).toHaveLength(answered);

    await text('HELP');
    expect(lastText().body).toContain('Lakeside Therapy: call (555) 010-4000');
    await text('STOP');
    expect(await t.db.selectFrom('sms_opt_outs').select('phone').where('phone', '=', SHARED).execute()).toHaveLength(1);
    await text('YES');
    expect(await t.db.selectFrom('sms_opt_outs').select('phone').where('phone', '=', SHARED).execute()).toEqual([]);
    expect(lastText().body).toContain('you are resubscribed');
  });
});
