import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { handleInboundSms, keywordOf } from '../../src/messaging/inbound.ts';
import { enqueueMessage } from '../../src/messaging/outbox.ts';

// STOP, START and HELP as docs/rules.md (Consent and subscriptions) states them, called directly on
// src/messaging/inbound.ts: the keyword is the whole message read the way carriers read it; STOP opts
// the number out at once in every practice where it is a patient's mobile, with one confirmation;
// START opts back in; HELP answers with each practice's name and phone. Written to kill the mutants
// the webhook tests let through (issue 18).

let t: TestContext;
let riverside: number;
let summit: number;
let third: number;
let n = 0;

beforeAll(async () => {
  // No demo data: a mutant run rebuilds this file's world, so it stays small (three practices).
  t = await createTestContext({ seed: false, now: '2026-11-24T16:00:00Z' });
  const practice = async (name: string, phone: string) =>
    (await t.db.insertInto('practices').values({ name, phone, time_zone: 'America/Chicago', go_live_on: '2026-01-01', hypercare_days: 30 }).returning('id').executeTakeFirstOrThrow()).id;
  riverside = await practice('Riverside Physical Therapy', '(555) 010-2000');
  summit = await practice('Summit Sports Rehab', '(555) 010-3000');
  third = await practice('Lakeside Hand Clinic', '(555) 010-4000');
});
afterAll(() => t.close());

async function patient(practiceId: number, phone: string | null) {
  n++;
  return (await t.db
    .insertInto('patients')
    .values({ practice_id: practiceId, account_number: `IN-${n}`, first_name: 'Ina', last_name: `Bound${n}`, date_of_birth: '1980-01-01', mobile_phone: phone, email: `in.${n}@example.org` })
    .returning('id')
    .executeTakeFirstOrThrow()).id;
}

async function queue(practiceId: number, recipient: string, over: { kind?: string; channel?: 'sms' | 'email'; status?: 'sent' } = {}) {
  const id = (await enqueueMessage(t.db, t.clock.now(), {
    practiceId,
    kind: (over.kind ?? 'appointment_reminder') as 'appointment_reminder',
    channel: over.channel ?? 'sms',
    recipient,
    body: 'Queued before the reply',
    dedupeKey: `inbound-rules:${++n}`,
    sendAfter: new Date(t.clock.now().getTime() + 3_600_000),
  }))!;
  await t.db.updateTable('outbox_messages').set({ portal_link_token: 'tok' + id }).where('id', '=', id).execute();
  if (over.status) await t.db.updateTable('outbox_messages').set({ status: over.status }).where('id', '=', id).execute();
  return id;
}
const message = (id: number) => t.db.selectFrom('outbox_messages').select(['status', 'cancel_reason', 'portal_link_token']).where('id', '=', id).executeTakeFirstOrThrow();
const optOuts = (phone: string) => t.db.selectFrom('sms_opt_outs').select(['practice_id', 'phone', 'opted_out_at']).where('phone', '=', phone).orderBy('practice_id').execute();
const replies = (phone: string) => t.db.selectFrom('outbox_messages').select(['practice_id', 'kind', 'channel', 'body', 'dedupe_key', 'status']).where('recipient', '=', phone).where('kind', 'like', 'sms_%').orderBy('id').execute();
const consent = (patientId: number) => t.db.selectFrom('consent_events').selectAll().where('patient_id', '=', patientId).orderBy('id').execute();

