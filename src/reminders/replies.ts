import { sql } from 'kysely';
import { encodeBase64urlNoPadding } from '@oslojs/encoding';
import type { Database } from '../db/database.ts';
import type { AppointmentAnswer, Language } from '../db/schema.ts';
import { enqueueMessage } from '../messaging/outbox.ts';
import { hashPortalToken } from '../portal/links.ts';
import { dateTimeFormat, localeOf, t } from '../intl.ts';

// Two-way appointment reminders (docs/rules.md, "Appointment reminders"). A patient answers a
// reminder by texting C (confirm) or R (reschedule) back, or through the two links of a reminder
// email. Either way the answer is a row in appointment_answers about one appointment at one start
// time; asking to reschedule changes nothing on the appointment, it tells the front desk.

/** What a text answers, read like keywords: the whole message, case, accents and punctuation aside. */
export function reminderAnswerOf(body: string): AppointmentAnswer | null {
  const word = body
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toUpperCase()
    .replace(/[^\p{L}\p{N} ]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (CONFIRM_WORDS.includes(word)) return 'confirmed';
  if (RESCHEDULE_WORDS.includes(word)) return 'reschedule';
  return null;
}

export const CONFIRM_WORDS = ['C', 'Y', 'YES', 'CONFIRM', 'SI'];
export const RESCHEDULE_WORDS = ['R', 'RESCHEDULE'];

/** "Tue, Dec 8 at 9:00 AM" in the practice's zone ("mar, 8 de dic a las 9:00 a.m."): the only detail of an appointment an answer repeats. */
export function appointmentWhen(startsAt: Date, timeZone: string, lang: Language = 'en'): string {
  const day = dateTimeFormat(localeOf(lang), { timeZone, weekday: 'short', month: 'short', day: 'numeric' }).format(startsAt);
  const time = dateTimeFormat(localeOf(lang), { timeZone, hour: 'numeric', minute: '2-digit' }).format(startsAt);
  return t(lang, 'reminder.when', { day, time });
}

export type TextAnswerResult = { answer: AppointmentAnswer | 'other'; practiceId: number } | null;

/**
 * An inbound text that is not STOP/START/HELP, from a number that may have been sent a reminder.
 * The most recent reminder texted to the number decides the patient and the appointment (a number
 * shared by family members answers the reminder it received last). C or R answers it while the
 * appointment is still ahead; anything else gets one automatic answer with the practice's phone per
 * reminder (so two auto-responders never text each other forever).
 *
 * `onlyIfAnswerable`: YES is also a START word; it confirms only when there is something to confirm.
 * Returns null when the number is no patient's, or when onlyIfAnswerable and nothing was answered.
 */
export async function answerReminderByText(
  db: Database,
  now: Date,
  sms: { phone: string; body: string; messageSid: string; publicUrl: string; onlyIfAnswerable?: boolean; /** Of the answer (inbound.ts, languageOfNumber). */ language?: Language },
): Promise<TextAnswerResult> {
  const lang = sms.language ?? 'en';
  const answer = reminderAnswerOf(sms.body);
  const reminder = await latestTextedReminder(db, sms.phone);
  const target = reminder ? await answerableAppointment(db, now, reminder) : null;
  if (answer && target) {
    await recordAnswer(db, now, target, answer, 'sms', sms.publicUrl);
    const when = appointmentWhen(target.starts_at, target.time_zone, lang);
    const words = { practice: target.practice_name, phone: target.practice_phone, when };
    await enqueueMessage(db, now, {
      practiceId: target.practice_id,
      patientId: target.patient_id,
      kind: 'sms_reply',
      channel: 'sms',
      recipient: sms.phone,
      body: t(lang, answer === 'confirmed' ? 'inbound.confirmed' : 'inbound.reschedule', words),
      dedupeKey: `sms-answer:${sms.messageSid}`,
    });
    return { answer, practiceId: target.practice_id };
  }
  if (sms.onlyIfAnswerable) return null;

  const practice = target ?? (await textedPractice(db, sms.phone, reminder?.practice_id ?? null));
  if (!practice) return null;
  const hint = target ? t(lang, 'inbound.otherHint', { when: appointmentWhen(target.starts_at, target.time_zone, lang) }) : '';
  await enqueueMessage(db, now, {
    practiceId: practice.practice_id,
    kind: 'sms_reply',
    channel: 'sms',
    recipient: sms.phone,
    body: t(lang, 'inbound.other', { practice: practice.practice_name, phone: practice.practice_phone }) + hint,
    dedupeKey: `sms-auto-answer:${sms.phone}:${reminder ? `reminder:${reminder.id}` : 'none'}`,
  });
  return { answer: 'other', practiceId: practice.practice_id };
}

export type LinkAnswerOutcome =
  | { state: 'answered'; answer: AppointmentAnswer; when: string; practiceName: string; practicePhone: string; language: Language }
  | { state: 'used'; answer: AppointmentAnswer; when: string; practiceName: string; practicePhone: string; language: Language }
  | { state: 'expired'; practiceName: string; practicePhone: string; language: Language }
  | { state: 'invalid' };

/** A token's page before the patient presses the button: whose appointment, when, or why it no longer works. */
export async function readReplyLink(db: Database, now: Date, token: string): Promise<LinkAnswerOutcome | { state: 'open'; when: string; practiceName: string; practicePhone: string; language: Language }> {
  const link = await replyLink(db, token);
  if (!link) return { state: 'invalid' };
  return linkState(link, now) ?? { state: 'open', when: appointmentWhen(link.starts_at, link.time_zone, link.language), practiceName: link.practice_name, practicePhone: link.practice_phone, language: link.language };
}

/**
 * The email's "Confirm" or "Need to reschedule?" link, pressed: the token works once, until the
 * appointment starts (and only for the start time it was sent about). No date of birth: the link
 * reveals nothing but the practice and the date and time.
 */
export async function answerReminderByLink(db: Database, now: Date, token: string, answer: AppointmentAnswer, publicUrl: string): Promise<LinkAnswerOutcome> {
  return db.transaction().execute(async (trx) => {
    const link = await replyLink(trx, token, { lock: true });
    if (!link) return { state: 'invalid' as const };
    const closed = linkState(link, now);
    if (closed) return closed;
    await trx.updateTable('appointment_reply_links').set({ used_at: now, used_answer: answer }).where('id', '=', link.id).execute();
    await recordAnswer(trx, now, link, answer, 'email_link', publicUrl);
    return { state: 'answered' as const, answer, when: appointmentWhen(link.starts_at, link.time_zone, link.language), practiceName: link.practice_name, practicePhone: link.practice_phone, language: link.language };
  });
}

/** A new reply link for one reminder email; the token goes into the message through the portal-link placeholder. */
export async function issueReplyLink(db: Database, now: Date, a: ReplyLinkFor): Promise<string> {
  const link = newReplyLink(now, a);
  await insertReplyLinks(db, [link.row]);
  return link.token;
}

type ReplyLinkFor = { practiceId: number; patientId: number; appointmentId: number; startsAt: Date };

/** A token and its row, valid until the appointment starts; written with insertReplyLinks. */
export function newReplyLink(now: Date, a: ReplyLinkFor) {
  const bytes = new Uint8Array(32);
  crypto.getRandomValues(bytes);
  const token = encodeBase64urlNoPadding(bytes);
  const row = { practice_id: a.practiceId, patient_id: a.patientId, appointment_id: a.appointmentId, token_hash: hashPortalToken(token), starts_at: a.startsAt, created_at: now, expires_at: a.startsAt };
  return { token, row };
}

export async function insertReplyLinks(db: Database, rows: ReturnType<typeof newReplyLink>['row'][]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) await db.insertInto('appointment_reply_links').values(rows.slice(i, i + 500)).execute();
}

