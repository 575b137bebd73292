import { sql, type RawBuilder } from 'kysely';
import { TZDate } from '@date-fns/tz';
import type { Database } from '../db/database.ts';
import type { Channel, Language } from '../db/schema.ts';
import { registerSendCheck } from '../messaging/checks.ts';
import { CHANNELS, reachableOn } from './audience.ts';
import { dateTimeFormat, languageOf, localeOf, t } from '../intl.ts';
import { PORTAL_TOKEN_PLACEHOLDER } from '../messaging/portal-link-token.ts';
import { issueReplyLink } from './replies.ts';
import { registerTemplate, type MessageWords } from '../messaging/templates.ts';
import { heavyWorkTurn } from '../jobs/yield.ts';

// Appointment reminders (docs/rules.md, Appointment reminders): one per appointment and subscribed channel, the
// practice's lead time (24, 48 or 72 hours) before it starts.
//
// A reminder is identified by its appointment, channel and start time, so an edit that keeps the
// time finds its reminder already there, and a reschedule is a new reminder. One that is queued
// and then loses its reason (cancelled, moved, past) is cancelled by the send-time check below.
//
// Texts keep quiet hours (08:00–21:00 practice time). The dispatcher only moves a night-time text
// forward, to 08:00, which for a reminder is too late (an 08:30 appointment, a 48-hour lead at
// 06:00 → sent two hours before instead of the evening before). So the reminder itself moves
// backward to the last sending time of the evening before, LATEST_TEXT_TIME. It stops a few
// minutes short of 21:00 so that the dispatcher's poll and one retry still land before quiet hours.

export const APPOINTMENT_REMINDER = 'appointment_reminder';
export const LATEST_TEXT_TIME = { hour: 20, minute: 55 };
export const QUIET_END_HOUR = 8;
/** Rows are queued this long before their send time, with next_attempt_at = the send time. */
export const ENQUEUE_AHEAD_MS = 15 * 60_000;
/** An appointment booked (or reached) closer than this to its start gets no reminder. */
export const MIN_NOTICE_MS = 60 * 60_000;
// The backward shift moves a text at most ~13 hours earlier (07:59 → 20:55 the evening before).
const MAX_SHIFT_HOURS = 13;

/** Practices per `insert … select`: each statement's work stays bounded, and the embedded database answers others between them. */
const PRACTICE_CHUNK = 100;

/**
 * One pass of the 'appointment-reminders' job; returns how many reminders it queued. One
 * `insert … select` per chunk of practices writes the due reminders as the 'appointment_reminder'
 * template and its parameters (reminderParamsSql); the words are rendered from them in TypeScript
 * when each one is sent (the template below), and an email's "Confirm" / "Need to reschedule?"
 * token is issued then too, so a reminder cancelled before it leaves never gets one. The dedupe key
 * makes a rerun, or another instance running at the same moment, queue nothing twice.
 */
export async function runAppointmentReminders(db: Database, now: Date, publicUrl: string): Promise<number> {
  const practices = await db.selectFrom('practices').select('id').orderBy('id').execute();
  let queued = 0;
  for (let i = 0; i < practices.length; i += PRACTICE_CHUNK) {
    const chunk = { from: practices[i]!.id, to: practices[Math.min(practices.length, i + PRACTICE_CHUNK) - 1]!.id };
    queued += await inTransaction(db, async (trx) => {
      // The statement is prepared (src/db/database.ts); a generic plan would be blind to the chunk
      // and the time window (balance-alerts/alerts.ts measured what that costs).
      await sql`set local plan_cache_mode = force_custom_plan`.execute(trx);
      const { rows } = await queueRemindersQuery(now, publicUrl, chunk).execute(trx);
      return Number(rows[0]?.queued ?? 0);
    });
    await heavyWorkTurn();
  }
  return queued;
}

export function reminderDedupeKey(appointmentId: number, channel: Channel, startsAt: Date): string {
  return `reminder:${appointmentId}:${channel}:${Math.floor(startsAt.getTime() / 1000)}`;
}

/** reminderDedupeKey, as the run writes it. */
function reminderDedupeKeySql(appointmentId: RawBuilder<unknown>, channel: RawBuilder<unknown>, startsAt: RawBuilder<unknown>): RawBuilder<string> {
  return sql<string>`'reminder:' || ${appointmentId} || ':' || ${channel} || ':' || floor(extract(epoch from ${startsAt}))::bigint`;
}

/**
 * When a reminder goes: the lead time before the start; for a text whose moment falls in quiet
 * hours, the latest sending time before it (the evening before, or the same evening).
 */