describe('the keyword a reply is', () => {
  it('the whole message, whatever its case, spacing or punctuation, in English and Spanish', () => {
    const cases: [string, ReturnType<typeof keywordOf>][] = [
      ['STOP', 'stop'],
      ['stop', 'stop'],
      ['  Stop.  ', 'stop'],
      ['"stop!"', 'stop'],
      ['Opt-out', 'stop'],
      ['opt    out', 'stop'],
      ['opt\tout', 'stop'],
      ['optout', 'stop'],
      ['Ｓｔｏｐ', 'stop'], // full-width letters, as some phones send them
      ['stopall', 'stop'],
      ['Quit', 'stop'],
      ['end', 'stop'],
      ['Revoke', 'stop'],
      ['cancel', 'stop'],
      ['Unsubscribe', 'stop'],
      ['Parar', 'stop'],
      ['¡ALTO!', 'stop'],
      ['detener', 'stop'],
      ['Cancelar', 'stop'],
      ['baja', 'stop'],
      ['Start', 'start'],
      ['unstop', 'start'],
      ['yes', 'start'],
      ['Subscribe', 'start'],
      ['help', 'help'],
      ['Info?', 'help'],
      ['¿Ayuda?', 'help'],
      ['stop please', null],
      ['please stop', null],
      ['stop1', null],
      ['2stop', null],
      ['Stopp', null],
      ['hello', null],
      ['', null],
      ['   ', null],
      ['help me', null],
      ['start now', null],
    ];
    expect(cases.map(([body]) => [body, keywordOf(body)])).toEqual(cases);
  });
});