// ---- helpers, in the order they are called ----------------------------------------------------

type Target = { practice_id: number; patient_id: number; appointment_id: number; starts_at: Date; practice_name: string; practice_phone: string; time_zone: string };

async function latestTextedReminder(db: Database, phone: string) {
  return db
    .selectFrom('outbox_messages')
    .select(['id', 'practice_id', 'patient_id', 'reason'])
    .where('kind', '=', 'appointment_reminder')
    .where('channel', '=', 'sms')
    .where('recipient', '=', phone)
    .where('status', 'in', ['sent', 'delivered'])
    // Matches outbox_sms_reminders_idx, which holds sent texts only.
    .where('sent_at', 'is not', null)
    .orderBy('sent_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** The reminder's appointment while it is scheduled, still at the time the reminder gave, and ahead. */
async function answerableAppointment(db: Database, now: Date, reminder: { patient_id: number | null; reason: unknown }): Promise<Target | null> {
  const reason = (reminder.reason ?? {}) as { appointmentId?: unknown; startsAt?: unknown };
  const appointmentId = Number(reason.appointmentId);
  if (!Number.isSafeInteger(appointmentId) || reminder.patient_id == null) return null;
  const row = await db
    .selectFrom('appointments as a')
    .innerJoin('practices as p', 'p.id', 'a.practice_id')
    .select(['a.practice_id', 'a.patient_id', 'a.id as appointment_id', 'a.starts_at', 'a.status', 'p.name as practice_name', 'p.phone as practice_phone', 'p.time_zone'])
    .where('a.id', '=', appointmentId)
    .where('a.patient_id', '=', reminder.patient_id)
    .executeTakeFirst();
  if (!row || row.status !== 'scheduled') return null;
  const startsAt = new Date(row.starts_at);
  if (typeof reason.startsAt === 'string' && new Date(reason.startsAt).getTime() !== startsAt.getTime()) return null;
  if (startsAt.getTime() <= now.getTime()) return null;
  return { practice_id: row.practice_id, patient_id: row.patient_id, appointment_id: row.appointment_id, starts_at: startsAt, practice_name: row.practice_name, practice_phone: row.practice_phone, time_zone: row.time_zone };
}

/** The answer row, and for a reschedule request one email per front-desk member who wants them. */
async function recordAnswer(db: Database, now: Date, t: Omit<Target, 'practice_name' | 'practice_phone' | 'time_zone'>, answer: AppointmentAnswer, via: 'sms' | 'email_link', publicUrl: string) {
  await db
    .insertInto('appointment_answers')
    .values({ practice_id: t.practice_id, patient_id: t.patient_id, appointment_id: t.appointment_id, starts_at: t.starts_at, answer, via, at: now })
    .execute();
  if (answer !== 'reschedule') return;
  const staff = await db
    .selectFrom('users')
    .select(['id', 'email'])
    .where('kind', '=', 'staff')
    .where('practice_id', '=', t.practice_id)
    .where('active', '=', true)
    .where(sql<boolean>`coalesce(notify_appointment_changes, role = 1)`)
    .execute();
  for (const user of staff) {
    // No PHI in staff email (docs/rules.md): who and when are behind the sign-in.
    await enqueueMessage(db, now, {
      practiceId: t.practice_id,
      userId: user.id,
      kind: 'appointment_change_notification',
      channel: 'email',
      recipient: user.email,
      subject: 'StrataPT: a patient asked to reschedule',
      body: `A patient asked to reschedule an appointment. Sign in to see who and when.\n\n${publicUrl}/appointments/tomorrow\n\nTo stop these emails, turn them off on that page.\n`,
      reason: { appointmentId: t.appointment_id },
      dedupeKey: `appointment-change:${t.appointment_id}:${Math.floor(t.starts_at.getTime() / 1000)}:user:${user.id}`,
    });
  }
}

/** The practice to answer a number with no answerable reminder: the last reminder's, else the lowest id among the patients' practices. */
async function textedPractice(db: Database, phone: string, practiceId: number | null) {
  return db
    .selectFrom('practices as p')
    .select(['p.id as practice_id', 'p.name as practice_name', 'p.phone as practice_phone'])
    .where((eb) =>
      practiceId != null
        ? eb('p.id', '=', practiceId)
        : eb('p.id', 'in', eb.selectFrom('patients').select('practice_id').where('mobile_phone', '=', phone)),
    )
    .orderBy('p.id')
    .limit(1)
    .executeTakeFirst();
}

async function replyLink(db: Database, token: string, o: { lock?: boolean } = {}) {
  let q = db
    .selectFrom('appointment_reply_links as l')
    .innerJoin('appointments as a', 'a.id', 'l.appointment_id')
    .innerJoin('practices as p', 'p.id', 'l.practice_id')
    .innerJoin('patients as pt', 'pt.id', 'l.patient_id')
    .select([
      'pt.preferred_language as language',
      'l.id', 'l.practice_id', 'l.patient_id', 'l.appointment_id', 'l.starts_at', 'l.expires_at', 'l.used_at', 'l.used_answer',
      'a.status', 'a.starts_at as current_starts_at', 'p.name as practice_name', 'p.phone as practice_phone', 'p.time_zone',
    ])
    .where('l.token_hash', '=', hashPortalToken(token));
  if (o.lock) q = q.forUpdate('l');
  const row = await q.executeTakeFirst();
  return row ? { ...row, starts_at: new Date(row.starts_at) } : null;
}

function linkState(link: NonNullable<Awaited<ReturnType<typeof replyLink>>>, now: Date): LinkAnswerOutcome | null {
  const contact = { practiceName: link.practice_name, practicePhone: link.practice_phone, language: link.language };
  if (link.used_at && link.used_answer) return { state: 'used', answer: link.used_answer, when: appointmentWhen(link.starts_at, link.time_zone, link.language), ...contact };
  const moved = new Date(link.current_starts_at).getTime() !== link.starts_at.getTime();
  if (link.status !== 'scheduled' || moved || new Date(link.expires_at).getTime() <= now.getTime()) return { state: 'expired', ...contact };
  return null;
}
