import { z } from 'zod';
import type { Database } from '../db/database.ts';
import type { Actor } from '../auth/permissions.ts';
import { fieldErrors } from '../web/field-errors.ts';
import { notifyTicket } from './notify.ts';
import { readAttachments, type UploadedFile } from './attachments.ts';
import { recordTicketEvents, type TicketEvent } from './events.ts';
import { markTicketRead } from './conversation.ts';
import { findConsoleThread, findVisibleTicket, lockTicket, type LockedTicket } from './visibility.ts';
import { MESSAGE_MAX, RESPONSE_WINDOWS, type TicketFields, type TicketResult } from './labels.ts';
import { byteaValue } from '../db/bytea.ts';

// Writing in a thread: a practice reply, a vendor reply (optionally requiring a response by a
// deadline), an internal note. One reply transaction (recordReply) for both sides, and the only
// writer of ticket_messages and ticket_attachments (insertTicketMessage).

const messageField = (empty: string) =>
  z.string({ error: empty }).trim().min(1, empty).max(MESSAGE_MAX, `Use at most ${MESSAGE_MAX.toLocaleString('en-US')} characters.`);

const WINDOW_HOURS = new Set(RESPONSE_WINDOWS.map((w) => w.hours));
/** A response window from RESPONSE_WINDOWS, or '' for none. */
export const windowField = z
  .string()
  .optional()
  .transform((v) => (v ?? '').trim())
  .pipe(
    z.string().refine((v) => v === '' || (/^\d{1,4}$/.test(v) && WINDOW_HOURS.has(Number(v))), {
      message: 'Choose a response window from the list: 4 hours to 14 days.',
    }),
  );

const practiceReplySchema = z.object({ message: messageField('Write your reply.') });
const vendorReplySchema = z.object({ message: messageField('Write your reply.'), response_window: windowField });
const noteSchema = z.object({ note: messageField('Write the note.') });

/**
 * A practice reply: it answers any response the vendor required (clearing Overdue and the block at
 * once), reopens a closed thread, and puts the thread back in the vendor's court.
 */
export async function replyToTicket(
  db: Database,
  actor: Actor,
  ticketId: number,
  reply: { fields: TicketFields; files: unknown[]; now: Date; publicUrl: string },
): Promise<TicketResult> {
  await findVisibleTicket(db, actor, ticketId);
  const errors: Record<string, string> = {};
  const parsed = practiceReplySchema.safeParse(reply.fields);
  if (!parsed.success) Object.assign(errors, fieldErrors(parsed.error));
  const uploads = await readAttachments(reply.files);
  if (!uploads.ok) errors.files = uploads.error;
  if (!parsed.success || !uploads.ok) return { ok: false, errors };
  return db.transaction().execute(async (trx) => {
    const ticket = await lockTicket(trx, actor, ticketId);
    await recordReply(trx, actor, ticket, { body: parsed.data.message, files: uploads.files, windowHours: null, now: reply.now, publicUrl: reply.publicUrl });
    return { ok: true, id: ticket.id } as TicketResult;
  });
}

/**
 * A reply to the practice from the console, with any attachments (the practice's type and size
 * checks): the thread waits on the practice, and with a window the practice must answer by
 * now + window (docs/rules.md "Overdue").
 */
export async function replyAsVendor(
  db: Database,
  actor: Actor,
  ticketId: number,
  reply: { fields: TicketFields; files?: unknown[]; now: Date; publicUrl: string },
): Promise<TicketResult> {
  await findConsoleThread(db, actor, ticketId, reply.now);
  const errors: Record<string, string> = {};
  const parsed = vendorReplySchema.safeParse(reply.fields);
  if (!parsed.success) Object.assign(errors, fieldErrors(parsed.error));
  const uploads = await readAttachments(reply.files ?? []);
  if (!uploads.ok) errors.files = uploads.error;
  if (!parsed.success || !uploads.ok) return { ok: false, errors };
  const windowHours = parsed.data.response_window ? Number(parsed.data.response_window) : null;
  return db.transaction().execute(async (trx) => {
    const ticket = await lockTicket(trx, actor, ticketId);
    await recordReply(trx, actor, ticket, { body: parsed.data.message, files: uploads.files, windowHours, now: reply.now, publicUrl: reply.publicUrl });
    return { ok: true, id: ticket.id, notice: windowHours ? 'Reply sent. A response is now required.' : 'Reply sent.' } as TicketResult;
  });
}

/**
 * An internal note: for the vendor's team only. It changes nothing the practice can observe: not the
 * status, not last_public_message_at/last_public_author_id (which drive practice unread markers),
 * and it sends no email.
 */