describe('STOP', () => {
  it('opts the number out in every practice where it is a patient mobile, cancels only queued texts to it there, records consent per patient and kind, and confirms once', async () => {
    const phone = '+15550195001';
    const r = await patient(riverside, phone);
    const s = await patient(summit, phone);
    const r2 = await patient(riverside, phone); // a second record in the same practice
    const stranger = await patient(riverside, '+15550195002');

    const cancelR = await queue(riverside, phone);
    const cancelS = await queue(summit, phone, { kind: 'balance_alert' });
    const email = await queue(riverside, 'in.x@example.org', { channel: 'email' });
    const otherNumber = await queue(riverside, '+15550195002');
    const otherPractice = await queue(third, phone);
    const alreadySent = await queue(riverside, phone, { status: 'sent' });
    const help = await queue(riverside, phone, { kind: 'sms_help' });
    const confirmation = await queue(summit, phone, { kind: 'sms_stop_confirmation' });

    const now = t.clock.now();
    const result = await handleInboundSms(t.db, now, { from: '(555) 019-5001', to: '+15550109999', body: ' Stop ', messageSid: 'SMstop1' });
    expect({ ...result, practices: [...result.practices].sort((a, b) => a - b) }).toEqual({ keyword: 'stop', practices: [riverside, summit].sort((a, b) => a - b), cancelled: 2 });

    expect(await optOuts(phone)).toEqual([riverside, summit].sort((a, b) => a - b).map((practice_id) => ({ practice_id, phone, opted_out_at: now })));
    expect(await optOuts('+15550195002')).toEqual([]);

    for (const id of [cancelR, cancelS]) expect(await message(id)).toEqual({ status: 'cancelled', cancel_reason: 'Number opted out by STOP', portal_link_token: null });
    for (const id of [email, otherNumber, otherPractice, help, confirmation]) expect(await message(id)).toMatchObject({ status: 'queued', cancel_reason: null });
    expect((await message(alreadySent)).status).toBe('sent');

    const [first, second] = [riverside, summit].sort((a, b) => a - b);
    const names = (await t.db.selectFrom('practices').select('name').where('id', 'in', [first!, second!]).orderBy('id').execute()).map((p) => p.name).join(' and ');
    const wording = `Texted "Stop": no more texts from ${names}. Reply START to resubscribe.`;
    for (const [id, practice] of [[r, riverside], [s, summit], [r2, riverside]] as const) {
      const rows = await consent(id);
      expect(rows.map((c) => c.kind)).toEqual(['balance_alert', 'appointment_reminder', 'emergency']);
      for (const c of rows) expect(c).toMatchObject({ practice_id: practice, channel: 'sms', subscribed: false, address: phone, wording, actor_kind: 'patient', actor_user_id: null, source: 'sms_stop', at: now });
    }
    expect(await consent(stranger)).toEqual([]);

    expect((await replies(phone)).filter((m) => m.dedupe_key.startsWith('sms-'))).toEqual([
      { practice_id: first, kind: 'sms_stop_confirmation', channel: 'sms', body: `${names}: you are unsubscribed and will receive no more texts. Reply START to resubscribe.`, dedupe_key: 'sms-stop:SMstop1', status: 'queued' },
    ]);

    // The same STOP delivered twice (a webhook retry): no error, no second confirmation, the first opt-out time stays.
    t.clock.advanceMinutes(5);
    const again = await handleInboundSms(t.db, t.clock.now(), { from: phone, to: '+15550109999', body: 'STOP', messageSid: 'SMstop1' });
    expect(again.cancelled).toBe(0);
    expect((await optOuts(phone)).map((o) => o.opted_out_at)).toEqual([now, now]);
    expect((await replies(phone)).filter((m) => m.kind === 'sms_stop_confirmation' && m.dedupe_key.startsWith('sms-'))).toHaveLength(1);
  });

  it('quotes at most 40 characters of what was texted in the consent wording', async () => {
    const phone = '+15550195003';
    const p = await patient(third, phone);
    const body = 'STOP' + '!'.repeat(50);
    await handleInboundSms(t.db, t.clock.now(), { from: phone, to: '+15550109999', body, messageSid: 'SMstop2' });
    const rows = await consent(p);
    expect(rows).toHaveLength(3);
    expect(rows[0]!.wording).toBe(`Texted "${body.slice(0, 40)}": no more texts from Lakeside Hand Clinic. Reply START to resubscribe.`);
    expect(await replies(phone)).toMatchObject([{ practice_id: third, body: 'Lakeside Hand Clinic: you are unsubscribed and will receive no more texts. Reply START to resubscribe.' }]);
  });

  it('from a number that is no patient mobile, or not a phone number, or a text that is no keyword: nothing happens', async () => {
    const phone = '+15550195004';
    const p = await patient(riverside, phone);
    const queued = await queue(riverside, phone);
    expect(await handleInboundSms(t.db, t.clock.now(), { from: '+15550195999', to: '+15550109999', body: 'STOP', messageSid: 'SMnone1' })).toEqual({ keyword: 'stop', practices: [], cancelled: 0 });
    expect(await handleInboundSms(t.db, t.clock.now(), { from: '12', to: '+15550109999', body: 'STOP', messageSid: 'SMnone2' })).toEqual({ keyword: 'stop', practices: [], cancelled: 0 });
    // A text that is no keyword is not STOP/START/HELP (since issue 15 it may answer a reminder: src/reminders/replies.ts).
    for (const [body, sid] of [['Stop it please', 'SMnone3'], ['Thanks!', 'SMnone4']]) {
      const r = await handleInboundSms(t.db, t.clock.now(), { from: phone, to: '+15550109999', body: body!, messageSid: sid! });
      expect(['stop', 'start', 'help']).not.toContain(r.keyword);
      expect(r.cancelled).toBe(0);
    }
    expect(await optOuts(phone)).toEqual([]);
    expect(await optOuts('+15550195999')).toEqual([]);
    expect((await message(queued)).status).toBe('queued');
    expect(await consent(p)).toEqual([]);
    expect((await replies(phone)).filter((m) => /^sms-(stop|start|help):/.test(m.dedupe_key))).toEqual([]);
    expect(await replies('+15550195999')).toEqual([]);
  });
});

