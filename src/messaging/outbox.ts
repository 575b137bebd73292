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
  /** A portal link's token: body and html carry PORTAL_TOKEN_PLACEHOLDER instead (portal-link-token.ts). */
  portalLinkToken?: string | null;
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
    .values(outboxRow(now, m))
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  return row?.id ?? null;
}

const ENQUEUE_CHUNK = 500;

/**
 * Queues many messages, a few hundred rows per statement (a scheduled job that finds tens of
 * thousands due at once takes seconds, not minutes). Returns the ids of the rows written, in no
 * particular order; a message whose dedupe key exists already is skipped, as with enqueueMessage.
 */
export async function enqueueMessages(db: Database, now: Date, messages: OutgoingMessage[]): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < messages.length; i += ENQUEUE_CHUNK) {
    const rows = await db
      .insertInto('outbox_messages')
      .values(messages.slice(i, i + ENQUEUE_CHUNK).map((m) => outboxRow(now, m)))
      .onConflict((oc) => oc.column('dedupe_key').doNothing())
      .returning('id')
      .execute();
    for (const r of rows) ids.push(r.id);
  }
  return ids;
}

function outboxRow(now: Date, m: OutgoingMessage) {
  return {
    practice_id: m.practiceId,
    patient_id: m.patientId ?? null,
    user_id: m.userId ?? null,
    kind: m.kind,
    channel: m.channel,
    recipient: m.recipient,
    subject: m.subject ?? null,
    body: m.body,
    html: m.html ?? null,
    portal_link_token: m.portalLinkToken ?? null,
    headers: JSON.stringify(m.headers ?? {}),
    reason: JSON.stringify(m.reason ?? {}),
    dedupe_key: m.dedupeKey,
    next_attempt_at: m.sendAfter && m.sendAfter > now ? m.sendAfter : now,
    created_at: now,
    updated_at: now,
  };
}
