import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { issueReplyLink, answerReminderByLink } from '../../src/reminders/replies.ts';
import { makeAppointment } from './fixtures.ts';

// Tomorrow's day list and the reschedule emails' preference (docs/rules.md, Appointment reminders).

let t: TestContext;
let riverside: number;
beforeAll(async () => {
  // Monday 22:30 in Chicago is already Tuesday in UTC: "tomorrow" must be Wednesday there.
  t = await createTestContext({ now: '2026-11-24T04:30:00Z' });
  riverside = (await t.db.selectFrom('practices').select('id').where('name', '=', 'Riverside Physical Therapy').executeTakeFirstOrThrow()).id;
});
afterAll(() => t.close());

const patientId = async (account: string) => (await t.db.selectFrom('patients').select('id').where('account_number', '=', account).executeTakeFirstOrThrow()).id;

describe('tomorrow’s appointments', () => {
  it('is tomorrow in the practice’s zone, for the practice’s own patients only', async () => {
    const ethan = await patientId('R-1016');
    await makeAppointment(t.db, riverside, ethan, '2026-11-24T23:30:00Z'); // Tue 17:30 CST: "tomorrow" for Monday night
    await makeAppointment(t.db, riverside, ethan, '2026-11-25T14:00:00Z'); // Wed: the day after
    const desk = await t.as('frontdesk@riverside.example');
    const day = await desk.get('/appointments/tomorrow');
    expect(day.status).toBe(200);
    expect(day.text).toContain('Tuesday, November 24, 2026');
    expect(day.text).toContain('5:30 PM');
    expect(day.text.match(/Anderson, Ethan/g)).toHaveLength(1);

    const summit = await t.as('admin@summit.example');
    const other = await summit.get('/appointments/tomorrow');
    expect(other.status).toBe(200);
    expect(other.text).not.toContain('Anderson, Ethan');
    expect(other.text).not.toContain('Riverside Main Clinic');
  });

  it('emails reschedule requests to the Front Desk by default and to whoever turned them on, never to who turned them off', async () => {
    const logan = await patientId('R-1018');
    const visit = await makeAppointment(t.db, riverside, logan, '2026-11-24T20:00:00Z');
    const desk = await t.as('frontdesk@riverside.example');
    const admin = await t.as('admin@riverside.example');
    expect((await desk.get('/appointments/tomorrow')).text).toMatch(/name="on"[^>]*checked/);
    expect((await admin.get('/appointments/tomorrow')).text).not.toMatch(/name="on"[^>]*checked/);
    expect((await admin.post('/appointments/tomorrow/emails', { on: 'on' })).status).toBe(303);
    expect((await desk.post('/appointments/tomorrow/emails', {})).status).toBe(303);
    expect(await t.db.selectFrom('audit_log').select('action').where('action', '=', 'notifications.appointment_changes.changed').execute()).toHaveLength(2);

    const token = await issueReplyLink(t.db, t.clock.now(), { practiceId: riverside, patientId: logan, appointmentId: visit, startsAt: new Date('2026-11-24T20:00:00Z') });
    expect((await answerReminderByLink(t.db, t.clock.now(), token, 'reschedule', t.config.publicUrl)).state).toBe('answered');
    const emails = await t.db.selectFrom('outbox_messages').select('recipient').where('kind', '=', 'appointment_change_notification').execute();
    const riversideStaff = await t.db.selectFrom('users').select(['email', 'role']).where('practice_id', '=', riverside).where('active', '=', true).execute();
    const expected = riversideStaff.filter((u) => u.email === 'admin@riverside.example' || (u.role === 1 && u.email !== 'frontdesk@riverside.example')).map((u) => u.email).sort();
    expect(emails.map((e) => e.recipient).sort()).toEqual(expected);
    expect(expected).toContain('admin@riverside.example');
    expect(expected).not.toContain('frontdesk@riverside.example');
    // Twice the same link: used, nothing more.
    expect((await answerReminderByLink(t.db, t.clock.now(), token, 'confirmed', t.config.publicUrl)).state).toBe('used');
    expect(await t.db.selectFrom('appointment_answers').select('answer').where('appointment_id', '=', visit).execute()).toEqual([{ answer: 'reschedule' }]);
  });
});
