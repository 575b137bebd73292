import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { openPostgres } from '../../src/db/database.ts';
import { hashPortalToken } from '../../src/portal/links.ts';
import { smsSegments } from '../../src/messaging/sms-segments.ts';
import { appointmentReminderCancelReason, reminderSendTime, runAppointmentReminders } from '../../src/reminders/reminders.ts';
import { drainOutbox, reasonToCancel } from '../../src/messaging/dispatcher.ts';
import { storedWords } from '../../src/messaging/templates.ts';
import type { Envelope, Transport } from '../../src/messaging/transports.ts';
import { makeAppointment, makePatient, makePractice, outboxFor } from './fixtures.ts';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext({ seed: false });
});
afterAll(() => t.close());
beforeEach(async () => {
  await t.db.deleteFrom('outbox_messages').execute();
  await t.db.deleteFrom('subscriptions').execute();
  await t.db.deleteFrom('sms_opt_outs').execute();
  await t.db.deleteFrom('appointments').execute();
});

const iso = (d: Date | string) => new Date(d).toISOString();

async function reminders() {
  return (await outboxFor(t.db, 'appointment_reminder')).map((m) => ({ ...m, next: iso(m.next_attempt_at) }));
}

describe('appointment reminders: when they go', () => {
  it.each([24, 48, 72] as const)('queues text and email exactly %i hours before, not earlier', async (lead) => {
    const practice = await makePractice(t.db, { timeZone: 'America/Chicago', leadHours: lead });
    const patient = await makePatient(t.db, practice);
    const startsAt = new Date('2026-11-30T16:00:00Z'); // 10:00 in Chicago
    await makeAppointment(t.db, practice, patient, startsAt);
    const due = new Date(startsAt.getTime() - lead * 3_600_000);

    t.clock.set(new Date(due.getTime() - 16 * 60_000));
    expect(await runAppointmentReminders(t.db, t.clock.now(), t.config.publicUrl)).toBe(0);
    expect(await reminders()).toHaveLength(0);

    t.clock.set(new Date(due.getTime() - 10 * 60_000));
    expect(await runAppointmentReminders(t.db, t.clock.now(), t.config.publicUrl)).toBe(2);
    const rows = await reminders();
    expect(rows.map((r) => [r.channel, r.next])).toEqual([
      ['email', iso(due)],
      ['sms', iso(due)],
    ]);
    expect(await runAppointmentReminders(t.db, t.clock.now(), t.config.publicUrl)).toBe(0);
  });

  it('keeps texts out of quiet hours by moving them back to the evening before, in each practice’s zone', async () => {
    const chicago = await makePractice(t.db, { timeZone: 'America/Chicago', leadHours: 24 });
    const denver = await makePractice(t.db, { timeZone: 'America/Denver', leadHours: 24 });
    const a = await makePatient(t.db, chicago);
    const b = await makePatient(t.db, denver);
    // 07:30 local on Nov 26: the 24-hour moment (07:30 Nov 25) is before 08:00.
    await makeAppointment(t.db, chicago, a, '2026-11-26T13:30:00Z');
    await makeAppointment(t.db, denver, b, '2026-11-26T14:30:00Z');
    // The job runs every minute; these are the runs that find something.
    for (const at of ['2026-11-25T02:00:00Z', '2026-11-25T02:45:00Z', '2026-11-25T03:45:00Z', '2026-11-25T13:20:00Z', '2026-11-25T14:20:00Z']) {
      t.clock.set(at);
      await runAppointmentReminders(t.db, t.clock.now(), t.config.publicUrl);
    }
    const rows = await reminders();
    const at = (patientId: number, channel: string) => rows.find((r) => r.patient_id === patientId && r.channel === channel)?.next;
    expect(at(a, 'sms')).toBe('2026-11-25T02:55:00.000Z'); // 20:55 CST on Nov 24
    expect(at(a, 'email')).toBe('2026-11-25T13:30:00.000Z'); // email keeps the exact moment
    expect(at(b, 'sms')).toBe('2026-11-25T03:55:00.000Z'); // 20:55 MST on Nov 24
    expect(at(b, 'email')).toBe('2026-11-25T14:30:00.000Z');
  });

  it('computes the shifted time for late-evening and daytime moments', () => {
    const tz = 'America/Chicago';
    // A moment at 22:00 → 20:55 the same evening.
    expect(iso(reminderSendTime(new Date('2026-11-26T04:00:00Z'), 24, 'sms', tz))).toBe('2026-11-25T02:55:00.000Z');
    // 20:57 is past the last sending time too.
    expect(iso(reminderSendTime(new Date('2026-11-26T02:57:00Z'), 24, 'sms', tz))).toBe('2026-11-25T02:55:00.000Z');
    // Daytime is untouched; 08:00 exactly is allowed.
    expect(iso(reminderSendTime(new Date('2026-11-26T14:00:00Z'), 24, 'sms', tz))).toBe('2026-11-25T14:00:00.000Z');
    // Across the spring DST change (March 8, 2026): 06:00 CDT on March 9 → 20:55 CDT on March 8.
    expect(iso(reminderSendTime(new Date('2026-03-10T11:00:00Z'), 24, 'sms', tz))).toBe('2026-03-09T01:55:00.000Z');
    // Denver, 72 hours: moment 03:00 MST → 20:55 MST the day before.
    expect(iso(reminderSendTime(new Date('2026-11-29T10:00:00Z'), 72, 'sms', 'America/Denver'))).toBe('2026-11-26T03:55:00.000Z');
  });
});

