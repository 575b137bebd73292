import type { Database } from '../db/database.ts';
import type { DemoWorld } from '../demo/seed.ts';
import { reminderContent, reminderDedupeKey } from './reminders.ts';
import { appointmentWhen, issueReplyLink } from './replies.ts';
import { PORTAL_TOKEN_PLACEHOLDER } from '../messaging/portal-link-token.ts';
import { PUBLIC_URL_PLACEHOLDER } from '../messaging/public-url.ts';
import { t } from '../intl.ts';

// Two-way reminders in the demo, for tomorrow's day list (/appointments/tomorrow) and the
// Dashboard: Ava Nguyen confirmed by texting C, Noah Patel asked to reschedule from his reminder
// email, and Emma Johnson's reminder email has links nobody has used yet (open it from Sent
// Messages to try Confirm). The captured rows keep their live links, as captured messages do.

const HOUR = 3_600_000;

export async function seedRemindersDemo(db: Database, now: Date, world: DemoWorld): Promise<void> {
  const practice = await db.selectFrom('practices').select(['id', 'name', 'phone', 'time_zone']).where('id', '=', world.riverside).executeTakeFirstOrThrow();
  const replyUrl = (token: string) => `${PUBLIC_URL_PLACEHOLDER}/appointment-replies/${token}`;
  const cases = [
    { key: 'riverside-1005', channel: 'sms' as const, answer: 'confirmed' as const },
    { key: 'riverside-1006', channel: 'email' as const, answer: 'reschedule' as const },
    { key: 'riverside-1007', channel: 'email' as const, answer: null },
  ];
  for (const [n, c] of cases.entries()) {
    const patientId = world.patients[c.key];
    if (!patientId) continue;
    const patient = await db.selectFrom('patients').select(['mobile_phone', 'email', 'preferred_language']).where('id', '=', patientId).executeTakeFirstOrThrow();
    const appt = await db
      .selectFrom('appointments')
      .select(['id', 'starts_at', 'location'])
      .where('patient_id', '=', patientId)
      .where('status', '=', 'scheduled')
      .where('starts_at', '>', now)
      .orderBy('starts_at')
      .executeTakeFirst();
    if (!appt) continue;
    const startsAt = new Date(appt.starts_at);
    const sentAt = new Date(now.getTime() - (3 + n) * HOUR);
    const token = c.channel === 'email' ? await issueReplyLink(db, sentAt, { practiceId: practice.id, patientId, appointmentId: appt.id, startsAt }) : null;
    const content = reminderContent({ starts_at: startsAt, location: appt.location, practice_name: practice.name, practice_phone: practice.phone, time_zone: practice.time_zone, language: patient.preferred_language }, replyUrl(token ?? PORTAL_TOKEN_PLACEHOLDER));
    await captured(db, {
      practice_id: practice.id,
      patient_id: patientId,
      kind: 'appointment_reminder',
      channel: c.channel,
      recipient: c.channel === 'sms' ? patient.mobile_phone! : patient.email!,
      subject: c.channel === 'email' ? content.subject : null,
      body: c.channel === 'email' ? content.email : content.text,
      reason: JSON.stringify({ appointmentId: appt.id, startsAt: startsAt.toISOString() }),
      dedupe_key: reminderDedupeKey(appt.id, c.channel, startsAt),
      at: sentAt,
    });
    if (!c.answer) continue;
    const answeredAt = new Date(sentAt.getTime() + HOUR);
    await db
      .insertInto('appointment_answers')
      .values({ practice_id: practice.id, patient_id: patientId, appointment_id: appt.id, starts_at: startsAt, answer: c.answer, via: c.channel === 'sms' ? 'sms' : 'email_link', at: answeredAt })
      .execute();
    if (c.channel === 'email') {
      await db.updateTable('appointment_reply_links').set({ used_at: answeredAt, used_answer: c.answer }).where('appointment_id', '=', appt.id).execute();
    } else {
      await captured(db, {
        practice_id: practice.id,
        patient_id: patientId,
        kind: 'sms_reply',
        channel: 'sms',
        recipient: patient.mobile_phone!,
        subject: null,
        body: t(patient.preferred_language, 'inbound.confirmed', { practice: practice.name, when: appointmentWhen(startsAt, practice.time_zone, patient.preferred_language) }),
        reason: '{}',
        dedupe_key: `demo:reminder-answer:${appt.id}`,
        at: answeredAt,
      });
    }
  }
}

async function captured(
  db: Database,
  m: { practice_id: number; patient_id: number; kind: string; channel: 'sms' | 'email'; recipient: string; subject: string | null; body: string; reason: string; dedupe_key: string; at: Date },
) {
  const { at, ...row } = m;
  await db
    .insertInto('outbox_messages')
    .values({
      ...row,
      status: 'delivered',
      attempts: 1,
      next_attempt_at: at,
      transport: 'captured',
      provider_message_id: `captured-${m.dedupe_key}`,
      created_at: at,
      sent_at: at,
      delivered_at: at,
      updated_at: at,
    })
    .execute();
}
