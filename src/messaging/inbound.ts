import type { Database } from '../db/database.ts';
import { KINDS } from '../engagement/labels.ts';
import { enqueueMessage } from './outbox.ts';
import { normalizePhone } from './phone.ts';
import { answerReminderByText, reminderAnswerOf } from '../reminders/replies.ts';
import type { Language } from '../db/schema.ts';
import { languageOf, t } from '../intl.ts';

// Texts patients send back: STOP and its synonyms opt the number out at once, HELP answers with
// the practice's name and phone, START opts back in. Anything else answers the latest appointment
// reminder sent to the number (C confirms, R asks to reschedule, other words get the practice's
// phone once): src/reminders/replies.ts. YES is both: it confirms when there is a reminder to
// confirm and the number has not texted STOP, else it is START.

export const STOP_WORDS = ['STOP', 'STOPALL', 'QUIT', 'END', 'REVOKE', 'OPT OUT', 'OPTOUT', 'CANCEL', 'UNSUBSCRIBE', 'PARAR', 'ALTO', 'DETENER', 'CANCELAR', 'BAJA'];
export const START_WORDS = ['START', 'UNSTOP', 'YES', 'SUBSCRIBE'];
export const HELP_WORDS = ['HELP', 'INFO', 'AYUDA'];

export type InboundKeyword = 'stop' | 'start' | 'help' | null;