describe('appointment reminders: which appointments and channels', () => {
  it('sends nothing for a cancelled or past appointment, or one about to start', async () => {
    const practice = await makePractice(t.db);
    const p = await makePatient(t.db, practice);
    t.clock.set('2026-11-23T15:00:00Z');
    await makeAppointment(t.db, practice, p, '2026-11-24T14:00:00Z', { status: 'cancelled' });
    await makeAppointment(t.db, practice, p, '2026-11-23T14:00:00Z');
    await makeAppointment(t.db, practice, p, '2026-11-23T15:30:00Z');
    expect(await runAppointmentReminders(t.db, t.clock.now(), t.config.publicUrl)).toBe(0);
  });

  it('cancels a queued reminder at send time when the appointment is cancelled', async () => {
    const practice = await makePractice(t.db);
    const p = await makePatient(t.db, practice, { phone: null });
    const id = await makeAppointment(t.db, practice, p, '2026-11-25T16:00:00Z');
    t.clock.set('2026-11-24T16:00:00Z');
    expect(await runAppointmentReminders(t.db, t.clock.now(), t.config.publicUrl)).toBe(1);
    const [row] = await reminders();
    expect(await appointmentReminderCancelReason(t.db, row.reason as Record<string, unknown>, t.clock.now())).toBeNull();
    await t.db.updateTable('appointments').set({ status: 'cancelled' }).where('id', '=', id).execute();
    expect(await appointmentReminderCancelReason(t.db, row.reason as Record<string, unknown>, t.clock.now())).toBe('appointment cancelled');
    // The dispatcher runs the same check right before sending.
    expect(await reasonToCancel(t.db, row, t.clock.now())).toBe('appointment cancelled');
  });

  it('re-sends nothing after an edit that keeps the time, and reminds again for a new time', async () => {
    const practice = await makePractice(t.db, { leadHours: 24 });
    const p = await makePatient(t.db, practice, { email: null });
    const id = await makeAppointment(t.db, practice, p, '2026-11-25T16:00:00Z');
    t.clock.set('2026-11-24T16:00:00Z');
    expect(await runAppointmentReminders(t.db, t.clock.now(), t.config.publicUrl)).toBe(1);
    await t.db.updateTable('appointments').set({ location: 'Annex, 3 River Road' }).where('id', '=', id).execute();
    t.clock.advanceMinutes(5);
    expect(await runAppointmentReminders(t.db, t.clock.now(), t.config.publicUrl)).toBe(0);

    await t.db.updateTable('appointments').set({ starts_at: new Date('2026-11-26T17:00:00Z') }).where('id', '=', id).execute();
    const [old] = await reminders();
    expect(await appointmentReminderCancelReason(t.db, old.reason as Record<string, unknown>, t.clock.now())).toBe('appointment rescheduled');
    expect(await runAppointmentReminders(t.db, t.clock.now(), t.config.publicUrl)).toBe(0); // not due yet
    t.clock.set('2026-11-25T17:00:00Z');
    expect(await runAppointmentReminders(t.db, t.clock.now(), t.config.publicUrl)).toBe(1);
    const rows = await reminders();
    expect(rows).toHaveLength(2);
    expect(rows[1].next).toBe('2026-11-25T17:00:00.000Z');
    // Written when it is sent, from the appointment as it is when queued.
    expect(storedWords(rows[1]).body).toContain('Annex, 3 River Road');
    expect(await appointmentReminderCancelReason(t.db, rows[1].reason as Record<string, unknown>, t.clock.now())).toBeNull();
  });

  it('honours subscriptions (subscribed by default), STOP and missing contacts', async () => {
    const practice = await makePractice(t.db);
    const unsubscribedText = await makePatient(t.db, practice);
    const stopped = await makePatient(t.db, practice, { email: null });
    const noContacts = await makePatient(t.db, practice, { email: null, phone: null });
    await t.db.insertInto('subscriptions').values({ practice_id: practice, patient_id: unsubscribedText, kind: 'appointment_reminder', channel: 'sms', subscribed: false, updated_at: t.clock.now() }).execute();
    // An unsubscribe from another kind changes nothing here.
    await t.db.insertInto('subscriptions').values({ practice_id: practice, patient_id: unsubscribedText, kind: 'balance_alert', channel: 'email', subscribed: false, updated_at: t.clock.now() }).execute();
    const stoppedPhone = (await t.db.selectFrom('patients').select('mobile_phone').where('id', '=', stopped).executeTakeFirstOrThrow()).mobile_phone!;
    await t.db.insertInto('sms_opt_outs').values({ practice_id: practice, phone: stoppedPhone, opted_out_at: t.clock.now() }).execute();
    for (const p of [unsubscribedText, stopped, noContacts]) await makeAppointment(t.db, practice, p, '2026-11-25T16:00:00Z');
    t.clock.set('2026-11-24T16:00:00Z');
    expect(await runAppointmentReminders(t.db, t.clock.now(), t.config.publicUrl)).toBe(1);
    const rows = await reminders();
    expect(rows.map((r) => [r.patient_id, r.channel])).toEqual([[unsubscribedText, 'email']]);
  });

  it('says practice, local date and time, location and phone, and nothing clinical', async () => {
    const practice = await makePractice(t.db, { name: 'Summit Sports Rehab', timeZone: 'America/Denver', phone: '(555) 010-3000' });
    const p = await makePatient(t.db, practice);
    await makeAppointment(t.db, practice, p, '2026-11-25T16:30:00Z');
    t.clock.set('2026-11-24T16:30:00Z');
    await runAppointmentReminders(t.db, t.clock.now(), t.config.publicUrl);
    // Queued as the template and its parameters; the words exist once it is sent.
    expect((await reminders()).map((r) => [r.channel, r.template, r.body])).toEqual([
      ['email', 'appointment_reminder', null],
      ['sms', 'appointment_reminder', null],
    ]);
    const sent: Envelope[] = [];
    const provider: Transport = { name: 'provider', send: async (m) => (sent.push(m), { ok: true, providerMessageId: `p-${m.id}` }) };
    await drainOutbox(t.db, t.clock.now(), { email: provider, sms: provider });
    const rows = await reminders();
    const text = rows.find((r) => r.channel === 'sms')!;
    const email = rows.find((r) => r.channel === 'email')!;
    expect(text.body).toBe('Summit Sports Rehab: reminder of your appointment Wed, Nov 25 at 9:30 AM, Main Clinic, 1 River Road. Reply C to confirm, R to reschedule. Reply STOP to opt out.');
    expect(smsSegments(text.body!)).toMatchObject({ encoding: 'GSM-7', segments: 1 });
    expect(email.subject).toBe('Appointment reminder from Summit Sports Rehab');
    expect(email.body).toContain('Wednesday, November 25, 2026 at 9:30 AM MST');
    // The stored answer links carry the placeholder; the token went only to the provider, and is stored only as its hash.
    expect(email.body).toContain(`Confirm: ${t.config.publicUrl}/appointment-replies/{portal-link-token}/confirm`);
    expect(email.body).toContain(`Need to reschedule? ${t.config.publicUrl}/appointment-replies/{portal-link-token}/reschedule`);
    expect(email.portal_link_token).toBeNull();
    const token = sent.find((m) => m.channel === 'email')!.body.match(/appointment-replies\/([A-Za-z0-9_-]+)\/confirm/)![1]!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    const link = await t.db.selectFrom('appointment_reply_links').selectAll().where('token_hash', '=', hashPortalToken(token)).executeTakeFirstOrThrow();
    expect(link).toMatchObject({ patient_id: p, used_at: null });
    expect(new Date(link.expires_at).toISOString()).toBe('2026-11-25T16:30:00.000Z');
    for (const r of rows) {
      expect(r.body).not.toMatch(/Pat Provider|pelvic|DPT/);
      expect(r.reason).toMatchObject({ startsAt: '2026-11-25T16:30:00.000Z' });
    }
  });
});

describe('appointment reminders: several scheduler instances', () => {
  it('queues each reminder once when two instances run at the same moment', async () => {
    const practice = await makePractice(t.db);
    for (let i = 0; i < 40; i++) {
      const p = await makePatient(t.db, practice);
      await makeAppointment(t.db, practice, p, new Date(Date.parse('2026-11-25T16:00:00Z') + i * 60_000));
    }
    t.clock.set('2026-11-24T17:00:00Z');
    // A second instance: its own connection pool on the real server (PGlite has one connection).
    const second = t.url ? await openPostgres(t.url, 4) : null;
    try {
      const results = await Promise.all([
        runAppointmentReminders(t.db, t.clock.now(), t.config.publicUrl),
        runAppointmentReminders(second?.db ?? t.db, t.clock.now(), t.config.publicUrl),
        runAppointmentReminders(t.db, t.clock.now(), t.config.publicUrl),
      ]);
      expect(results.reduce((a, b) => a + b, 0)).toBe(80);
    } finally {
      await second?.close();
    }
    const rows = await reminders();
    expect(rows).toHaveLength(80);
    expect(new Set(rows.map((r) => r.dedupe_key)).size).toBe(80);
  });
});
