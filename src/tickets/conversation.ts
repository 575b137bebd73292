import type { Database } from '../db/database.ts';
import type { Actor } from '../auth/permissions.ts';

// Reading a thread: its messages, its history, and the reader's read marker. Callers pass a ticket
// they loaded through src/tickets/visibility.ts, so the visibility rule has already been applied.

export type ConversationMessage = {
  id: number;
  author_name: string;
  author_side: 'practice' | 'vendor';
  internal: boolean;
  body: string;
  created_at: Date;
  response_window_hours: number | null;
  attachments: { id: number; filename: string; content_type: string; size_bytes: number }[];
};

/** The conversation, oldest first. Internal notes are the vendor team's own: a practice user never reads them. */
export async function loadConversation(db: Database, actor: Actor, ticket: { id: number; practice_id: number }): Promise<ConversationMessage[]> {
  const messages = await db
    .selectFrom('ticket_messages')
    .innerJoin('users', 'users.id', 'ticket_messages.author_user_id')
    .select([
      'ticket_messages.id',
      'users.name as author_name',
      'ticket_messages.author_side',
      'ticket_messages.internal',
      'ticket_messages.body',
      'ticket_messages.created_at',
      'ticket_messages.response_window_hours',
    ])
    .where('ticket_messages.ticket_id', '=', ticket.id)
    .where('ticket_messages.practice_id', '=', ticket.practice_id)
    .$if(actor.kind !== 'vendor', (q) => q.where('ticket_messages.internal', '=', false))
    .orderBy('ticket_messages.created_at')
    .orderBy('ticket_messages.id')
    .execute();
  const attachments = messages.length
    ? await db
        .selectFrom('ticket_attachments')
        .select(['id', 'message_id', 'filename', 'content_type', 'size_bytes'])
        .where('message_id', 'in', messages.map((m) => m.id))
        .orderBy('id')
        .execute()
    : [];
  return messages.map((m) => ({ ...m, attachments: attachments.filter((a) => a.message_id === m.id) }));
}

/** The thread's history of actions, oldest first. */
export async function loadTicketEvents(db: Database, ticket: { id: number; practice_id: number }) {
  return db
    .selectFrom('ticket_events')
    .leftJoin('users', 'users.id', 'ticket_events.actor_user_id')
    .select(['ticket_events.id', 'ticket_events.kind', 'ticket_events.details', 'ticket_events.at', 'users.name as actor_name'])
    .where('ticket_events.ticket_id', '=', ticket.id)
    .where('ticket_events.practice_id', '=', ticket.practice_id)
    .orderBy('ticket_events.at')
    .orderBy('ticket_events.id')
    .execute();
}

/** Per-user read marker: opening a thread marks what is there as read (unread markers on both sides). */
export async function markTicketRead(db: Database, actor: Actor, ticket: { id: number; practice_id: number }, now: Date): Promise<void> {
  await db
    .insertInto('ticket_reads')
    .values({ user_id: actor.id, ticket_id: ticket.id, practice_id: ticket.practice_id, last_read_at: now })
    .onConflict((oc) => oc.columns(['user_id', 'ticket_id']).doUpdateSet({ last_read_at: now }))
    .execute();
}
