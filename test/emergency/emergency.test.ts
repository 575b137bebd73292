import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { makeAppointment, makePatient } from '../reminders/fixtures.ts';

let t: TestContext;
let riverside: number;
let summit: number;
beforeAll(async () => {
  t = await createTestContext();
  riverside = (await t.db.selectFrom('practices').select('id').where('name', '=', 'Riverside Physical Therapy').executeTakeFirstOrThrow()).id;
  summit = (await t.db.selectFrom('practices').select('id').where('name', '=', 'Summit Sports Rehab').executeTakeFirstOrThrow()).id;
});
afterAll(() => t.close());
beforeEach(async () => {
  await t.db.deleteFrom('outbox_messages').where('kind', '=', 'emergency').execute();
  await t.db.deleteFrom('emergency_notices').execute();
});

// Three weeks out, where the demo world has no appointments: Dec 14, 08:00–17:00 in Chicago.
const WINDOW = { window_start: '2026-12-14T08:00', window_end: '2026-12-14T17:00' };
const IN_WINDOW = '2026-12-14T16:00:00Z'; // 10:00 CST
const closure = (extra: Record<string, string | string[]> = {}) => ({
  reason: 'weather',
  ...WINDOW,
  message: 'Due to the ice storm the clinic is closed on Monday. Your appointment is cancelled; please call us to reschedule.',
  channels: ['sms', 'email'],
  ...extra,
});

function requestKeyOf(html: string): string {
  const m = html.match(/name="request_key" value="([^"]+)"/);
  if (!m) throw new Error('no Send form on the page');
  return m[1];
}

