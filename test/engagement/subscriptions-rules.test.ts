import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { loadActor, type Actor } from '../../src/auth/permissions.ts';
import { channelStates, consentHistory, consentWording, loadEngagement, setSubscription, unsubscribeByLink, unsubscribeLinkPractice } from '../../src/engagement/subscriptions.ts';

// The subscription rules of docs/rules.md (Consent and subscriptions), called directly on the module:
// defaults with no recorded choice, which channel is usable and why not, a consent event for every
// change with who, when, channel, address and the exact wording, and the one-click email unsubscribe.
// Written to kill the mutants the engagement screen's tests let through (issue 18).

let t: TestContext;
let riverside: number;
let summit: number;
let staff: Actor;
let other: Actor;
let n = 0;

beforeAll(async () => {
  // No demo data: a mutant run rebuilds this file's world, so it stays small (two practices, two staff).
  t = await createTestContext({ seed: false });
  const practice = async (name: string, phone: string, time_zone: string) =>
    (await t.db.insertInto('practices').values({ name, phone, time_zone, go_live_on: '2026-01-01', hypercare_days: 60 }).returning('id').executeTakeFirstOrThrow()).id;
  riverside = await practice('Riverside Physical Therapy', '(555) 010-2000', 'America/Chicago');
  summit = await practice('Summit Sports Rehab', '(555) 010-3000', 'America/Denver');
  const user = async (email: string, name: string) => {
    const row = await t.db.insertInto('users').values({ kind: 'staff', practice_id: riverside, email, name, role: 1, password_hash: null, password_changed_at: null }).returningAll().executeTakeFirstOrThrow();
    return loadActor(t.db, row);
  };
  staff = await user('frontdesk@riverside.example', 'Fiona Desmond');
  other = await user('pt@riverside.example', 'Paul Torres');
});
afterAll(() => t.close());

/** A patient as the import adds one: a row in patients, no subscription rows. */
async function patient(contacts: { phone?: string | null; email?: string | null; practiceId?: number } = {}) {
  n++;
  const phone = contacts.phone === undefined ? `+1555019${String(1000 + n).slice(-4)}` : contacts.phone;
  const email = contacts.email === undefined ? `sub.rules.${n}@example.org` : contacts.email;
  const id = (await t.db
    .insertInto('patients')
    .values({ practice_id: contacts.practiceId ?? riverside, account_number: `SR-${n}`, first_name: 'Sam', last_name: `Rules${n}`, date_of_birth: '1980-01-01', mobile_phone: phone, email })
    .returning('id')
    .executeTakeFirstOrThrow()).id;
  const row = await t.db.selectFrom('patients').select(['id', 'practice_id', 'account_number', 'first_name', 'last_name', 'mobile_phone', 'email', 'status']).where('id', '=', id).executeTakeFirstOrThrow();
  return row;
}

const subRows = (patientId: number) =>
  t.db.selectFrom('subscriptions').select(['kind', 'channel', 'subscribed', 'updated_at', 'updated_by_user_id']).where('patient_id', '=', patientId).orderBy('kind').orderBy('channel').execute();
const consentRows = (patientId: number) => t.db.selectFrom('consent_events').selectAll().where('patient_id', '=', patientId).orderBy('id').execute();
const at = (iso: string) => new Date(iso);

describe('consent wording', () => {
  it('names the kind, the channel and the address; without an address it says so in words', () => {
    expect(consentWording('balance_alert', 'sms', 'Riverside', '+15550100101', false)).toBe('Stop sending balance alerts by text to +15550100101.');
    expect(consentWording('emergency', 'email', 'Riverside', null, false)).toBe('Stop sending emergency notifications by email.');
    expect(consentWording('appointment_reminder', 'sms', 'Riverside', null, true)).toBe(
      'The patient agrees to receive appointment reminders from Riverside by text message at their mobile number. Message frequency varies. Msg & data rates may apply. Reply STOP to opt out, HELP for help.',
    );
    expect(consentWording('balance_alert', 'email', 'Riverside', null, true)).toMatch(/^The patient agrees to receive balance alerts from Riverside by email at their email address\. Email is not encrypted\./);
    expect(consentWording('balance_alert', 'email', 'Riverside', 'a@example.org', true)).toMatch(/ by email at a@example\.org\. .* Every email has a one-click unsubscribe link\.$/);
  });
});