/** The keyword a reply is, read the way carriers read it: the whole message, case and punctuation aside. */
export function keywordOf(body: string): InboundKeyword {
  const word = body
    .normalize('NFKC')
    .toUpperCase()
    .replace(/[^\p{L}\p{N} ]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (STOP_WORDS.includes(word)) return 'stop';
  if (START_WORDS.includes(word)) return 'start';
  if (HELP_WORDS.includes(word)) return 'help';
  return null;
}

export type InboundSms = { from: string; to: string; body: string; messageSid: string; /** For links in staff emails it causes. */ publicUrl?: string };
export type InboundResult = { keyword: InboundKeyword | 'confirmed' | 'reschedule' | 'other'; practices: number[]; cancelled: number };

export async function handleInboundSms(db: Database, now: Date, sms: InboundSms): Promise<InboundResult> {
  const keyword = keywordOf(sms.body);
  const phone = normalizePhone(sms.from);
  if (!phone) return { keyword, practices: [], cancelled: 0 };
  const lang = await languageOfNumber(db, phone);
  if (!keyword || (keyword === 'start' && reminderAnswerOf(sms.body) && !(await isOptedOut(db, phone)))) {
    const answered = await db.transaction().execute((trx) =>
      answerReminderByText(trx, now, { phone, body: sms.body, messageSid: sms.messageSid, publicUrl: sms.publicUrl ?? '', onlyIfAnswerable: keyword === 'start', language: lang }),
    );
    if (answered) return { keyword: answered.answer, practices: [answered.practiceId], cancelled: 0 };
    if (!keyword) return { keyword, practices: [], cancelled: 0 };
  }
  return db.transaction().execute(async (trx) => {
    // One sending number serves every practice: the reply concerns each practice where the number is a patient's mobile.
    const patients = await trx.selectFrom('patients').select(['id', 'practice_id']).where('mobile_phone', '=', phone).execute();
    const practiceIds = [...new Set(patients.map((p) => p.practice_id))];
    if (!practiceIds.length) return { keyword, practices: [], cancelled: 0 };
    const practices = await trx.selectFrom('practices').select(['id', 'name', 'phone']).where('id', 'in', practiceIds).orderBy('id').execute();
    // The consent history's wording is the staff's record, in English; the answer texted back is in the number's language.
    const names = practices.map((p) => p.name).join(' and ');
    const texted = practices.map((p) => p.name).join(t(lang, 'common.and'));
    const first = practices[0]!;
    let cancelled = 0;

    if (keyword === 'stop') {
      const wording = `Texted "${sms.body.trim().slice(0, 40)}": no more texts from ${names}. Reply START to resubscribe.`;
      for (const practiceId of practiceIds) {
        await trx.insertInto('sms_opt_outs').values({ practice_id: practiceId, phone, opted_out_at: now }).onConflict((oc) => oc.columns(['practice_id', 'phone']).doNothing()).execute();
      }
      await recordPatientConsent(trx, now, patients, phone, false, 'sms_stop', wording);
      const res = await trx
        .updateTable('outbox_messages')
        .set({ status: 'cancelled', cancel_reason: 'Number opted out by STOP', portal_link_token: null, updated_at: now })
        .where('channel', '=', 'sms')
        .where('recipient', '=', phone)
        .where('practice_id', 'in', practiceIds)
        .where('status', '=', 'queued')
        .where('kind', 'not in', ['sms_stop_confirmation', 'sms_help'])
        .executeTakeFirst();
      cancelled = Number(res.numUpdatedRows);
      await enqueueMessage(trx, now, {
        practiceId: first.id,
        kind: 'sms_stop_confirmation',
        channel: 'sms',
        recipient: phone,
        body: t(lang, 'inbound.stop', { practices: texted }),
        dedupeKey: `sms-stop:${sms.messageSid}`,
      });
    } else if (keyword === 'start') {
      const wording = `Texted "${sms.body.trim().slice(0, 40)}": texts from ${names} resume. Reply STOP to opt out.`;
      await trx.deleteFrom('sms_opt_outs').where('phone', '=', phone).where('practice_id', 'in', practiceIds).execute();
      await recordPatientConsent(trx, now, patients, phone, true, 'sms_start', wording);
      await enqueueMessage(trx, now, {
        practiceId: first.id,
        kind: 'sms_start_confirmation',
        channel: 'sms',
        recipient: phone,
        body: t(lang, 'inbound.start', { practices: texted }),
        dedupeKey: `sms-start:${sms.messageSid}`,
      });
    } else {
      const contacts = practices.map((p) => t(lang, 'inbound.helpContact', { practice: p.name, phone: p.phone })).join('. ');
      await enqueueMessage(trx, now, {
        practiceId: first.id,
        kind: 'sms_help',
        channel: 'sms',
        recipient: phone,
        body: t(lang, 'inbound.help', { contacts }),
        dedupeKey: `sms-help:${sms.messageSid}`,
      });
    }
    return { keyword, practices: practiceIds, cancelled };
  });
}

/**
 * The language to answer a number in (docs/rules.md, Language): that of the patient whose
 * appointment reminder or balance alert was last texted to it, else English.
 */
export async function languageOfNumber(db: Database, phone: string): Promise<Language> {
  const row = await db
    .selectFrom('outbox_messages as m')
    .innerJoin('patients as p', 'p.id', 'm.patient_id')
    .select('p.preferred_language')
    .where('m.channel', '=', 'sms')
    .where('m.recipient', '=', phone)
    .where('m.kind', 'in', ['appointment_reminder', 'balance_alert'])
    .where('m.status', 'in', ['sent', 'delivered'])
    // Matches outbox_sms_last_patient_text_idx, which holds sent texts only.
    .where('m.sent_at', 'is not', null)
    .orderBy('m.sent_at', 'desc')
    .orderBy('m.id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return languageOf(row?.preferred_language);
}

async function isOptedOut(db: Database, phone: string): Promise<boolean> {
  return !!(await db.selectFrom('sms_opt_outs').select('phone').where('phone', '=', phone).limit(1).executeTakeFirst());
}

/** A STOP or START covers every kind texted to that number: one consent row per patient and kind. */
async function recordPatientConsent(db: Database, now: Date, patients: { id: number; practice_id: number }[], phone: string, subscribed: boolean, source: string, wording: string) {
  const rows = patients.flatMap((p) =>
    KINDS.map((k) => ({ practice_id: p.practice_id, patient_id: p.id, kind: k.kind, channel: 'sms' as const, subscribed, address: phone, wording, actor_kind: 'patient' as const, actor_user_id: null, source, at: now })),
  );
  if (rows.length) await db.insertInto('consent_events').values(rows).execute();
}
