import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { TZDate } from '@date-fns/tz';
import { z } from 'zod';
import type { Database } from '../db/database.ts';
import type { Channel, EmergencyReason, Language } from '../db/schema.ts';
import { assertCan, ownPractice, practiceEmergencyNotices, practiceIdOf, practiceMessages, type Actor } from '../auth/permissions.ts';
import { recordAudit } from '../audit/audit.ts';
import { enqueueMessage } from '../messaging/outbox.ts';
import { checkPromotional, describeMatches, type PromotionalMatch } from '../engagement/promotional-guard.ts';
import { CHANNELS, reachableOn } from '../reminders/audience.ts';
import { NotFound } from '../web/errors.ts';
import { dateTimeFormat, localeOf, t } from '../intl.ts';
import { fieldErrors } from '../web/field-errors.ts';
import { smsSegments, type SmsCount } from '../messaging/sms-segments.ts';
import { MESSAGE_MAX, formatWindow } from './labels.ts';

// Emergency (closure) notifications, docs/rules.md, Emergency notifications: a Therapy Director or above tells the
// patients whose appointments fall in an affected window that the clinic is closed. There is no
// audience but "patients with scheduled appointments in the window": no way to reach everyone.
// The text passes the transactional-only guard first. Sending writes the notice and its outbox
// rows in one transaction, once per patient and channel; the preview's one-time key makes a
// double-clicked Send land on the same notice.

export const WINDOW_MAX_DAYS = 14;

export type NoticeInput = Record<string, string | string[] | undefined>;
export type NoticeDraft = {
  reason: EmergencyReason;
  windowStart: Date;
  windowEnd: Date;
  message: string;
  channels: Channel[];
};
export type NoticeErrors = Record<string, string | undefined>;
export type DraftResult =
  | { ok: true; draft: NoticeDraft }
  | { ok: false; errors: NoticeErrors; promotional?: PromotionalMatch[] };

const LOCAL_DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;

const schema = z.object({
  reason: z.enum(['weather', 'power', 'illness', 'other'], { message: 'Choose a reason.' }),
  window_start: z.string().regex(LOCAL_DATETIME, 'Enter the start date and time.'),
  window_end: z.string().regex(LOCAL_DATETIME, 'Enter the end date and time.'),
  message: z
    .string()
    .trim()
    .min(1, 'Write the message patients will receive.')
    .max(MESSAGE_MAX, `Use at most ${MESSAGE_MAX} characters.`),
  channels: z.array(z.enum(['sms', 'email'])).min(1, 'Choose text, email or both.'),
});

/** Validates a compose form in the practice's zone, including the transactional-only guard. */
export function parseNoticeInput(input: NoticeInput, timeZone: string, now: Date): DraftResult {
  const raw = {
    reason: one(input.reason),
    window_start: one(input.window_start),
    window_end: one(input.window_end),
    message: (one(input.message) ?? '').replace(/\r\n/g, '\n'),
    channels: [input.channels ?? []].flat().filter((c): c is string => typeof c === 'string' && c !== ''),
  };
  const parsed = schema.safeParse(raw);
  const errors: NoticeErrors = {};
  if (!parsed.success) Object.assign(errors, fieldErrors(parsed.error));
  let promotional: PromotionalMatch[] | undefined;
  const guard = checkPromotional(raw.message);
  if (!guard.ok) {
    promotional = guard.matches;
    errors.message ??= `This reads as marketing: ${describeMatches(guard.matches)}. Emergency notifications may only tell patients about the closure.`;
  }
  // Every field is checked even when another failed, so the form shows all its errors at once.
  const windowStart = errors.window_start ? null : localToInstant(raw.window_start ?? '', timeZone);
  const windowEnd = errors.window_end ? null : localToInstant(raw.window_end ?? '', timeZone);
  if (!errors.window_start && !windowStart) errors.window_start = 'Enter a valid start date and time.';
  if (!errors.window_end && !windowEnd) errors.window_end = 'Enter a valid end date and time.';
  if (windowStart && windowEnd) {
    if (windowEnd <= windowStart) errors.window_end = 'The end must be after the start.';
    else if (windowEnd.getTime() - windowStart.getTime() > WINDOW_MAX_DAYS * 86_400_000) errors.window_end = `The window can be at most ${WINDOW_MAX_DAYS} days long.`;
    else if (windowEnd <= now) errors.window_end = 'This window has already ended.';
  }
  if (!parsed.success || Object.keys(errors).length) return { ok: false, errors, promotional };
  const v = parsed.data;
  return { ok: true, draft: { reason: v.reason, windowStart: windowStart!, windowEnd: windowEnd!, message: v.message, channels: v.channels } };
}