describe('emergency notifications: who receives them', () => {
  it('previews and sends exactly to patients with appointments in the window, per subscribed channel, once', async () => {
    const both = await makePatient(t.db, riverside, { first: 'Bella', last: 'Both' });
    const emailOnly = await makePatient(t.db, riverside, { first: 'Eli', last: 'Emailonly' });
    const cancelled = await makePatient(t.db, riverside, { first: 'Cara', last: 'Cancelled' });
    const outside = await makePatient(t.db, riverside, { first: 'Otto', last: 'Outside' });
    const unreachable = await makePatient(t.db, riverside, { first: 'Una', last: 'Unreachable', phone: null });
    const twice = await makePatient(t.db, riverside, { first: 'Tess', last: 'Twice' });
    const reminderOff = await makePatient(t.db, riverside, { first: 'Rita', last: 'Remindersoff' });
    const otherPractice = await makePatient(t.db, summit, { first: 'Sam', last: 'Summitpatient' });
    for (const p of [both, emailOnly, unreachable, reminderOff]) await makeAppointment(t.db, riverside, p, IN_WINDOW);
    await makeAppointment(t.db, riverside, twice, '2026-12-14T15:00:00Z');
    await makeAppointment(t.db, riverside, twice, '2026-12-14T21:00:00Z');
    await makeAppointment(t.db, riverside, cancelled, IN_WINDOW, { status: 'cancelled' });
    await makeAppointment(t.db, riverside, outside, '2026-12-15T16:00:00Z');
    await makeAppointment(t.db, summit, otherPractice, IN_WINDOW);
    const now = t.clock.now();
    await t.db.insertInto('subscriptions').values([
      { practice_id: riverside, patient_id: emailOnly, kind: 'emergency', channel: 'sms', subscribed: false, updated_at: now },
      { practice_id: riverside, patient_id: reminderOff, kind: 'appointment_reminder', channel: 'sms', subscribed: false, updated_at: now },
    ]).execute();
    const unreachableEmail = (await t.db.selectFrom('patients').select('email').where('id', '=', unreachable).executeTakeFirstOrThrow()).email!;
    await t.db.insertInto('email_suppressions').values({ practice_id: riverside, patient_id: unreachable, email: unreachableEmail, reason: 'bounced', at: now }).execute();

    const director = await t.as('director@riverside.example');
    const preview = await director.post('/emergency/preview', closure());
    expect(preview.status).toBe(200);
    for (const name of ['Both, Bella', 'Emailonly, Eli', 'Twice, Tess', 'Remindersoff, Rita']) expect(preview.text).toContain(name);
    for (const name of ['Cancelled', 'Outside', 'Unreachable, Una', 'Summitpatient']) expect(preview.text).not.toContain(name);
    expect(preview.text).toMatch(/<strong>4 patients<\/strong> with appointments in this window will be notified: <strong>3<\/strong> by text, <strong>4<\/strong> by email/);
    expect(preview.text).toContain('1 more with appointments cannot be reached');
    expect(await t.db.selectFrom('outbox_messages').select('id').where('kind', '=', 'emergency').execute()).toHaveLength(0);

    const form = { ...closure(), request_key: requestKeyOf(preview.text) };
    const sent = await director.post('/emergency', form);
    expect(sent.status).toBe(303);
    expect(sent.location).toMatch(/^\/emergency\/\d+\?sent=1$/);
    const rows = await t.db.selectFrom('outbox_messages').select(['patient_id', 'channel', 'body', 'subject', 'dedupe_key', 'reason']).where('kind', '=', 'emergency').orderBy('patient_id').orderBy('channel').execute();
    expect(rows.map((r) => [r.patient_id, r.channel])).toEqual([
      [both, 'email'], [both, 'sms'],
      [emailOnly, 'email'],
      [twice, 'email'], [twice, 'sms'],
      [reminderOff, 'email'], [reminderOff, 'sms'],
    ]);
    const text = rows.find((r) => r.channel === 'sms')!;
    expect(text.body).toBe('Riverside Physical Therapy: Due to the ice storm the clinic is closed on Monday. Your appointment is cancelled; please call us to reschedule. Questions: (555) 010-2000. Reply STOP to opt out.');
    expect(rows.find((r) => r.channel === 'email')!.subject).toBe('Important: Riverside Physical Therapy closure notice');

    // A double-clicked or replayed Send lands on the same notice and adds nothing.
    const again = await director.post('/emergency', form);
    expect(again.status).toBe(303);
    expect(again.location).toBe(sent.location);
    expect(await t.db.selectFrom('outbox_messages').select('id').where('kind', '=', 'emergency').execute()).toHaveLength(7);
    const notices = await t.db.selectFrom('emergency_notices').selectAll().execute();
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ reason: 'weather', recipients_sms: 3, recipients_email: 4, channels: ['sms', 'email'] });
    expect(new Date(notices[0].window_start).toISOString()).toBe('2026-12-14T14:00:00.000Z');
    const audit = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'emergency_notice.sent').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0].record_id).toBe(String(notices[0].id));

    const page = await director.get(sent.location!);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Sent: 3 by text and 4 by email');
    expect(page.text).toContain('Twice, Tess');
  });

  it('sends on the chosen channel only', async () => {
    const p = await makePatient(t.db, riverside, { first: 'Cho', last: 'Channel' });
    await makeAppointment(t.db, riverside, p, IN_WINDOW);
    const director = await t.as('director@riverside.example');
    const preview = await director.post('/emergency/preview', closure({ channels: ['email'] }));
    const sent = await director.post('/emergency', { ...closure({ channels: ['email'] }), request_key: requestKeyOf(preview.text) });
    expect(sent.status).toBe(303);
    const rows = await t.db.selectFrom('outbox_messages').select(['channel']).where('kind', '=', 'emergency').where('patient_id', '=', p).execute();
    expect(rows).toEqual([{ channel: 'email' }]);
  });
});

