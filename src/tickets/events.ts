import { sql } from 'kysely';
import type { Database } from '../db/database.ts';

// The thread's history: who did what, when. The only writer of ticket_events. Every change of a
// thread passes here, so here it is announced for live updates (docs/rules.md, "Live updates"):
// a Postgres NOTIFY, delivered to every instance when the transaction commits, carrying only ids.

export const TICKET_CHANGES_CHANNEL = 'ticket_changes';

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
  await sql`select pg_notify(${TICKET_CHANGES_CHANNEL}, ${`${ticket.practice_id}:${ticket.id}`})`.execute(trx);
  return rows[rows.length - 1].id;
}