/**
 * Starting texts per reason, for staff to pick and then edit: what is closed and how to
 * reschedule, nothing else (they pass the promotional guard; test/emergency).
 */
export function startingText(reason: string, windowStartLocal: string | undefined, timeZone: string): string {
  const start = windowStartLocal ? localToInstant(windowStartLocal, timeZone) : null;
  const when = start ? `on ${dateTimeFormat('en-US', { timeZone, weekday: 'long', month: 'short', day: 'numeric' }).format(start)}` : 'today';
  switch (reason) {
    case 'weather':
      return `Due to severe weather, the clinic is closed ${when}. Your appointment is cancelled; please call us to reschedule.`;
    case 'power':
      return `Due to a power outage, the clinic is closed ${when}. Your appointment is cancelled; please call us to reschedule.`;
    case 'illness':
      return `Due to staff illness, appointments ${when} are cancelled. Please call us to reschedule.`;
    default:
      return `The clinic is closed ${when}. Your appointment is cancelled; please call us to reschedule.`;
  }
}

export type FinalTexts = {
  sms: { text: string; count: SmsCount } | null;
  email: { subject: string; body: string } | null;
};

/**
 * What each chosen channel will carry, exactly as sent (the email's personal unsubscribe link,
 * added by the dispatcher, shown as a placeholder), with the text's SMS segment count.
 */
export function finalTexts(practice: { name: string; phone: string; time_zone: string }, values: { message?: string; window_start?: string; window_end?: string; channels?: string[] }): FinalTexts {
  const message = (values.message ?? '').replace(/\r\n/g, '\n').trim();
  const start = values.window_start ? localToInstant(values.window_start, practice.time_zone) : null;
  const end = values.window_end ? localToInstant(values.window_end, practice.time_zone) : null;
  const content = noticeContent(practice, { message, windowStart: start, windowEnd: end });
  const channels = values.channels ?? [];
  return {
    sms: channels.includes('sms') ? { text: content.text, count: smsSegments(content.text) } : null,
    email: channels.includes('email') ? { subject: content.subject, body: `${content.email}\nUnsubscribe: (a personal link for each patient)` } : null,
  };
}

export type Recipient = {
  patientId: number;
  firstName: string;
  lastName: string;
  accountNumber: string;
  firstAppointmentAt: Date;
  appointments: number;
  sms: string | null;
  email: string | null;
  /** The fixed parts of the notice are in it. */
  language: Language;
};
export type RecipientPreview = {
  recipients: Recipient[];
  counts: Record<Channel, number>;
  /** Patients with an appointment in the window who can be reached on none of the chosen channels. */
  unreachable: number;
  /** Patients with an appointment in the window at all. */
  withAppointments: number;
};

/**
 * Exactly who would receive the notice: patients of the actor's practice with a scheduled
 * appointment that has not yet started within the window, on each chosen channel they are
 * subscribed to emergency notifications on and can be reached by.
 */
export async function previewRecipients(db: Database, actor: Actor, draft: NoticeDraft, now: Date): Promise<RecipientPreview> {
  assertCan(actor, 'emergency.send');
  return findRecipients(db, practiceIdOf(actor), draft, now);
}

export type SendResult =
  | { ok: true; noticeId: number; counts: Record<Channel, number>; alreadySent: boolean }
  | { ok: false; errors: NoticeErrors; promotional?: PromotionalMatch[]; noRecipients?: boolean };