describe('emergency notifications: refusals', () => {
  it('refuses promotional wording with the explanation and the Patient Email Report, and sends nothing', async () => {
    const director = await t.as('director@riverside.example');
    const msg = 'Closed Monday for snow. Book next week and get 20% off, and refer a friend!';
    const preview = await director.post('/emergency/preview', closure({ message: msg }));
    expect(preview.status).toBe(422);
    expect(preview.text).toContain('Marketing messages are not supported');
    expect(preview.text).toContain('deliverability');
    expect(preview.text).toContain('href="/reports/patient-email"');
    expect(preview.text).toContain('20% off');
    expect(preview.text).toContain(msg); // what was typed is kept
    expect(preview.text).not.toContain('name="request_key"');
    // Posting straight to Send is refused the same way.
    const sent = await director.post('/emergency', { ...closure({ message: msg }), request_key: 'abcdefghijklmnopqrstuv' });
    expect(sent.status).toBe(422);
    expect(await t.db.selectFrom('emergency_notices').select('id').execute()).toHaveLength(0);
    expect(await t.db.selectFrom('outbox_messages').select('id').where('kind', '=', 'emergency').execute()).toHaveLength(0);
  });

  it('says so when no appointment falls in the window, and sends nothing', async () => {
    const director = await t.as('director@riverside.example');
    const empty = { window_start: '2027-01-10T08:00', window_end: '2027-01-10T12:00' };
    const preview = await director.post('/emergency/preview', closure(empty));
    expect(preview.status).toBe(200);
    expect(preview.text).toContain('No patient has a scheduled appointment in this window');
    expect(preview.text).not.toContain('name="request_key"');
    const sent = await director.post('/emergency', { ...closure(empty), request_key: 'abcdefghijklmnopqrstuv' });
    expect(sent.status).toBe(422);
    expect(sent.text).toContain('Nothing was sent.');
    expect(await t.db.selectFrom('emergency_notices').select('id').execute()).toHaveLength(0);
  });

  it('refuses a text over 300 characters, a backwards window, a missing channel', async () => {
    const director = await t.as('director@riverside.example');
    const long = await director.post('/emergency/preview', closure({ message: 'The clinic is closed. '.repeat(15) }));
    expect(long.status).toBe(422);
    expect(long.text).toContain('Use at most 300 characters.');
    const backwards = await director.post('/emergency/preview', closure({ window_start: '2026-12-14T17:00', window_end: '2026-12-14T08:00' }));
    expect(backwards.status).toBe(422);
    expect(backwards.text).toContain('The end must be after the start.');
    const noChannel = await director.post('/emergency/preview', closure({ channels: [] }));
    expect(noChannel.status).toBe(422);
    expect(noChannel.text).toContain('Choose text, email or both.');
    const noPreview = await director.post('/emergency', closure());
    expect(noPreview.status).toBe(422);
    expect(noPreview.text).toContain('Preview the notice before sending it.');
  });

  it('exists only for Therapy Directors and above', async () => {
    for (const email of ['frontdesk@riverside.example', 'pt@riverside.example']) {
      const user = await t.as(email);
      expect((await user.get('/emergency')).status).toBe(404);
      expect((await user.post('/emergency/preview', closure())).status).toBe(404);
      expect((await user.post('/emergency', { ...closure(), request_key: 'abcdefghijklmnopqrstuv' })).status).toBe(404);
    }
    for (const email of ['director@riverside.example', 'admin@riverside.example', 'owner@riverside.example']) {
      expect((await (await t.as(email)).get('/emergency')).status).toBe(200);
    }
    expect(await t.db.selectFrom('emergency_notices').select('id').execute()).toHaveLength(0);
  });

  it('keeps each practice’s notices to itself', async () => {
    const p = await makePatient(t.db, riverside);
    await makeAppointment(t.db, riverside, p, IN_WINDOW);
    const director = await t.as('director@riverside.example');
    const preview = await director.post('/emergency/preview', closure());
    const sent = await director.post('/emergency', { ...closure(), request_key: requestKeyOf(preview.text) });
    const summitAdmin = await t.as('admin@summit.example');
    expect((await summitAdmin.get(sent.location!.split('?')[0])).status).toBe(404);
  });
});
