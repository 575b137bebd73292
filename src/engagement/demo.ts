import type { Database } from '../db/database.ts';
import type { DemoWorld } from '../demo/seed.ts';
import type { Channel, MessageKind } from '../db/schema.ts';
import { issuePortalLink } from '../portal/links.ts';
import { consentWording } from './subscriptions.ts';
import { PUBLIC_URL_PLACEHOLDER } from '../messaging/public-url.ts';
import { balanceAlertMessage } from '../balance-alerts/alerts.ts';

const DAY = 86_400_000;

/**
 * James Carter subscribed to balance alerts by text and email (recorded by Adam Alvarez, with the
 * wording shown), and a few captured messages so Sent Messages and his engagement screen show something.
 */
export async function seedEngagementDemo(db: Database, now: Date, world: DemoWorld, publicUrl = PUBLIC_URL_PLACEHOLDER): Promise<void> {
  const james = world.patients['james'];
  const admin = world.users['admin@riverside.example'];
  if (!james || !admin) return;
  const practice = await db.selectFrom('practices').select(['id', 'name', 'phone']).where('id', '=', world.riverside).executeTakeFirstOrThrow();
  const patient = await db.selectFrom('patients').select(['mobile_phone', 'email']).where('id', '=', james).executeTakeFirstOrThrow();
  const subscribedAt = new Date(now.getTime() - 6 * DAY);
  const channels: [Channel, string | null][] = [['sms', patient.mobile_phone], ['email', patient.email]];
  for (const [channel, address] of channels) {
    const kind: MessageKind = 'balance_alert';
    await db.insertInto('subscriptions').values({ practice_id: practice.id, patient_id: james, kind, channel, subscribed: true, updated_at: subscribedAt, updated_by_user_id: admin }).execute();
    await db
      .insertInto('consent_events')
      .values({ practice_id: practice.id, patient_id: james, kind, channel, subscribed: true, address, wording: consentWording(kind, channel, practice.name, address, true), actor_kind: 'staff', actor_user_id: admin, source: 'engagement_screen', at: subscribedAt })
      .execute();
  }

  // Harold Finch's last statement link was guessed at ten times and disabled for good: his Patient
  // Engagement tab says "link locked after repeated wrong dates" (the portal's lifetime cap).
  const harold = world.patients['harold'];
  if (harold) {
    const old = await issuePortalLink(db, new Date(now.getTime() - 20 * DAY), publicUrl, { practiceId: practice.id, patientId: harold, purpose: 'statement' });
    await db.updateTable('portal_links').set({ failed_total: 10, disabled_at: new Date(now.getTime() - 19 * DAY) }).where('id', '=', old.id).execute();
  }

  const sentAt = new Date(now.getTime() - 4 * DAY);
  const link = await issuePortalLink(db, sentAt, publicUrl, { practiceId: practice.id, patientId: james });
  const alert = `${practice.name}: you have a balance due. View and pay securely: ${link.url}. Reply STOP to opt out.`;
  const emailBody = `${practice.name}: you have a balance due.\n\nView and pay securely: ${link.url}\n\nQuestions? Call ${practice.phone}.`;
  const captured: { kind: string; channel: Channel; recipient: string; subject: string | null; body: string; patient: number | null; at: Date }[] = [
    { kind: 'balance_alert', channel: 'sms' as const, recipient: patient.mobile_phone!, subject: null, body: alert, patient: james, at: sentAt },
    { kind: 'balance_alert', channel: 'email' as const, recipient: patient.email!, subject: `${practice.name}: a balance is waiting`, body: emailBody, patient: james, at: sentAt },
    {
      kind: 'appointment_reminder',
      channel: 'sms' as const,
      recipient: '+15550100101',
      subject: null,
      body: `${practice.name}: reminder of your appointment tomorrow. Questions? Call ${practice.phone}. Reply STOP to opt out.`,
      patient: world.patients['maria-knee'] ?? null,
      at: new Date(now.getTime() - 2 * DAY),
    },
  ];
  captured.push(...(await spanishAlerts(db, now, world, practice, admin, publicUrl)));
  for (const [i, m] of captured.entries()) {
    await db
      .insertInto('outbox_messages')
      .values({
        practice_id: practice.id,
        patient_id: m.patient,
        kind: m.kind,
        channel: m.channel,
        recipient: m.recipient,
        subject: m.subject,
        body: m.body,
        dedupe_key: `demo:engagement:${i}`,
        status: 'delivered',
        attempts: 1,
        next_attempt_at: m.at,
        transport: 'captured',
        provider_message_id: `captured-demo-${i}`,
        created_at: m.at,
        sent_at: m.at,
        delivered_at: m.at,
        updated_at: m.at,
      })
      .execute();
  }
}

/**
 * Lucía Hernández and José Ramírez prefer Spanish (docs/rules.md, Language): each subscribed to
 * balance alerts by text, and was sent one in Spanish four days ago (so the first run of the job
 * does not alert them again). Lucía's also went by email. Their links open the portal in Spanish.
 */
async function spanishAlerts(db: Database, now: Date, world: DemoWorld, practice: { id: number; name: string; phone: string }, admin: number, publicUrl: string) {
  const sentAt = new Date(now.getTime() - 4 * DAY);
  const subscribedAt = new Date(now.getTime() - 9 * DAY);
  const out: { kind: string; channel: Channel; recipient: string; subject: string | null; body: string; patient: number | null; at: Date }[] = [];
  for (const [key, channels] of [['lucia', ['sms', 'email']], ['jose', ['sms']]] as const) {
    const patientId = world.patients[key];
    if (!patientId) continue;
    const patient = await db.selectFrom('patients').select(['mobile_phone', 'email', 'preferred_language']).where('id', '=', patientId).executeTakeFirstOrThrow();
    for (const channel of channels) {
      const address = channel === 'sms' ? patient.mobile_phone! : patient.email!;
      await db.insertInto('subscriptions').values({ practice_id: practice.id, patient_id: patientId, kind: 'balance_alert', channel, subscribed: true, updated_at: subscribedAt, updated_by_user_id: admin }).execute();
      await db
        .insertInto('consent_events')
        .values({ practice_id: practice.id, patient_id: patientId, kind: 'balance_alert', channel, subscribed: true, address, wording: consentWording('balance_alert', channel, practice.name, address, true), actor_kind: 'staff', actor_user_id: admin, source: 'engagement_screen', at: subscribedAt })
        .execute();
      const link = await issuePortalLink(db, sentAt, publicUrl, { practiceId: practice.id, patientId });
      const words = balanceAlertMessage({ channel, practice_name: practice.name, practice_phone: practice.phone, language: patient.preferred_language }, link.url);
      out.push({ kind: 'balance_alert', channel, recipient: address, subject: words.subject, body: words.body, patient: patientId, at: sentAt });
    }
  }
  return out;
}