export async function addInternalNote(db: Database, actor: Actor, ticketId: number, note: { fields: TicketFields; now: Date }): Promise<TicketResult> {
  const { now } = note;
  await findConsoleThread(db, actor, ticketId, now);
  const parsed = noteSchema.safeParse(note.fields);
  if (!parsed.success) return { ok: false, errors: fieldErrors(parsed.error) };
  return db.transaction().execute(async (trx) => {
    const ticket = await lockTicket(trx, actor, ticketId);
    const messageId = await insertTicketMessage(trx, ticket, { authorId: actor.id, side: 'vendor', internal: true, body: parsed.data.note, windowHours: null, files: [], now });
    await recordTicketEvents(trx, ticket, [['internal_note', { message_id: messageId }]], { actorUserId: actor.id, now });
    return { ok: true, id: ticket.id, notice: 'Internal note added.' } as TicketResult;
  });
}

/**
 * The reply transaction, for either side, on a thread locked by the caller: the message, the
 * thread's new state, its events, the author's read marker and the other side's notification.
 * A practice reply answers any required response; a vendor reply with a window requires one
 * (one indexed response_due_at; the warning and overdue marks start afresh).
 */
export async function recordReply(
  trx: Database,
  actor: Actor,
  ticket: LockedTicket,
  reply: { body: string; files: UploadedFile[]; windowHours: number | null; now: Date; publicUrl: string },
): Promise<number> {
  const { now } = reply;
  const side = actor.kind === 'vendor' ? 'vendor' : 'practice';
  const messageId = await insertTicketMessage(trx, ticket, { authorId: actor.id, side, internal: false, body: reply.body, windowHours: reply.windowHours, files: reply.files, now });
  const waitsOn = side === 'vendor' ? 'waiting_practice' : 'waiting_vendor';
  const dueAt = side === 'vendor' && reply.windowHours ? new Date(now.getTime() + reply.windowHours * 3_600_000) : null;
  await trx
    .updateTable('tickets')
    .set({
      status: waitsOn,
      closed_at: null,
      last_public_message_at: now,
      last_public_author_id: actor.id,
      ...(ticket.status === waitsOn ? {} : { waiting_since: now }),
      ...(side === 'practice' ? { response_due_at: null, response_required_by_user_id: null, overdue_warning_sent_at: null, final_warning_sent_at: null } : {}),
      ...(dueAt
        ? { response_due_at: dueAt, response_required_at: now, response_required_by_user_id: actor.id, overdue_warning_sent_at: null, final_warning_sent_at: null, overdue_recorded_at: null }
        : {}),
    })
    .where('id', '=', ticket.id)
    .execute();
  const events: TicketEvent[] = [];
  if (side === 'practice') {
    events.push(['practice_reply', { message_id: messageId, attachments: reply.files.length }]);
    if (ticket.response_due_at) {
      events.push([
        'response_received',
        { message_id: messageId, was_due_at: ticket.response_due_at.toISOString(), was_overdue: ticket.response_due_at.getTime() <= now.getTime() },
      ]);
    }
    if (ticket.status === 'closed') events.push(['reopened', { message_id: messageId }]);
  } else {
    events.push(['vendor_reply', { message_id: messageId, attachments: reply.files.length }]);
    if (ticket.status === 'closed') events.push(['reopened', { message_id: messageId }]);
    if (dueAt) events.push(['response_required', { message_id: messageId, window_hours: reply.windowHours, due_at: dueAt.toISOString() }]);
  }
  await recordTicketEvents(trx, ticket, events, { actorUserId: actor.id, now });
  await markTicketRead(trx, actor, ticket, now);
  await notifyTicket(trx, now, reply.publicUrl, { ticketId: ticket.id, notice: side === 'vendor' ? 'vendor_reply' : 'practice_reply', eventKey: messageId, actorUserId: actor.id });
  return messageId;
}

/**
 * Writes one message and its attachments in the caller's transaction; returns the message id. The
 * first public vendor message (internal notes do not count) also sets the thread's
 * first_vendor_response_at, which the service report reads; a later one never changes it (the
 * condition keeps it the earliest such message even if messages arrive out of clock order).
 */
export async function insertTicketMessage(
  trx: Database,
  ticket: { id: number; practice_id: number },
  message: { authorId: number; side: 'practice' | 'vendor'; internal: boolean; body: string; windowHours: number | null; files: UploadedFile[]; now: Date },
): Promise<number> {
  const { now } = message;
  const row = await trx
    .insertInto('ticket_messages')
    .values({
      ticket_id: ticket.id,
      practice_id: ticket.practice_id,
      author_user_id: message.authorId,
      author_side: message.side,
      internal: message.internal,
      body: message.body,
      response_window_hours: message.windowHours,
      created_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (message.side === 'vendor' && !message.internal) {
    await trx
      .updateTable('tickets')
      .set({ first_vendor_response_at: now })
      .where('id', '=', ticket.id)
      .where('practice_id', '=', ticket.practice_id)
      .where((eb) => eb.or([eb('first_vendor_response_at', 'is', null), eb('first_vendor_response_at', '>', now)]))
      .execute();
  }
  for (const f of message.files) {
    await trx
      .insertInto('ticket_attachments')
      .values({ ticket_id: ticket.id, message_id: row.id, practice_id: ticket.practice_id, filename: f.filename, content_type: f.contentType, size_bytes: f.data.length, data: byteaValue(f.data), created_at: now })
      .execute();
  }
  return row.id;
}
