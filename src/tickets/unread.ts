import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import { ticketVisibleToStaffRowSql, visibleTickets, type Actor } from '../auth/permissions.ts';

/** Visible threads with a message from someone else since this user last read them. */
export async function countUnreadTickets(db: Database, actor: Actor): Promise<number> {
  const row = await visibleTickets(db, actor)
    .leftJoin('ticket_reads', (j) => j.onRef('ticket_reads.ticket_id', '=', 'tickets.id').on('ticket_reads.user_id', '=', actor.id))
    .where((eb) =>
      eb.and([
        eb('tickets.last_public_author_id', '!=', actor.id),
        eb(sql`coalesce(ticket_reads.last_read_at, '-infinity'::timestamptz)`, '<', eb.ref('tickets.last_public_message_at')),
      ]),
    )
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * countUnreadTickets as a subquery for a staff member's `users` row (alias `u`) read in the same
 * statement: the per-request statement of src/web/context.ts, which has no Actor yet.
 */
export function countUnreadTicketsOfStaffRowSql(u: string) {
  const id = sql.ref(`${u}.id`);
  return sql<number>`(select count(*) from tickets
    left join ticket_reads on ticket_reads.ticket_id = tickets.id and ticket_reads.user_id = ${id}
    where ${ticketVisibleToStaffRowSql(u)}
      and tickets.last_public_author_id <> ${id}
      and coalesce(ticket_reads.last_read_at, '-infinity'::timestamptz) < tickets.last_public_message_at)`;
}
