import { sql } from 'kysely';
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

/**
 * A new public message on a thread and a read of it by `readerId`, in two transactions that overlap:
 * the one started first holds its change 0.15 s while the other starts 0.05 s after it. The unread
 * sets' triggers must apply them one after the other, the later seeing the earlier.
 */
export async function raceAReadAndAMessage(
  db: Database,
  o: { ticketId: number; practiceId: number; readerId: number; authorId: number; messageFirst: boolean },
): Promise<void> {
  const message = db.transaction().execute(async (trx) => {
    if (!o.messageFirst) await sql`select pg_sleep(0.05)`.execute(trx);
    await sql`update tickets set last_public_message_at = clock_timestamp(), last_public_author_id = ${o.authorId} where id = ${o.ticketId}`.execute(trx);
    await sql`select pg_sleep(0.15)`.execute(trx);
  });
  const read = db.transaction().execute(async (trx) => {
    if (o.messageFirst) await sql`select pg_sleep(0.05)`.execute(trx);
    await sql`insert into ticket_reads (user_id, ticket_id, practice_id, last_read_at) values (${o.readerId}, ${o.ticketId}, ${o.practiceId}, clock_timestamp())
              on conflict (user_id, ticket_id) do update set last_read_at = clock_timestamp()`.execute(trx);
    await sql`select pg_sleep(0.15)`.execute(trx);
  });
  await Promise.all([message, read]);
}
