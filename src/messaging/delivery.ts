import { sql } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/database.ts';
import type { OutboxStatus } from '../db/schema.ts';

// Delivery status from provider webhooks. Each event is applied once (webhook_events) in the same
// transaction as its effect, so a provider's retry changes nothing.

export const resendEvent = z.object({
  type: z.string(),
  created_at: z.string().optional(),
  data: z.object({ email_id: z.string(), to: z.array(z.string()).optional(), bounce: z.object({ message: z.string().optional() }).partial().optional(), failed: z.object({ reason: z.string().optional() }).partial().optional() }).passthrough(),
});
export type ResendEvent = z.infer<typeof resendEvent>;

/** 'unknown': no message has that provider id (yet: a batch records its sends when it ends). */
export type EventOutcome = 'applied' | 'duplicate' | 'ignored' | 'unknown';

export async function applyResendEvent(db: Database, now: Date, eventId: string, event: ResendEvent): Promise<EventOutcome> {
  return db.transaction().execute(async (trx) => {
    const m = await trx
      .selectFrom('outbox_messages')
      .select(['id', 'status', 'practice_id', 'patient_id', 'recipient'])
      .where('transport', '=', 'resend')
      .where('provider_message_id', '=', event.data.email_id)
      .executeTakeFirst();
    // Not claimed, so the provider's retry can still apply it once the send is recorded.
    if (!m) return 'unknown';
    if (!(await claimEvent(trx, 'resend', eventId, now))) return 'duplicate';
    switch (event.type) {
      case 'email.delivered':
        await markDelivered(trx, m.id, now);
        return 'applied';
      case 'email.bounced':
        await markFinal(trx, m.id, now, 'bounced', event.data.bounce?.message ?? 'Bounced');
        await suppressEmail(trx, now, m, 'bounced');
        return 'applied';
      case 'email.complained':
        await markFinal(trx, m.id, now, 'complained', 'Marked as spam by the recipient');
        await suppressEmail(trx, now, m, 'complained');
        return 'applied';
      case 'email.failed':
        await markFinal(trx, m.id, now, 'failed', event.data.failed?.reason ?? 'Failed at the provider');
        return 'applied';
      default:
        return 'ignored';
    }
  });
}

/** Twilio's MessageStatus values that end a text's life. */
const TWILIO_FAILED = new Set(['failed', 'undelivered']);

export async function applyTwilioStatus(db: Database, now: Date, p: Record<string, string>): Promise<EventOutcome> {
  const sid = p.MessageSid ?? p.SmsSid;
  const status = p.MessageStatus ?? p.SmsStatus;
  if (!sid || !status) return 'ignored';
  return db.transaction().execute(async (trx) => {
    if (!(await claimEvent(trx, 'twilio', `${sid}:${status}`, now))) return 'duplicate';
    const m = await trx.selectFrom('outbox_messages').select(['id', 'practice_id', 'recipient']).where('transport', '=', 'twilio').where('provider_message_id', '=', sid).executeTakeFirst();
    if (!m) return 'ignored';
    if (status === 'delivered') {
      await markDelivered(trx, m.id, now);
      return 'applied';
    }
    if (TWILIO_FAILED.has(status)) {
      await markFinal(trx, m.id, now, 'failed', `Twilio ${status}${p.ErrorCode ? ` (error ${p.ErrorCode})` : ''}`);
      // 21610: the carrier reports the number has opted out (STOP sent outside our number's reach).
      if (p.ErrorCode === '21610' && m.practice_id != null) {
        await trx.insertInto('sms_opt_outs').values({ practice_id: m.practice_id, phone: m.recipient, opted_out_at: now }).onConflict((oc) => oc.columns(['practice_id', 'phone']).doNothing()).execute();
      }
      return 'applied';
    }
    return 'ignored';
  });
}

/** True the first time this provider event is seen. */
export async function claimEvent(db: Database, provider: string, eventId: string, now: Date): Promise<boolean> {
  const row = await db
    .insertInto('webhook_events')
    .values({ provider, event_id: eventId.slice(0, 200), received_at: now })
    .onConflict((oc) => oc.columns(['provider', 'event_id']).doNothing())
    .returning('event_id')
    .executeTakeFirst();
  return !!row;
}

async function markDelivered(db: Database, id: number, now: Date) {
  await db
    .updateTable('outbox_messages')
    .set({ status: 'delivered', delivered_at: now, updated_at: now })
    .where('id', '=', id)
    .where('status', 'in', ['sending', 'sent'])
    .execute();
}

async function markFinal(db: Database, id: number, now: Date, status: OutboxStatus, error: string) {
  await db.updateTable('outbox_messages').set({ status, last_error: error.slice(0, 500), updated_at: now }).where('id', '=', id).execute();
}

async function suppressEmail(db: Database, now: Date, m: { practice_id: number | null; patient_id: number | null; recipient: string }, reason: 'bounced' | 'complained') {
  if (m.practice_id == null || m.patient_id == null) return;
  await db
    .insertInto('email_suppressions')
    .values({ practice_id: m.practice_id, patient_id: m.patient_id, email: m.recipient.toLowerCase(), reason, at: now })
    .onConflict((oc) => oc.expression(sql`patient_id, lower(email)`).doUpdateSet({ reason, at: now }))
    .execute();
}