describe('START', () => {
  it('lifts the opt-out where the number is a patient mobile (not elsewhere, not for other numbers), records consent and confirms', async () => {
    const phone = '+15550195005';
    const r = await patient(riverside, phone);
    const s = await patient(summit, phone);
    const earlier = new Date('2026-11-01T12:00:00Z');
    // Opted out at Riverside and Summit, and at a practice where it is no patient's number; another number too.
    for (const practice_id of [riverside, summit, third]) await t.db.insertInto('sms_opt_outs').values({ practice_id, phone, opted_out_at: earlier }).execute();
    await t.db.insertInto('sms_opt_outs').values({ practice_id: riverside, phone: '+15550195006', opted_out_at: earlier }).execute();

    const now = t.clock.now();
    const result = await handleInboundSms(t.db, now, { from: phone, to: '+15550109999', body: 'start', messageSid: 'SMstart1' });
    expect({ ...result, practices: [...result.practices].sort((a, b) => a - b) }).toEqual({ keyword: 'start', practices: [riverside, summit].sort((a, b) => a - b), cancelled: 0 });
    expect(await optOuts(phone)).toEqual([{ practice_id: third, phone, opted_out_at: earlier }]);
    expect(await optOuts('+15550195006')).toHaveLength(1);

    const [first, second] = [riverside, summit].sort((a, b) => a - b);
    const names = (await t.db.selectFrom('practices').select('name').where('id', 'in', [first!, second!]).orderBy('id').execute()).map((p) => p.name).join(' and ');
    for (const [id, practice] of [[r, riverside], [s, summit]] as const) {
      const rows = await consent(id);
      expect(rows).toHaveLength(3);
      for (const c of rows) expect(c).toMatchObject({ practice_id: practice, channel: 'sms', subscribed: true, address: phone, wording: `Texted "start": texts from ${names} resume. Reply STOP to opt out.`, actor_kind: 'patient', source: 'sms_start', at: now });
    }
    // What was texted is quoted trimmed and at most 40 characters long, as for STOP.
    const shouting = '  START' + '!'.repeat(50) + '  ';
    await handleInboundSms(t.db, now, { from: phone, to: '+15550109999', body: shouting, messageSid: 'SMstart2' });
    expect((await consent(r)).at(-1)!.wording).toBe(`Texted "${shouting.trim().slice(0, 40)}": texts from ${names} resume. Reply STOP to opt out.`);
    expect(await replies(phone)).toEqual([
      { practice_id: first, kind: 'sms_start_confirmation', channel: 'sms', body: `${names}: you are resubscribed to texts. Reply HELP for help, STOP to opt out.`, dedupe_key: 'sms-start:SMstart1', status: 'queued' },
      { practice_id: first, kind: 'sms_start_confirmation', channel: 'sms', body: `${names}: you are resubscribed to texts. Reply HELP for help, STOP to opt out.`, dedupe_key: 'sms-start:SMstart2', status: 'queued' },
    ]);
  });
});

describe('HELP', () => {
  it("answers once with each practice's name and phone, changes no opt-out or consent", async () => {
    const phone = '+15550195007';
    const r = await patient(riverside, phone);
    await patient(third, phone);
    await t.db.insertInto('sms_opt_outs').values({ practice_id: riverside, phone, opted_out_at: t.clock.now() }).execute();
    const queued = await queue(riverside, phone);
    const result = await handleInboundSms(t.db, t.clock.now(), { from: phone, to: '+15550109999', body: 'Help', messageSid: 'SMhelp1' });
    expect({ ...result, practices: [...result.practices].sort((a, b) => a - b) }).toEqual({ keyword: 'help', practices: [riverside, third].sort((a, b) => a - b), cancelled: 0 });
    const practices = await t.db.selectFrom('practices').select(['id', 'name', 'phone']).where('id', 'in', [riverside, third]).orderBy('id').execute();
    expect(await replies(phone)).toEqual([
      {
        practice_id: practices[0]!.id,
        kind: 'sms_help',
        channel: 'sms',
        body: `${practices.map((p) => `${p.name}: call ${p.phone}`).join('. ')}. Appointment and billing messages. Reply STOP to opt out. Msg & data rates may apply.`,
        dedupe_key: 'sms-help:SMhelp1',
        status: 'queued',
      },
    ]);
    expect(await optOuts(phone)).toHaveLength(1);
    expect(await consent(r)).toEqual([]);
    expect((await message(queued)).status).toBe('queued');
  });
});

