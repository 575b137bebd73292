import { sql } from 'kysely';
import { TZDate } from '@date-fns/tz';
import type { Database } from '../db/database.ts';
import type { Channel } from '../db/schema.ts';
import { enqueueMessages, type OutgoingMessage } from '../messaging/outbox.ts';
import { registerSendCheck } from '../messaging/checks.ts';
import { CHANNELS, reachableOn } from './audience.ts';
import { dateTimeFormat } from '../intl.ts';
import { PORTAL_TOKEN_PLACEHOLDER } from '../messaging/portal-link-token.ts';
import { insertReplyLinks, newReplyLink } from './replies.ts';

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

export const LATEST_TEXT_TIME = { hour: 20, minute: 55 };
export const QUIET_END_HOUR = 8;
/** Rows are queued this long before their send time, with next_attempt_at = the send time. */
export const ENQUEUE_AHEAD_MS = 15 * 60_000;
/** An appointment booked (or reached) closer than this to its start gets no reminder. */
export const MIN_NOTICE_MS = 60 * 60_000;
// The backward shift moves a text at most ~13 hours earlier (07:59 → 20:55 the evening before).
const MAX_SHIFT_HOURS = 13;

/**
 * One pass of the 'appointment-reminders' job; returns how many reminders it queued. An email
 * carries "Confirm" and "Need to reschedule?" links (src/reminders/replies.ts): one token per email,
 * kept beside the row like a portal link's, never in the stored body. A link row whose message was
 * not queued (its dedupe key existed) is never sent and expires with the appointment.
 */
export async function runAppointmentReminders(db: Database, now: Date, publicUrl: string): Promise<number> {
  const candidates = await findReminderCandidates(db, now);
  const messages: OutgoingMessage[] = [];
  const links: ReturnType<typeof newReplyLink>['row'][] = [];
  const replyUrl = `${publicUrl}/appointment-replies/${PORTAL_TOKEN_PLACEHOLDER}`;
  for (const c of candidates) {
    const sendAt = reminderSendTime(c.starts_at, c.reminder_lead_hours, c.channel, c.time_zone);
    if (sendAt.getTime() > now.getTime() + ENQUEUE_AHEAD_MS) continue;
    const content = reminderContent(c, replyUrl);
    const link = c.channel === 'email' ? newReplyLink(now, { practiceId: c.practice_id, patientId: c.patient_id, appointmentId: c.id, startsAt: c.starts_at }) : null;
    if (link) links.push(link.row);
    messages.push({
      practiceId: c.practice_id,
      patientId: c.patient_id,
      kind: 'appointment_reminder',
      channel: c.channel,
      recipient: c.recipient,
      subject: c.channel === 'email' ? content.subject : null,
      body: c.channel === 'email' ? content.email : content.text,
      portalLinkToken: link?.token ?? null,
      reason: { appointmentId: c.id, startsAt: c.starts_at.toISOString() },
      dedupeKey: reminderDedupeKey(c.id, c.channel, c.starts_at),
      sendAfter: sendAt,
    });
  }
  await insertReplyLinks(db, links);
  return (await enqueueMessages(db, now, messages)).length;
}

export function reminderDedupeKey(appointmentId: number, channel: Channel, startsAt: Date): string {
  return `reminder:${appointmentId}:${channel}:${Math.floor(startsAt.getTime() / 1000)}`;
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

type Candidate = {
  id: number;
  practice_id: number;
  patient_id: number;
  starts_at: Date;
  location: string;
  practice_name: string;
  practice_phone: string;
  time_zone: string;
  reminder_lead_hours: number;
  channel: Channel;
  recipient: string;
};

// Scheduled appointments close enough to start that a reminder may be due, on each channel the
// patient can be reached on, without a reminder for this start time yet (set-based; the loop
// above only renders and inserts).
async function findReminderCandidates(db: Database, now: Date): Promise<Candidate[]> {
  const earliest = new Date(now.getTime() + MIN_NOTICE_MS);
  const latest = new Date(now.getTime() + (72 + MAX_SHIFT_HOURS) * 3_600_000 + ENQUEUE_AHEAD_MS);
  const result = await sql<Candidate>`
    select a.id, a.practice_id, a.patient_id, a.starts_at, a.location,
           p.name as practice_name, p.phone as practice_phone, p.time_zone, p.reminder_lead_hours,
           ch.channel, case ch.channel when 'sms' then pt.mobile_phone else pt.email end as recipient
      from appointments a
      join practices p on p.id = a.practice_id
      join patients pt on pt.id = a.patient_id and pt.practice_id = a.practice_id
      cross join ${CHANNELS}
     where a.status = 'scheduled'
       and a.starts_at > ${earliest}
       and a.starts_at <= ${latest}
       and a.starts_at <= ${now}::timestamptz + make_interval(hours => p.reminder_lead_hours + ${MAX_SHIFT_HOURS}) + ${`${ENQUEUE_AHEAD_MS / 60_000} minutes`}::interval
       and ${reachableOn('appointment_reminder')}
       and not exists (
         select 1 from outbox_messages o
          where o.dedupe_key = 'reminder:' || a.id || ':' || ch.channel || ':' || floor(extract(epoch from a.starts_at))::bigint)
     order by a.starts_at, a.id, ch.channel`.execute(db);
  return result.rows.map((r) => ({ ...r, starts_at: new Date(r.starts_at) }));
}

/**
 * The words of a reminder: practice, date and time in its zone, location, how to answer. Nothing
 * clinical. The text stays within two SMS segments for usual names and locations; the email adds
 * the phone and the two answer links (`replyUrl` ends in the token's placeholder).
 */
export function reminderContent(a: { starts_at: Date; location: string; practice_name: string; practice_phone: string; time_zone: string }, replyUrl: string) {
  const day = dateTimeFormat('en-US', { timeZone: a.time_zone, weekday: 'short', month: 'short', day: 'numeric' }).format(a.starts_at);
  const longDay = dateTimeFormat('en-US', { timeZone: a.time_zone, weekday: 'long', month: 'long', day: 'numeric', year: 'numeric' }).format(a.starts_at);
  const time = dateTimeFormat('en-US', { timeZone: a.time_zone, hour: 'numeric', minute: '2-digit' }).format(a.starts_at);
  const zoned = dateTimeFormat('en-US', { timeZone: a.time_zone, hour: 'numeric', minute: '2-digit', timeZoneName: 'short' }).format(a.starts_at);
  return {
    text: `${a.practice_name}: reminder of your appointment ${day} at ${time}, ${a.location}. Reply C to confirm, R to reschedule. Reply STOP to opt out.`,
    subject: `Appointment reminder from ${a.practice_name}`,
    email:
      `This is a reminder of your appointment with ${a.practice_name}:\n\n` +
      `${longDay} at ${zoned}\n${a.location}\n\n` +
      `Confirm: ${replyUrl}/confirm\n` +
      `Need to reschedule? ${replyUrl}/reschedule\n\n` +
      `Questions, or to cancel, please call ${a.practice_phone}.\n\n${a.practice_name}\n`,
  };
}

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

registerSendCheck('appointment_reminder', (db, message, now) => appointmentReminderCancelReason(db, message.reason as Record<string, unknown>, now));