export function reminderSendTime(startsAt: Date, leadHours: number, channel: Channel, timeZone: string): Date {
  const moment = new Date(startsAt.getTime() - leadHours * 3_600_000);
  if (channel !== 'sms') return moment;
  const local = new TZDate(moment.getTime(), timeZone);
  const hour = local.getHours();
  const minuteOfDay = hour * 60 + local.getMinutes();
  if (hour >= QUIET_END_HOUR && minuteOfDay <= LATEST_TEXT_TIME.hour * 60 + LATEST_TEXT_TIME.minute) return moment;
  const dayOffset = hour < QUIET_END_HOUR ? -1 : 0;
  const latest = new TZDate(local.getFullYear(), local.getMonth(), local.getDate() + dayOffset, LATEST_TEXT_TIME.hour, LATEST_TEXT_TIME.minute, 0, timeZone);
  return new Date(Math.min(latest.getTime(), moment.getTime()));
}

/**
 * reminderSendTime as SQL, over expressions of the query that calls it; the run selects with it.
 * test/reminders/send-time.test.ts checks that both give the same instant on many generated cases.
 */
export function reminderSendTimeSql(e: { startsAt: RawBuilder<unknown>; leadHours: RawBuilder<unknown>; channel: RawBuilder<unknown>; timeZone: RawBuilder<unknown> }): RawBuilder<Date> {
  const moment = sql`(${e.startsAt} - make_interval(hours => ${e.leadHours}))`;
  const local = sql`(${moment} at time zone ${e.timeZone})`;
  const hour = sql`extract(hour from ${local})`;
  const quietEnds = sql.lit(QUIET_END_HOUR);
  const lastMinute = sql.lit(LATEST_TEXT_TIME.hour * 60 + LATEST_TEXT_TIME.minute);
  const latest = sql`(date_trunc('day', ${local}) - case when ${hour} < ${quietEnds} then interval '1 day' else interval '0 days' end
                      + make_interval(hours => ${sql.lit(LATEST_TEXT_TIME.hour)}, mins => ${sql.lit(LATEST_TEXT_TIME.minute)})) at time zone ${e.timeZone}`;
  return sql<Date>`(case
    when ${e.channel} <> 'sms' then ${moment}
    when ${hour} >= ${quietEnds} and ${hour} * 60 + extract(minute from ${local}) <= ${lastMinute} then ${moment}
    else least(${latest}, ${moment})
  end)`;
}

/**
 * The 'appointment_reminder' template's parameters for an appointment row `a` and its practice `p`:
 * what reminderContent needs, read when the reminder is sent. Add a parameter here and in
 * reminderWords.
 */
export function reminderParamsSql(publicUrl: string): RawBuilder<unknown> {
  return sql`jsonb_build_object(
    'practice_name', p.name,
    'practice_phone', p.phone,
    'time_zone', p.time_zone,
    'starts_at', ${isoTimeSql(sql`a.starts_at`)},
    'location', a.location,
    'language', pt.preferred_language,
    'public_url', ${publicUrl}::text)`;
}

// Scheduled appointments close enough to start that a reminder may be due, on each channel the
// patient can be reached on, whose send time is within ENQUEUE_AHEAD_MS. One already queued for this
// start time is skipped by the dedupe key's conflict alone: a NOT EXISTS probe of the same index
// first doubled the cost of every new row (measured at 1M appointments: README, Benchmarks). In
// appointment order, so that two instances inserting the same keys wait for each other instead of
// deadlocking.
function queueRemindersQuery(now: Date, publicUrl: string, practices: { from: number; to: number }) {
  const earliest = new Date(now.getTime() + MIN_NOTICE_MS);
  const latest = new Date(now.getTime() + (72 + MAX_SHIFT_HOURS) * 3_600_000 + ENQUEUE_AHEAD_MS);
  const sendAt = reminderSendTimeSql({ startsAt: sql`a.starts_at`, leadHours: sql`p.reminder_lead_hours`, channel: sql`ch.channel`, timeZone: sql`p.time_zone` });
  return sql<{ queued: string }>`
    with queued as (
      insert into outbox_messages (practice_id, patient_id, kind, channel, recipient, template, template_params, reason, dedupe_key, next_attempt_at, created_at, updated_at)
      select r.practice_id, r.patient_id, ${APPOINTMENT_REMINDER}, r.channel, r.recipient, ${APPOINTMENT_REMINDER}, r.params,
             jsonb_build_object('appointmentId', r.id, 'startsAt', ${isoTimeSql(sql`r.starts_at`)}),
             ${reminderDedupeKeySql(sql`r.id`, sql`r.channel`, sql`r.starts_at`)},
             greatest(r.send_at, ${now}::timestamptz), ${now}, ${now}
        from (
          select a.id, a.practice_id, a.patient_id, a.starts_at, ch.channel,
                 case ch.channel when 'sms' then pt.mobile_phone else pt.email end as recipient,
                 ${sendAt} as send_at,
                 ${reminderParamsSql(publicUrl)} as params
            from appointments a
            join practices p on p.id = a.practice_id
            join patients pt on pt.id = a.patient_id and pt.practice_id = a.practice_id
            cross join ${CHANNELS}
           where a.practice_id between ${practices.from} and ${practices.to}
             and a.status = 'scheduled'
             and a.starts_at > ${earliest}
             and a.starts_at <= ${latest}
             and a.starts_at <= ${now}::timestamptz + make_interval(hours => p.reminder_lead_hours + ${sql.lit(MAX_SHIFT_HOURS)}) + ${sql.lit(`${ENQUEUE_AHEAD_MS / 60_000} minutes`)}::interval
             and ${reachableOn(APPOINTMENT_REMINDER)}
        ) r
       where r.send_at <= ${new Date(now.getTime() + ENQUEUE_AHEAD_MS)}
       order by r.id, r.channel
      on conflict (dedupe_key) do nothing
      returning 1)
    select count(*) as queued from queued`;
}

