import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import { can, type Actor } from '../auth/permissions.ts';

// The Get Help menu badge: the threads a practice user may see (src/auth/permissions.ts) with a
// public message by someone else since they last read them (unreadSql, src/tickets/list.ts). The
// database keeps each user's as a set (staff_unread, migration 20261205_0100_staff_unread;
// docs/rules.md, Visibility), so the badge reads the user's entries and no thread.

/** The number of unread threads on this practice user's badge. */
export async function countUnreadTickets(db: Database, actor: Actor): Promise<number> {
  if (actor.kind !== 'staff' || !can(actor, 'tickets.use')) return 0;
  const row = await db
    .selectFrom('staff_unread')
    .where('user_id', '=', actor.id)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * countUnreadTickets as a subquery for a staff member's `users` row (alias `u`) read in the same
 * statement: the per-request statement of src/web/context.ts, which has no Actor yet.
 */
export function countUnreadTicketsOfStaffRowSql(u: string) {
  return sql<number>`(select count(*) from staff_unread where staff_unread.user_id = ${sql.ref(`${u}.id`)})`;
}
