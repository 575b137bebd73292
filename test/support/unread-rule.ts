import type { Database } from '../../src/db/database.ts';
import { visibleTickets, type Actor } from '../../src/auth/permissions.ts';
import { unreadSql } from '../../src/tickets/list.ts';

/**
 * The Get Help badge's threads by the rule itself, from the tables: what this practice user may see
 * (src/auth/permissions.ts) with someone else's public message since they last read it
 * (src/tickets/list.ts). The badge reads a kept set instead (staff_unread); tests compare the two.
 */
export async function staffUnreadByRule(db: Database, actor: Actor): Promise<number[]> {
  if (actor.kind !== 'staff' || actor.limit_messaging) return [];
  const rows = await visibleTickets(db, actor)
    .leftJoin('ticket_reads', (j) => j.onRef('ticket_reads.ticket_id', '=', 'tickets.id').on('ticket_reads.user_id', '=', actor.id))
    .where(unreadSql(actor))
    .select('tickets.id')
    .orderBy('tickets.id')
    .execute();
  return rows.map((r) => r.id);
}