/** An instant as JavaScript's toISOString writes it (milliseconds, UTC), whatever the session's zone. */
function isoTimeSql(t: RawBuilder<unknown>): RawBuilder<string> {
  return sql<string>`to_char(${t} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

function inTransaction<T>(db: Database, work: (trx: Database) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}

/**
 * The words of a reminder: practice, date and time in its zone, location, how to answer. Nothing
 * clinical. The text stays within two SMS segments for usual names and locations; the email adds
 * the phone and the two answer links (`replyUrl` ends in the token's placeholder).
 */
export function reminderContent(
  a: { starts_at: Date; location: string; practice_name: string; practice_phone: string; time_zone: string; language?: Language },
  replyUrl: string,
) {
  const lang = a.language ?? 'en';
  const locale = localeOf(lang);
  const day = dateTimeFormat(locale, { timeZone: a.time_zone, weekday: 'short', month: 'short', day: 'numeric' }).format(a.starts_at);
  const longDay = dateTimeFormat(locale, { timeZone: a.time_zone, weekday: 'long', month: 'long', day: 'numeric', year: 'numeric' }).format(a.starts_at);
  const time = dateTimeFormat(locale, { timeZone: a.time_zone, hour: 'numeric', minute: '2-digit' }).format(a.starts_at);
  const zoned = dateTimeFormat(locale, { timeZone: a.time_zone, hour: 'numeric', minute: '2-digit', timeZoneName: 'short' }).format(a.starts_at);
  const words = { practice: a.practice_name, phone: a.practice_phone, location: a.location, url: replyUrl };
  return {
    text: t(lang, 'reminder.sms', { ...words, when: t(lang, 'reminder.when', { day, time }) }),
    subject: t(lang, 'reminder.subject', words),
    email: t(lang, 'reminder.email', { ...words, when: t(lang, 'reminder.when', { day: longDay, time: zoned }) }),
  };
}

/** A stored reminder's words, from its template parameters (reminderParamsSql). */
export function reminderWords(params: Record<string, unknown>, channel: Channel): MessageWords {
  const content = reminderContent(
    { starts_at: new Date(String(params.starts_at)), location: String(params.location), practice_name: String(params.practice_name), practice_phone: String(params.practice_phone), time_zone: String(params.time_zone), language: languageOf(params.language) },
    `${String(params.public_url)}/appointment-replies/${PORTAL_TOKEN_PLACEHOLDER}`,
  );
  return channel === 'email' ? { subject: content.subject, body: content.email, html: null } : { subject: null, body: content.text, html: null };
}

/**
 * An email's answer links are issued when it is sent (one token, until the appointment starts,
 * kept beside the row like a portal link's: replies.ts); a text has none.
 */
registerTemplate(APPOINTMENT_REMINDER, {
  words: reminderWords,
  async prepare(db, now, m) {
    if (m.channel !== 'email') return {};
    const reason = (m.reason ?? {}) as { appointmentId?: unknown; startsAt?: unknown };
    const token = await issueReplyLink(db, now, { practiceId: m.practice_id!, patientId: m.patient_id!, appointmentId: Number(reason.appointmentId), startsAt: new Date(String(reason.startsAt)) });
    return { portalLinkToken: token };
  },
});

/**
 * The send-time re-check for kind 'appointment_reminder': null when the reminder is still right,
 * otherwise why it must not go.
 */
export async function appointmentReminderCancelReason(db: Database, reason: Record<string, unknown>, now: Date): Promise<string | null> {
  const appointmentId = Number(reason.appointmentId);
  if (!Number.isSafeInteger(appointmentId)) return 'appointment unknown';
  const a = await db.selectFrom('appointments').select(['status', 'starts_at']).where('id', '=', appointmentId).executeTakeFirst();
  if (!a) return 'appointment deleted';
  if (a.status !== 'scheduled') return `appointment ${a.status}`;
  if (typeof reason.startsAt === 'string' && new Date(reason.startsAt).getTime() !== new Date(a.starts_at).getTime()) return 'appointment rescheduled';
  if (new Date(a.starts_at).getTime() <= now.getTime()) return 'appointment already started';
  return null;
}

registerSendCheck(APPOINTMENT_REMINDER, (db, message, now) => appointmentReminderCancelReason(db, message.reason as Record<string, unknown>, now));
