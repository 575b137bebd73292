import type { Database } from '../db/database.ts';
import type { Channel } from '../db/schema.ts';

// Every email and text is first a row here, written in the same transaction as the event that
// causes it (pass the transaction as db). The dispatcher sends it later, at most once per dedupe key.

export type OutgoingMessage = {
  practiceId: number | null;
  patientId?: number | null;
  userId?: number | null;
  kind: string;
  channel: Channel;
  /** E.164 phone for sms, an email address for email. */
  recipient: string;
  subject?: string | null;
  body: string;
  html?: string | null;
  headers?: Record<string, string>;
  /** What caused the message, read again by the send-time re-check. */
  reason?: Record<string, unknown>;
  /** Unique per logical message: a second enqueue with the same key adds nothing. */
  dedupeKey: string;
  /** Not before this time (defaults to now). */
  sendAfter?: Date;
};

/** Queues a message; returns its id, or null when one with the same dedupe key already exists. */
export async function enqueueMessage(db: Database, now: Date, m: OutgoingMessage): Promise<number | null> {
  const row = await db
    .insertInto('outbox_messages')
    .values({
      practice_id: m.practiceId,
      patient_id: m.patientId ?? null,
      user_id: m.userId ?? null,
      kind: m.kind,
      channel: m.channel,
      recipient: m.recipient,
      subject: m.subject ?? null,
      body: m.body,
      html: m.html ?? null,
      headers: JSON.stringify(m.headers ?? {}),
      reason: JSON.stringify(m.reason ?? {}),
      dedupe_key: m.dedupeKey,
      next_attempt_at: m.sendAfter && m.sendAfter > now ? m.sendAfter : now,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  return row?.id ?? null;
}
