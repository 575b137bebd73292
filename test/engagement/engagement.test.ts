import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { enqueueMessage } from '../../src/messaging/outbox.ts';
import { dispatchDue } from '../../src/messaging/dispatcher.ts';
import { capturedTransports } from '../../src/messaging/transports.ts';
import { handleInboundSms } from '../../src/messaging/inbound.ts';

let t: TestContext;
const ids: Record<string, number> = {};
beforeAll(async () => {
  t = await createTestContext();
  for (const acct of ['R-1001', 'R-1003', 'R-1004']) ids[acct] = (await t.db.selectFrom('patients').select('id').where('account_number', '=', acct).executeTakeFirstOrThrow()).id;
});
afterAll(() => t.close());

const sub = (patientId: number, kind: string, channel: string) =>
  t.db.selectFrom('subscriptions').select('subscribed').where('patient_id', '=', patientId).where('kind', '=', kind as 'emergency').where('channel', '=', channel as 'sms').executeTakeFirst();

describe('Patient Engagement screen', () => {
  it("shows James Carter's toggles, channel state, consent history with the wording, and his messages with the portal link hidden", async () => {
    const fd = await t.as('frontdesk@riverside.example');
    const res = await fd.get(`/patients/${ids['R-1004']}/engagement`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('aria-label="Balance alerts by text"');
    expect(res.text).toMatch(/id="toggle-balance_alert-sms" role="switch" aria-checked="true"/);
    expect(res.text).toContain('Email is not encrypted');
    expect(res.text).toContain('Adam Alvarez');
    expect(res.text).toContain('The patient agrees to receive balance alerts from Riverside Physical Therapy by text message at +15550100104');
    // Staff never get a live portal link (issue 12): the message shows where the link was.
    expect(res.text).toContain('View and pay securely: <span class="hidden-link">portal link (hidden)</span>');
    expect(res.text).not.toMatch(/\/portal\/[\w-]{20,}/);
  });

  it("the demo's Harold Finch has a portal link disabled after repeated wrong dates, and his tab says so", async () => {
    const res = await (await t.as('frontdesk@riverside.example')).get(`/patients/${ids['R-1003']}/engagement`);
    expect(res.text).toContain('link locked after repeated wrong dates');
  });

  it('any staff member turns a subscription off and on; each change is a consent row with who, address and wording', async () => {
    const pt = await t.as('pt@riverside.example');
    const path = `/patients/${ids['R-1001']}/engagement/subscriptions/appointment_reminder/sms`;
    expect(await sub(ids['R-1001']!, 'appointment_reminder', 'sms')).toBeUndefined(); // default: on
    const off = await pt.post(path, { _method: 'DELETE' });
    expect(off.status).toBe(303);
    expect(off.location).toBe(`/patients/${ids['R-1001']}/engagement`);
    expect(await sub(ids['R-1001']!, 'appointment_reminder', 'sms')).toEqual({ subscribed: false });

    const on = await pt.post(`/patients/${ids['R-1001']}/engagement/subscriptions/balance_alert/email`, {});
    expect(on.status).toBe(303);
    expect(await sub(ids['R-1001']!, 'balance_alert', 'email')).toEqual({ subscribed: true });
    const history = await t.db.selectFrom('consent_events').selectAll().where('patient_id', '=', ids['R-1001']!).orderBy('id').execute();
    expect(history).toMatchObject([
      { kind: 'appointment_reminder', channel: 'sms', subscribed: false, address: '+15550100101', actor_kind: 'staff', actor_user_id: await t.userId('pt@riverside.example'), source: 'engagement_screen' },
      { kind: 'balance_alert', channel: 'email', subscribed: true, address: 'maria.gonzalez@example.com', actor_kind: 'staff' },
    ]);
    expect(history[1]!.wording).toContain('Email is not encrypted');
    expect(history[1]!.wording).toContain('by email at maria.gonzalez@example.com');
    const page = await pt.get(`/patients/${ids['R-1001']}/engagement`);
    expect(page.text).toContain('Paul Torres');
    expect(page.text).toContain('Stop sending appointment reminders by text to +15550100101.');
  });

  it('with htmx, answers with the panel fragment; a patient without a phone cannot be subscribed by text (422, nothing recorded)', async () => {
    const fd = await t.as('frontdesk@riverside.example');
    const frag = await fd.post(`/patients/${ids['R-1004']}/engagement/subscriptions/emergency/email`, { _method: 'DELETE' }, { headers: { 'HX-Request': 'true' } });
    expect(frag.status).toBe(200);
    expect(frag.text.startsWith('<div id="engagement-panel"')).toBe(true);
    expect(frag.text).toMatch(/id="toggle-emergency-email" role="switch" aria-checked="false"/);

    const harold = await fd.post(`/patients/${ids['R-1003']}/engagement/subscriptions/balance_alert/sms`, {}, { headers: { 'HX-Request': 'true' } });
    expect(harold.status).toBe(422);
    expect(harold.text).toContain('No mobile phone on file');
    expect(await sub(ids['R-1003']!, 'balance_alert', 'sms')).toBeUndefined();
    const plain = await fd.post(`/patients/${ids['R-1003']}/engagement/subscriptions/balance_alert/sms`, {});
    expect(plain.status).toBe(422);
  });

  it("another practice's patient, an unknown kind, or a vendor user: not found", async () => {
    const summit = await t.as('admin@summit.example');
    expect((await summit.get(`/patients/${ids['R-1004']}/engagement`)).status).toBe(404);
    expect((await summit.post(`/patients/${ids['R-1004']}/engagement/subscriptions/balance_alert/sms`, { _method: 'DELETE' })).status).toBe(404);
    expect(await sub(ids['R-1004']!, 'balance_alert', 'sms')).toEqual({ subscribed: true });
    const fd = await t.as('frontdesk@riverside.example');
    expect((await fd.post(`/patients/${ids['R-1004']}/engagement/subscriptions/marketing/sms`, {})).status).toBe(404);
    const vendor = await t.as('root@stratapt.example');
    expect((await vendor.get(`/patients/${ids['R-1004']}/engagement`)).status).toBe(404);
  });

  it('a text queued before the patient is unsubscribed, or before STOP, is cancelled at send time with the reason', async () => {
    t.clock.set('2026-11-24T16:00:00Z'); // 10:00 in Chicago
    const now = t.clock.now();
    const riverside = (await t.db.selectFrom('patients').select('practice_id').where('id', '=', ids['R-1004']!).executeTakeFirstOrThrow()).practice_id;
    await t.db.updateTable('outbox_messages').set({ status: 'cancelled', cancel_reason: 'set aside by the test' }).where('status', '=', 'queued').execute();
    await enqueueMessage(t.db, now, { practiceId: riverside, patientId: ids['R-1004'], kind: 'emergency', channel: 'sms', recipient: '+15550100104', body: 'Closure', dedupeKey: 'eng:1' });
    const fd = await t.as('frontdesk@riverside.example');
    await fd.post(`/patients/${ids['R-1004']}/engagement/subscriptions/emergency/sms`, { _method: 'DELETE' });
    await dispatchDue(t.db, t.clock.now(), capturedTransports);
    expect(await t.db.selectFrom('outbox_messages').select(['status', 'cancel_reason']).where('dedupe_key', '=', 'eng:1').executeTakeFirst()).toEqual({ status: 'cancelled', cancel_reason: 'Patient is no longer subscribed' });

    await enqueueMessage(t.db, now, { practiceId: riverside, patientId: ids['R-1004'], kind: 'appointment_reminder', channel: 'sms', recipient: '+15550100104', body: 'Reminder', dedupeKey: 'eng:2', sendAfter: new Date(now.getTime() + 3_600_000) });
    await handleInboundSms(t.db, t.clock.now(), { from: '+15550100104', to: '+15550109999', body: 'STOP', messageSid: 'SMtest1' });
    expect(await t.db.selectFrom('outbox_messages').select(['status', 'cancel_reason']).where('dedupe_key', '=', 'eng:2').executeTakeFirst()).toEqual({ status: 'cancelled', cancel_reason: 'Number opted out by STOP' });
    const page = await fd.get(`/patients/${ids['R-1004']}/engagement`);
    expect(page.text).toContain('Opted out by texting STOP');
    expect(page.text).toContain('Patient (texted STOP)');
  });
});

describe('with no recorded choice (a new or imported patient)', () => {
  /** A patient added the way the import adds them: a row in patients, no subscription rows. */
  async function newPatient(account: string) {
    const riverside = (await t.db.selectFrom('practices').select('id').where('name', '=', 'Riverside Physical Therapy').executeTakeFirstOrThrow()).id;
    return (await t.db
      .insertInto('patients')
      .values({ practice_id: riverside, account_number: account, first_name: 'Nora', last_name: 'New', date_of_birth: '1985-05-05', mobile_phone: '+15550107777', email: 'nora.new@example.org' })
      .returning('id')
      .executeTakeFirstOrThrow()).id;
  }
  const checked = (page: string, kind: string, channel: string) => page.match(new RegExp(`id="toggle-${kind}-${channel}" role="switch" aria-checked="(true|false)"`))?.[1];

  it('balance alerts are off on both channels (they need a recorded opt-in); reminders and emergency notices are on', async () => {
    const id = await newPatient('NEW-1');
    expect(await t.db.selectFrom('subscriptions').select('kind').where('patient_id', '=', id).execute()).toEqual([]);
    const fd = await t.as('frontdesk@riverside.example');
    const page = (await fd.get(`/patients/${id}/engagement`)).text;
    const shown = Object.fromEntries(['balance_alert', 'appointment_reminder', 'emergency'].flatMap((k) => ['sms', 'email'].map((c) => [`${k}/${c}`, checked(page, k, c)])));
    expect(shown).toEqual({
      'balance_alert/sms': 'false', 'balance_alert/email': 'false',
      'appointment_reminder/sms': 'true', 'appointment_reminder/email': 'true',
      'emergency/sms': 'true', 'emergency/email': 'true',
    });
  });

  it('turning balance alerts on records the opt-in; turning an unrecorded reminder off records the opt-out', async () => {
    const id = await newPatient('NEW-2');
    const fd = await t.as('frontdesk@riverside.example');
    expect((await fd.post(`/patients/${id}/engagement/subscriptions/balance_alert/sms`, {})).status).toBe(303);
    expect((await fd.post(`/patients/${id}/engagement/subscriptions/appointment_reminder/email`, { _method: 'DELETE' })).status).toBe(303);
    expect(await t.db.selectFrom('consent_events').select(['kind', 'channel', 'subscribed']).where('patient_id', '=', id).orderBy('id').execute()).toEqual([
      { kind: 'balance_alert', channel: 'sms', subscribed: true },
      { kind: 'appointment_reminder', channel: 'email', subscribed: false },
    ]);
    expect((await t.db.selectFrom('consent_events').select('wording').where('patient_id', '=', id).where('subscribed', '=', false).executeTakeFirstOrThrow()).wording).toBe(
      'Stop sending appointment reminders by email to nora.new@example.org.',
    );
    // A channel that does not exist is not found, and records nothing.
    expect((await fd.post(`/patients/${id}/engagement/subscriptions/balance_alert/fax`, {})).status).toBe(404);
    expect(await t.db.selectFrom('consent_events').select('id').where('patient_id', '=', id).execute()).toHaveLength(2);
    const page = (await fd.get(`/patients/${id}/engagement`)).text;
    expect(checked(page, 'balance_alert', 'sms')).toBe('true');
    expect(checked(page, 'balance_alert', 'email')).toBe('false');
    expect(checked(page, 'appointment_reminder', 'email')).toBe('false');
  });

  it('a balance alert queued for a patient who never enrolled is cancelled at send time; an emergency notice goes', async () => {
    t.clock.set('2026-11-24T16:00:00Z'); // 10:00 in Chicago
    const id = await newPatient('NEW-3');
    const riverside = (await t.db.selectFrom('patients').select('practice_id').where('id', '=', id).executeTakeFirstOrThrow()).practice_id;
    const kase = await t.db.insertInto('cases').values({ practice_id: riverside, patient_id: id, title: 'Knee', opened_on: '2026-11-01' }).returning('id').executeTakeFirstOrThrow();
    await t.db.insertInto('ledger_entries').values({ practice_id: riverside, patient_id: id, case_id: kase.id, kind: 'responsibility', amount_cents: 5_000, posted_at: t.clock.now(), source: 'test' }).execute();
    await enqueueMessage(t.db, t.clock.now(), { practiceId: riverside, patientId: id, kind: 'balance_alert', channel: 'email', recipient: 'nora.new@example.org', subject: 'A message', body: 'Balance due', dedupeKey: 'default:1' });
    await enqueueMessage(t.db, t.clock.now(), { practiceId: riverside, patientId: id, kind: 'emergency', channel: 'email', recipient: 'nora.new@example.org', subject: 'Closure', body: 'Closed today', dedupeKey: 'default:2' });
    await dispatchDue(t.db, t.clock.now(), capturedTransports);
    const rows = await t.db.selectFrom('outbox_messages').select(['dedupe_key', 'status', 'cancel_reason']).where('dedupe_key', 'like', 'default:%').orderBy('dedupe_key').execute();
    expect(rows).toEqual([
      { dedupe_key: 'default:1', status: 'cancelled', cancel_reason: 'Patient is no longer subscribed' },
      { dedupe_key: 'default:2', status: 'delivered', cancel_reason: null },
    ]);
  });
});

describe('Deliverability', () => {
  it('shows a Practice Administrator sends, deliveries and opt-outs per channel and month, with a chart; not Front Desk', async () => {
    const admin = await t.as('admin@riverside.example');
    const res = await admin.get('/settings/deliverability');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<svg class="chart" role="img"');
    expect(res.text).not.toMatch(/style="/);
    expect(res.text).toMatch(/<th scope="row">2026-11<\/th><td>\d+<\/td>/);
    const fd = await t.as('frontdesk@riverside.example');
    expect((await fd.get('/settings/deliverability')).status).toBe(404);
  });
});