describe('the engagement of a patient with no recorded choice', () => {
  it('balance alerts are off and the other kinds on, on both channels; nothing is marked as recorded; each toggle words its own address', async () => {
    const p = await patient({ phone: '(555) 019-0001', email: 'Nora.New@Example.org' });
    const e = await loadEngagement(t.db, staff, p.id);
    expect(e.patient).toEqual(p);
    expect(e.practice).toMatchObject({ id: riverside, name: 'Riverside Physical Therapy' });
    expect(e.channels).toEqual([
      { channel: 'sms', label: 'Text', address: '+15550190001', blocked: null },
      { channel: 'email', label: 'Email', address: 'nora.new@example.org', blocked: null },
    ]);
    expect(e.toggles.map((x) => [x.kind, x.kindLabel, x.channel, x.subscribed, x.recorded])).toEqual([
      ['balance_alert', 'Balance alerts', 'sms', false, false],
      ['balance_alert', 'Balance alerts', 'email', false, false],
      ['appointment_reminder', 'Appointment reminders', 'sms', true, false],
      ['appointment_reminder', 'Appointment reminders', 'email', true, false],
      ['emergency', 'Emergency notifications', 'sms', true, false],
      ['emergency', 'Emergency notifications', 'email', true, false],
    ]);
    const sms = e.toggles.find((x) => x.kind === 'emergency' && x.channel === 'sms')!;
    const email = e.toggles.find((x) => x.kind === 'emergency' && x.channel === 'email')!;
    expect(sms.wordingOn).toBe(consentWording('emergency', 'sms', 'Riverside Physical Therapy', '+15550190001', true));
    expect(sms.wordingOff).toBe('Stop sending emergency notifications by text to +15550190001.');
    expect(email.wordingOn).toContain('by email at nora.new@example.org.');
    expect(email.wordingOff).toBe('Stop sending emergency notifications by email to nora.new@example.org.');
    expect(e.history).toEqual([]);
  });

  it('a recorded choice shows on its own kind and channel only, and only for its patient', async () => {
    const p = await patient();
    const neighbour = await patient();
    t.clock.set('2026-11-24T16:00:00Z');
    expect(await setSubscription(t.db, staff, { patientId: p.id, kind: 'balance_alert', channel: 'email', subscribed: true }, t.clock.now())).toEqual({ ok: true, changed: true });
    expect(await setSubscription(t.db, staff, { patientId: p.id, kind: 'emergency', channel: 'sms', subscribed: false }, t.clock.now())).toEqual({ ok: true, changed: true });
    expect(await setSubscription(t.db, staff, { patientId: neighbour.id, kind: 'appointment_reminder', channel: 'sms', subscribed: false }, t.clock.now())).toEqual({ ok: true, changed: true });
    const e = await loadEngagement(t.db, staff, p.id);
    expect(e.toggles.map((x) => [x.kind, x.channel, x.subscribed, x.recorded])).toEqual([
      ['balance_alert', 'sms', false, false],
      ['balance_alert', 'email', true, true],
      ['appointment_reminder', 'sms', true, false],
      ['appointment_reminder', 'email', true, false],
      ['emergency', 'sms', false, true],
      ['emergency', 'email', true, false],
    ]);
    expect(e.history.map((h) => [h.kind, h.channel, h.subscribed])).toEqual([
      ['emergency', 'sms', false],
      ['balance_alert', 'email', true],
    ]);
  });
});