describe('a reply to a texted reminder (docs/rules.md, Appointment reminders)', () => {
  // A reminder as the reminder run leaves it once sent: an appointment_reminder text to the number, naming the appointment.
  async function texted(practiceId: number, phone: string, startsAt: string) {
    const patientId = await patient(practiceId, phone);
    const appointmentId = (await t.db
      .insertInto('appointments')
      .values({ practice_id: practiceId, patient_id: patientId, starts_at: new Date(startsAt), provider_name: 'Pat Provider, DPT', location: 'Main Clinic', status: 'scheduled' })
      .returning('id')
      .executeTakeFirstOrThrow()).id;
    const id = (await enqueueMessage(t.db, t.clock.now(), {
      practiceId,
      patientId,
      kind: 'appointment_reminder',
      channel: 'sms',
      recipient: phone,
      body: 'Reminder. Reply C to confirm, R to reschedule. Reply STOP to opt out.',
      dedupeKey: `inbound-rules:reminder:${++n}`,
      reason: { appointmentId, startsAt: new Date(startsAt).toISOString() },
    }))!;
    await t.db.updateTable('outbox_messages').set({ status: 'sent', sent_at: t.clock.now() }).where('id', '=', id).execute();
    return { patientId, appointmentId };
  }
  const answersTo = (appointmentId: number) => t.db.selectFrom('appointment_answers').select('answer').where('appointment_id', '=', appointmentId).execute();
  const reply = (phone: string, body: string, sid: string) => handleInboundSms(t.db, t.clock.now(), { from: phone, to: '+15550109999', body, messageSid: sid });

  it('C answers the reminder and says which practice; STOP after a reminder is still STOP', async () => {
    const phone = '+15550195101';
    const { appointmentId } = await texted(riverside, phone, '2026-11-25T16:00:00Z');
    expect(await reply(phone, 'C', 'SMrem1')).toEqual({ keyword: 'confirmed', practices: [riverside], cancelled: 0 });
    expect(await answersTo(appointmentId)).toEqual([{ answer: 'confirmed' }]);
    expect((await reply(phone, 'STOP', 'SMrem2')).keyword).toBe('stop');
    expect(await optOuts(phone)).toHaveLength(1);
  });

  it('YES confirms while the number is subscribed, but is START once it has opted out', async () => {
    const phone = '+15550195102';
    const { patientId, appointmentId } = await texted(summit, phone, '2026-11-25T18:00:00Z');
    expect(await reply(phone, 'Yes', 'SMrem3')).toEqual({ keyword: 'confirmed', practices: [summit], cancelled: 0 });
    expect(await answersTo(appointmentId)).toEqual([{ answer: 'confirmed' }]);
    expect(await consent(patientId)).toEqual([]);

    await t.db.insertInto('sms_opt_outs').values({ practice_id: summit, phone, opted_out_at: t.clock.now() }).execute();
    expect(await reply(phone, 'YES', 'SMrem4')).toEqual({ keyword: 'start', practices: [summit], cancelled: 0 });
    expect(await optOuts(phone)).toEqual([]);
    expect(await answersTo(appointmentId)).toHaveLength(1);
    expect((await consent(patientId)).every((c) => c.subscribed && c.source === 'sms_start')).toBe(true);
  });

  it('YES when the reminded appointment has started is START: no automatic answer, consent recorded', async () => {
    const phone = '+15550195103';
    const { patientId, appointmentId } = await texted(third, phone, '2026-11-24T15:00:00Z'); // an hour ago
    expect(await reply(phone, 'YES', 'SMrem5')).toEqual({ keyword: 'start', practices: [third], cancelled: 0 });
    expect(await answersTo(appointmentId)).toEqual([]);
    expect((await consent(patientId)).length).toBeGreaterThan(0);
    expect((await replies(phone)).map((m) => m.kind)).toEqual(['sms_start_confirmation']);
  });

  it('a text that is no keyword, from a number nobody has texted and no patient has: nothing to answer', async () => {
    expect(await reply('+15550195104', 'Who is this?', 'SMrem6')).toEqual({ keyword: null, practices: [], cancelled: 0 });
    expect(await replies('+15550195104')).toEqual([]);
  });
});
