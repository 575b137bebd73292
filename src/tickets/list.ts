import { sql, type SelectQueryBuilder } from 'kysely';
import type { Database } from '../db/database.ts';
import type { DB, TicketDepartment, TicketStatus } from '../db/schema.ts';
import { assertCan, visibleTickets, type Actor } from '../auth/permissions.ts';

// Get Help: the practice's list of the threads this user may see.

export const PAGE_SIZE = 25;

export type TicketRow = {
  id: number;
  subject: string;
  department: TicketDepartment;
  status: TicketStatus;
  admin_level: boolean;
  response_due_at: Date | null;
  last_public_message_at: Date;
  patient_id: number | null;
  patient_first_name: string | null;
  patient_last_name: string | null;
  patient_account_number: string | null;
  unread: boolean;
};

/** The columns a list row shows, joined onto an already-scoped tickets query. */
export function ticketListColumns<O>(query: SelectQueryBuilder<DB, 'tickets', O>, actor: Actor) {
  return query
    .leftJoin('patients', (j) => j.onRef('patients.id', '=', 'tickets.patient_id').onRef('patients.practice_id', '=', 'tickets.practice_id'))
    .leftJoin('ticket_reads', (j) => j.onRef('ticket_reads.ticket_id', '=', 'tickets.id').on('ticket_reads.user_id', '=', actor.id))
    .select([
      'tickets.id',
      'tickets.subject',
      'tickets.department',
      'tickets.status',
      'tickets.admin_level',
      'tickets.response_due_at',
      'tickets.last_public_message_at',
      'tickets.patient_id',
      'patients.first_name as patient_first_name',
      'patients.last_name as patient_last_name',
      'patients.account_number as patient_account_number',
      unreadSql(actor).as('unread'),
    ]);
}

/** Unread for this user: someone else wrote since they last read the thread (needs the ticket_reads join). */
export function unreadSql(actor: Actor) {
  return sql<boolean>`(tickets.last_public_author_id is distinct from ${actor.id}
        and coalesce(ticket_reads.last_read_at, '-infinity'::timestamptz) < tickets.last_public_message_at)`;
}

/** Get Help: the visible threads, newest activity first, one page at a time. */
export async function listTickets(db: Database, actor: Actor, options: { page?: number; pageSize?: number } = {}) {
  assertCan(actor, 'tickets.use');
  const pageSize = options.pageSize ?? PAGE_SIZE;
  const page = options.page ?? 1;
  const rows = await ticketListColumns(visibleTickets(db, actor), actor)
    .orderBy('tickets.last_public_message_at', 'desc')
    .orderBy('tickets.id', 'desc')
    .limit(pageSize + 1)
    .offset((page - 1) * pageSize)
    .execute();
  return { rows: rows.slice(0, pageSize) as TicketRow[], hasMore: rows.length > pageSize };
}