describe('which channel is usable', () => {
  it('no address, or one that is not an address: blocked with the reason, and nothing to subscribe to', async () => {
    const none = await patient({ phone: null, email: null });
    expect(await channelStates(t.db, none)).toEqual([
      { channel: 'sms', label: 'Text', address: null, blocked: { code: 'no_address', text: 'No mobile phone on file' } },
      { channel: 'email', label: 'Email', address: null, blocked: { code: 'no_address', text: 'No email address on file' } },
    ]);
    const bad = await patient({ phone: '12', email: 'not-an-address' });
    expect(await channelStates(t.db, bad)).toEqual([
      { channel: 'sms', label: 'Text', address: null, blocked: { code: 'invalid_address', text: 'The mobile phone on file is not a valid number' } },
      { channel: 'email', label: 'Email', address: null, blocked: { code: 'invalid_address', text: 'The email address on file is not valid' } },
    ]);
  });

  it("a STOP blocks texts in the practice where it was texted, from then on; another practice's opt-out of the same number does not", async () => {
    const p = await patient({ phone: '+15550190002' });
    await t.db.insertInto('sms_opt_outs').values({ practice_id: summit, phone: '+15550190002', opted_out_at: at('2026-11-01T10:00:00Z') }).execute();
    await t.db.insertInto('sms_opt_outs').values({ practice_id: riverside, phone: '+15550190099', opted_out_at: at('2026-11-01T10:00:00Z') }).execute();
    expect((await channelStates(t.db, p))[0]!.blocked).toBeNull();
    await t.db.insertInto('sms_opt_outs').values({ practice_id: riverside, phone: '+15550190002', opted_out_at: at('2026-11-02T10:00:00Z') }).execute();
    expect((await channelStates(t.db, p))[0]).toEqual({ channel: 'sms', label: 'Text', address: '+15550190002', blocked: { code: 'opted_out', text: 'Opted out by texting STOP', since: at('2026-11-02T10:00:00Z') } });
  });

  it("a bounce or complaint stops the patient's own address, whatever its case; not another patient's", async () => {
    const bounced = await patient({ email: 'Bounce.Me@Example.org' });
    const complained = await patient({ email: 'spam.me@example.org' });
    await t.db.insertInto('email_suppressions').values({ practice_id: riverside, patient_id: complained.id, email: 'bounce.me@example.org', reason: 'complained', at: at('2026-11-03T10:00:00Z') }).execute();
    await t.db.insertInto('email_suppressions').values({ practice_id: riverside, patient_id: bounced.id, email: 'old.address@example.org', reason: 'bounced', at: at('2026-11-03T10:00:00Z') }).execute();
    expect((await channelStates(t.db, bounced))[1]!.blocked).toBeNull();
    await t.db.insertInto('email_suppressions').values({ practice_id: riverside, patient_id: bounced.id, email: 'BOUNCE.me@example.org', reason: 'bounced', at: at('2026-11-04T10:00:00Z') }).execute();
    expect((await channelStates(t.db, bounced))[1]).toEqual({ channel: 'email', label: 'Email', address: 'bounce.me@example.org', blocked: { code: 'bounced', text: 'Emails to this address bounced', since: at('2026-11-04T10:00:00Z') } });
    await t.db.insertInto('email_suppressions').values({ practice_id: riverside, patient_id: complained.id, email: 'spam.me@example.org', reason: 'complained', at: at('2026-11-05T10:00:00Z') }).execute();
    expect((await channelStates(t.db, complained))[1]!.blocked).toEqual({ code: 'complained', text: 'The patient marked an email as spam', since: at('2026-11-05T10:00:00Z') });
    // The text channel is not touched by an email suppression.
    expect((await channelStates(t.db, complained))[0]!.blocked).toBeNull();
  });
});

