import type { Database } from '../db/database.ts';

// The thread's history: who did what, when. The only writer of ticket_events.

export type TicketEvent = [kind: string, details: Record<string, unknown>];

/** Writes the events in the caller's transaction; returns the last one's id (a stable key for notifications). */
export async function recordTicketEvents(
  trx: Database,
  ticket: { id: number; practice_id: number },
  events: TicketEvent[],
  by: { actorUserId: number | null; now: Date },
): Promise<number> {
  const { actorUserId, now } = by;
  const rows = await trx
    .insertInto('ticket_events')
    .values(events.map(([kind, details]) => ({ ticket_id: ticket.id, practice_id: ticket.practice_id, actor_user_id: actorUserId, kind, details: JSON.stringify(details), at: now })))
    .returning('id')
    .execute();
  return rows[rows.length - 1].id;
}