/** Sends a previewed notice: the notice row and one outbox row per recipient and channel, together. */
export async function sendEmergencyNotice(db: Database, actor: Actor, input: NoticeInput, now: Date): Promise<SendResult> {
  assertCan(actor, 'emergency.send');
  const practice = await ownPractice(db, actor).select(['practices.id', 'practices.name', 'practices.phone', 'practices.time_zone']).executeTakeFirstOrThrow();
  const practiceId = practice.id;
  const requestKey = one(input.request_key) ?? '';
  if (!/^[A-Za-z0-9_-]{16,64}$/.test(requestKey)) return { ok: false, errors: { form: 'Preview the notice before sending it.' } };
  const existing = await practiceEmergencyNotices(db, actor).select(['n.id', 'n.recipients_sms', 'n.recipients_email']).where('n.request_key', '=', requestKey).executeTakeFirst();
  if (existing) return { ok: true, noticeId: existing.id, counts: { sms: existing.recipients_sms, email: existing.recipients_email }, alreadySent: true };

  const parsed = parseNoticeInput(input, practice.time_zone, now);
  if (!parsed.ok) return parsed;
  const draft = parsed.draft;
  return db.transaction().execute(async (trx) => {
    const preview = await findRecipients(trx, practiceId, draft, now);
    if (!preview.recipients.length || preview.counts.sms + preview.counts.email === 0) {
      return { ok: false as const, noRecipients: true, errors: { form: noRecipientsMessage(preview) } };
    }
    const inserted = await trx
      .insertInto('emergency_notices')
      .values({
        practice_id: practiceId,
        created_by_user_id: actor.id,
        reason: draft.reason,
        window_start: draft.windowStart,
        window_end: draft.windowEnd,
        message: draft.message,
        channels: sql<Channel[]>`${sql.val(draft.channels)}::text[]`,
        request_key: requestKey,
        recipients_sms: preview.counts.sms,
        recipients_email: preview.counts.email,
        sent_at: now,
      })
      .onConflict((oc) => oc.columns(['practice_id', 'request_key']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) {
      const again = await practiceEmergencyNotices(trx, actor).select(['n.id', 'n.recipients_sms', 'n.recipients_email']).where('n.request_key', '=', requestKey).executeTakeFirstOrThrow();
      return { ok: true as const, noticeId: again.id, counts: { sms: again.recipients_sms, email: again.recipients_email }, alreadySent: true };
    }
    for (const r of preview.recipients) {
      const content = noticeContent(practice, draft, r.language);
      for (const channel of draft.channels) {
        const recipient = channel === 'sms' ? r.sms : r.email;
        if (!recipient) continue;
        await enqueueMessage(trx, now, {
          practiceId,
          patientId: r.patientId,
          kind: 'emergency',
          channel,
          recipient,
          subject: channel === 'email' ? content.subject : null,
          body: channel === 'email' ? content.email : content.text,
          reason: { emergencyNoticeId: inserted.id, language: r.language },
          dedupeKey: `emergency:${inserted.id}:${r.patientId}:${channel}`,
        });
      }
    }
    await recordAudit(trx, {
      at: now,
      actor,
      action: 'emergency_notice.sent',
      recordType: 'emergency_notice',
      recordId: inserted.id,
      details: { reason: draft.reason, channels: draft.channels, recipients_sms: preview.counts.sms, recipients_email: preview.counts.email },
    });
    return { ok: true as const, noticeId: inserted.id, counts: preview.counts, alreadySent: false };
  });
}

export function noRecipientsMessage(preview: RecipientPreview): string {
  if (preview.withAppointments === 0) return 'No patient has a scheduled appointment in this window, so there is no one to notify. Nothing was sent.';
  return `${preview.withAppointments} ${preview.withAppointments === 1 ? 'patient has' : 'patients have'} an appointment in this window, but none can be reached on the chosen channels (unsubscribed from emergency notifications, opted out, or no contact). Nothing was sent.`;
}

/** A fresh one-time key for a preview's Send button. */
export function newRequestKey(): string {
  return randomBytes(18).toString('base64url');
}

export type NoticeSummary = {
  id: number;
  reason: EmergencyReason;
  window_start: Date;
  window_end: Date;
  message: string;
  channels: Channel[];
  recipients_sms: number;
  recipients_email: number;
  sent_at: Date;
  sent_by: string;
};

export async function listNotices(db: Database, actor: Actor, limit = 20): Promise<NoticeSummary[]> {
  assertCan(actor, 'emergency.send');
  return (await noticeQuery(db, actor).orderBy('n.sent_at', 'desc').orderBy('n.id', 'desc').limit(limit).execute()) as NoticeSummary[];
}

export async function findNotice(db: Database, actor: Actor, id: number) {
  assertCan(actor, 'emergency.send');
  const notice = (await noticeQuery(db, actor).where('n.id', '=', id).executeTakeFirst()) as NoticeSummary | undefined;
  if (!notice) throw new NotFound();
  const messages = await practiceMessages(db, actor)
    .innerJoin('patients as p', 'p.id', 'm.patient_id')
    .select(['m.id', 'm.channel', 'm.recipient', 'm.status', 'm.cancel_reason', 'p.id as patient_id', 'p.first_name', 'p.last_name', 'p.account_number'])
    .where('m.kind', '=', 'emergency')
    .where('m.dedupe_key', 'like', `emergency:${id}:%`)
    .orderBy('p.last_name')
    .orderBy('p.first_name')
    .orderBy('m.channel')
    .execute();
  return { notice, messages };
}

/**
 * The words patients receive: the practice first, the staff member's message, the phone, how to
 * stop last. The fixed parts are in the recipient's language; the message stays as staff typed it
 * (docs/rules.md, Language).
 */
export function noticeContent(practice: { name: string; phone: string; time_zone: string }, draft: { message: string; windowStart: Date | null; windowEnd: Date | null }, lang: Language = 'en') {
  const window = draft.windowStart && draft.windowEnd ? formatWindow(draft.windowStart, draft.windowEnd, practice.time_zone, lang) : t(lang, 'emergency.noWindow');
  const words = { practice: practice.name, phone: practice.phone, message: draft.message, window };
  return { text: t(lang, 'emergency.sms', words), subject: t(lang, 'emergency.subject', words), email: t(lang, 'emergency.email', words) };
}

/** 'YYYY-MM-DDTHH:mm' (a datetime-local field) read in the practice's zone. */
export function localToInstant(value: string, timeZone: string): Date | null {
  const m = LOCAL_DATETIME.exec(value);
  if (!m) return null;
  const [y, mo, d, h, mi] = m.slice(1).map(Number);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return null;
  const local = new TZDate(y, mo - 1, d, h, mi, 0, timeZone);
  if (local.getDate() !== d) return null;
  return new Date(local.getTime());
}

/** An instant as a datetime-local field's value in the practice's zone. */
export function instantToLocal(at: Date, timeZone: string): string {
  const z = new TZDate(at.getTime(), timeZone);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${z.getFullYear()}-${p(z.getMonth() + 1)}-${p(z.getDate())}T${p(z.getHours())}:${p(z.getMinutes())}`;
}

async function findRecipients(db: Database, practiceId: number, draft: NoticeDraft, now: Date): Promise<RecipientPreview> {
  const from = draft.windowStart > now ? draft.windowStart : now;
  const channels = draft.channels.length ? draft.channels : ['sms', 'email'];
  const { rows } = await sql<{
    patient_id: number;
    first_name: string;
    last_name: string;
    account_number: string;
    first_at: Date;
    appointments: number;
    sms: string | null;
    email: string | null;
    language: Language;
  }>`
    with booked as (
      select a.patient_id, min(a.starts_at) as first_at, count(*)::int as appointments
        from appointments a
       where a.practice_id = ${practiceId}
         and a.status = 'scheduled'
         and a.starts_at >= ${from}
         and a.starts_at < ${draft.windowEnd}
       group by a.patient_id
    )
    select pt.id as patient_id, pt.first_name, pt.last_name, pt.account_number, b.first_at, b.appointments, pt.preferred_language as language,
           max(case when ch.channel = 'sms' and ${reachableOn('emergency')} then pt.mobile_phone end) as sms,
           max(case when ch.channel = 'email' and ${reachableOn('emergency')} then pt.email end) as email
      from booked b
      join patients pt on pt.id = b.patient_id and pt.practice_id = ${practiceId}
      cross join ${CHANNELS}
     where ch.channel in (${sql.join(channels)})
     group by pt.id, pt.first_name, pt.last_name, pt.account_number, b.first_at, b.appointments, pt.preferred_language
     order by b.first_at, pt.last_name, pt.first_name, pt.id`.execute(db);
  const all = rows.map((r) => ({
    patientId: r.patient_id,
    firstName: r.first_name,
    lastName: r.last_name,
    accountNumber: r.account_number,
    firstAppointmentAt: new Date(r.first_at),
    appointments: r.appointments,
    sms: r.sms,
    email: r.email,
    language: r.language,
  }));
  const recipients = all.filter((r) => r.sms || r.email);
  return {
    recipients,
    counts: { sms: recipients.filter((r) => r.sms).length, email: recipients.filter((r) => r.email).length },
    unreachable: all.length - recipients.length,
    withAppointments: all.length,
  };
}

function noticeQuery(db: Database, actor: Actor) {
  return practiceEmergencyNotices(db, actor)
    .innerJoin('users as u', 'u.id', 'n.created_by_user_id')
    .select(['n.id', 'n.reason', 'n.window_start', 'n.window_end', 'n.message', 'n.channels', 'n.recipients_sms', 'n.recipients_email', 'n.sent_at', 'u.name as sent_by']);
}

function one(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[v.length - 1] : v;
}