describe('a change by staff', () => {
  it('is refused when there is no usable address to subscribe, and recorded when turning off without one', async () => {
    const p = await patient({ phone: null, email: 'x' });
    t.clock.set('2026-11-24T17:00:00Z');
    expect(await setSubscription(t.db, staff, { patientId: p.id, kind: 'emergency', channel: 'sms', subscribed: true }, t.clock.now())).toEqual({ ok: false, error: 'No mobile phone on file: add one under Patient Info first.' });
    expect(await setSubscription(t.db, staff, { patientId: p.id, kind: 'emergency', channel: 'email', subscribed: true }, t.clock.now())).toEqual({ ok: false, error: 'The email address on file is not valid: add one under Patient Info first.' });
    expect(await subRows(p.id)).toEqual([]);
    expect(await consentRows(p.id)).toEqual([]);
    expect(await setSubscription(t.db, staff, { patientId: p.id, kind: 'emergency', channel: 'sms', subscribed: false }, t.clock.now())).toEqual({ ok: true, changed: true });
    expect(await subRows(p.id)).toMatchObject([{ kind: 'emergency', channel: 'sms', subscribed: false }]);
    expect(await consentRows(p.id)).toMatchObject([{ kind: 'emergency', channel: 'sms', subscribed: false, address: null, wording: 'Stop sending emergency notifications by text.' }]);
  });

  it('an opted-out or bounced channel can still be subscribed (the block stays until START or a new address)', async () => {
    const p = await patient({ phone: '+15550190003', email: 'still.bounced@example.org' });
    await t.db.insertInto('sms_opt_outs').values({ practice_id: riverside, phone: '+15550190003', opted_out_at: t.clock.now() }).execute();
    await t.db.insertInto('email_suppressions').values({ practice_id: riverside, patient_id: p.id, email: 'still.bounced@example.org', reason: 'bounced', at: t.clock.now() }).execute();
    expect(await setSubscription(t.db, staff, { patientId: p.id, kind: 'balance_alert', channel: 'sms', subscribed: true }, t.clock.now())).toEqual({ ok: true, changed: true });
    expect(await setSubscription(t.db, staff, { patientId: p.id, kind: 'balance_alert', channel: 'email', subscribed: true }, t.clock.now())).toEqual({ ok: true, changed: true });
    expect((await subRows(p.id)).map((r) => [r.kind, r.channel, r.subscribed])).toEqual([
      ['balance_alert', 'email', true],
      ['balance_alert', 'sms', true],
    ]);
  });

  it('records the subscription, one consent event with the exact wording, who and when, and an audit row; the same choice again changes nothing', async () => {
    const p = await patient({ phone: '+15550190004', email: 'audit.me@example.org' });
    const now = at('2026-11-25T15:30:00Z');
    expect(await setSubscription(t.db, staff, { patientId: p.id, kind: 'balance_alert', channel: 'sms', subscribed: true, ip: '203.0.113.9' }, now)).toEqual({ ok: true, changed: true });
    expect(await subRows(p.id)).toEqual([{ kind: 'balance_alert', channel: 'sms', subscribed: true, updated_at: now, updated_by_user_id: staff.id }]);
    expect(await consentRows(p.id)).toMatchObject([
      {
        practice_id: riverside,
        kind: 'balance_alert',
        channel: 'sms',
        subscribed: true,
        address: '+15550190004',
        wording: consentWording('balance_alert', 'sms', 'Riverside Physical Therapy', '+15550190004', true),
        actor_kind: 'staff',
        actor_user_id: staff.id,
        source: 'engagement_screen',
        at: now,
      },
    ]);
    const audit = () => t.db.selectFrom('audit_log').select(['action', 'actor_user_id', 'practice_id', 'record_type', 'record_id', 'ip', 'details', 'at']).where('record_type', '=', 'patient').where('record_id', '=', String(p.id)).orderBy('id').execute();
    expect(await audit()).toEqual([{ action: 'subscription.on', actor_user_id: staff.id, practice_id: riverside, record_type: 'patient', record_id: String(p.id), ip: '203.0.113.9', details: { kind: 'balance_alert', channel: 'sms' }, at: now }]);

    // The same choice again: nothing new anywhere.
    expect(await setSubscription(t.db, other, { patientId: p.id, kind: 'balance_alert', channel: 'sms', subscribed: true }, at('2026-11-25T16:00:00Z'))).toEqual({ ok: true, changed: false });
    expect(await consentRows(p.id)).toHaveLength(1);
    expect(await audit()).toHaveLength(1);

    // Off later, by someone else: the row says who and when; the audit says off; no ip given is null.
    const later = at('2026-11-26T15:30:00Z');
    expect(await setSubscription(t.db, other, { patientId: p.id, kind: 'balance_alert', channel: 'sms', subscribed: false }, later)).toEqual({ ok: true, changed: true });
    expect(await subRows(p.id)).toEqual([{ kind: 'balance_alert', channel: 'sms', subscribed: false, updated_at: later, updated_by_user_id: other.id }]);
    const audits = await audit();
    expect(audits.map((a) => [a.action, a.actor_user_id, a.ip])).toEqual([
      ['subscription.on', staff.id, '203.0.113.9'],
      ['subscription.off', other.id, null],
    ]);
    expect(audits[1]!.details).toEqual({ kind: 'balance_alert', channel: 'sms' });
    const history = await consentHistory(t.db, p.id);
    expect(history.map((h) => [h.subscribed, h.actor_name, h.at])).toEqual([
      [false, 'Paul Torres', later],
      [true, expect.any(String), now],
    ]);
  });

  it('confirming the default out loud (reminders on, with no row yet) is a change: the wording shown is recorded', async () => {
    const p = await patient();
    expect(await setSubscription(t.db, staff, { patientId: p.id, kind: 'appointment_reminder', channel: 'email', subscribed: true }, t.clock.now())).toEqual({ ok: true, changed: true });
    expect(await subRows(p.id)).toMatchObject([{ kind: 'appointment_reminder', channel: 'email', subscribed: true }]);
    expect(await consentRows(p.id)).toMatchObject([{ kind: 'appointment_reminder', channel: 'email', subscribed: true, source: 'engagement_screen' }]);
  });

  it('the consent history lists the newest first (by time, then by entry), and only this patient', async () => {
    const p = await patient();
    const q = await patient();
    const same = at('2026-11-27T15:00:00Z');
    await setSubscription(t.db, staff, { patientId: p.id, kind: 'emergency', channel: 'sms', subscribed: false }, at('2026-11-28T15:00:00Z'));
    await setSubscription(t.db, staff, { patientId: p.id, kind: 'emergency', channel: 'email', subscribed: false }, same);
    await setSubscription(t.db, staff, { patientId: p.id, kind: 'appointment_reminder', channel: 'email', subscribed: false }, same);
    await setSubscription(t.db, staff, { patientId: q.id, kind: 'appointment_reminder', channel: 'sms', subscribed: false }, same);
    expect((await consentHistory(t.db, p.id)).map((h) => [h.kind, h.channel])).toEqual([
      ['emergency', 'sms'],
      ['appointment_reminder', 'email'],
      ['emergency', 'email'],
    ]);
  });
});

describe('the one-click unsubscribe link', () => {
  it('stops that kind by email only, recorded as the patient with the address the email went to', async () => {
    const p = await patient({ email: 'one.click@example.org' });
    const neighbour = await patient({ email: 'neighbour@example.org' });
    const before = at('2026-11-20T10:00:00Z');
    for (const [who, channel] of [[p.id, 'sms'], [neighbour.id, 'email']] as const) {
      await t.db.insertInto('subscriptions').values({ practice_id: riverside, patient_id: who, kind: 'balance_alert', channel, subscribed: true, updated_at: before, updated_by_user_id: staff.id }).execute();
    }
    await t.db.insertInto('subscriptions').values({ practice_id: riverside, patient_id: p.id, kind: 'balance_alert', channel: 'email', subscribed: true, updated_at: before, updated_by_user_id: staff.id }).execute();
    const now = at('2026-11-29T12:00:00Z');
    expect(await unsubscribeLinkPractice(t.db, { patientId: p.id })).toBe('Riverside Physical Therapy');
    expect(await unsubscribeByLink(t.db, now, { patientId: p.id, kind: 'balance_alert', email: 'One.Click@example.org' })).toEqual({ practiceName: 'Riverside Physical Therapy', kindLabel: 'Balance alerts' });
    expect(await subRows(p.id)).toEqual([
      { kind: 'balance_alert', channel: 'email', subscribed: false, updated_at: now, updated_by_user_id: null },
      { kind: 'balance_alert', channel: 'sms', subscribed: true, updated_at: before, updated_by_user_id: staff.id },
    ]);
    expect(await subRows(neighbour.id)).toMatchObject([{ kind: 'balance_alert', channel: 'email', subscribed: true }]);
    expect(await consentRows(p.id)).toMatchObject([
      { practice_id: riverside, kind: 'balance_alert', channel: 'email', subscribed: false, address: 'One.Click@example.org', wording: 'Unsubscribe from balance alerts emails from Riverside Physical Therapy.', actor_kind: 'patient', actor_user_id: null, source: 'unsubscribe_link', at: now },
    ]);
    expect(await consentRows(neighbour.id)).toEqual([]);

    // The link used again (mail clients prefetch it): already off, nothing more is recorded.
    expect(await unsubscribeByLink(t.db, at('2026-11-29T13:00:00Z'), { patientId: p.id, kind: 'balance_alert', email: 'One.Click@example.org' })).toEqual({ practiceName: 'Riverside Physical Therapy', kindLabel: 'Balance alerts' });
    expect(await consentRows(p.id)).toHaveLength(1);
    expect((await subRows(p.id))[0]!.updated_at).toEqual(now);
  });

  it('a link for a kind the patient has no row for turns it off; a link without a known kind stops every kind by email', async () => {
    const p = await patient({ phone: '+15550190005', email: 'all.kinds@example.org' });
    const now = at('2026-11-30T12:00:00Z');
    expect(await unsubscribeByLink(t.db, now, { patientId: p.id, kind: 'emergency', email: 'all.kinds@example.org' })).toEqual({ practiceName: 'Riverside Physical Therapy', kindLabel: 'Emergency notifications' });
    expect((await subRows(p.id)).map((r) => [r.kind, r.channel, r.subscribed])).toEqual([['emergency', 'email', false]]);

    const later = at('2026-11-30T13:00:00Z');
    expect(await unsubscribeByLink(t.db, later, { patientId: p.id, kind: 'statement', email: 'all.kinds@example.org' })).toEqual({ practiceName: 'Riverside Physical Therapy', kindLabel: 'all messages' });
    expect((await subRows(p.id)).map((r) => [r.kind, r.channel, r.subscribed])).toEqual([
      ['appointment_reminder', 'email', false],
      ['balance_alert', 'email', false],
      ['emergency', 'email', false],
    ]);
    // emergency was off already: no second event for it.
    expect((await consentRows(p.id)).map((c) => [c.kind, c.at, c.wording])).toEqual([
      ['emergency', now, 'Unsubscribe from emergency notifications emails from Riverside Physical Therapy.'],
      ['balance_alert', later, 'Unsubscribe from balance alerts emails from Riverside Physical Therapy.'],
      ['appointment_reminder', later, 'Unsubscribe from appointment reminders emails from Riverside Physical Therapy.'],
    ]);
  });

  it("a link for a patient who is gone does nothing and names no practice; a Summit patient's link names Summit", async () => {
    expect(await unsubscribeLinkPractice(t.db, { patientId: 99_999_999 })).toBeNull();
    expect(await unsubscribeByLink(t.db, t.clock.now(), { patientId: 99_999_999, kind: 'balance_alert', email: 'gone@example.org' })).toBeNull();
    const s = await patient({ practiceId: summit });
    expect(await unsubscribeLinkPractice(t.db, { patientId: s.id })).toBe('Summit Sports Rehab');
    expect(await unsubscribeByLink(t.db, t.clock.now(), { patientId: s.id, kind: 'appointment_reminder', email: 'x@example.org' })).toEqual({ practiceName: 'Summit Sports Rehab', kindLabel: 'Appointment reminders' });
    expect(await consentRows(s.id)).toMatchObject([{ practice_id: summit, wording: 'Unsubscribe from appointment reminders emails from Summit Sports Rehab.' }]);
    expect(await subRows(s.id)).toMatchObject([{ kind: 'appointment_reminder', channel: 'email', subscribed: false }]);
  });
});
