import { sql, type SelectQueryBuilder } from 'kysely';
import type { Database } from '../db/database.ts';
import type { DB, TicketDepartment, TicketStatus } from '../db/schema.ts';
import { assertCan, visibleTickets, type Actor } from '../auth/permissions.ts';
import { deadlineCountdown, type Countdown } from './countdown.ts';
import { LIST_FILTERS, type ListFilter } from './labels.ts';

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

/** A list row with its deadline as a countdown from the clock's now. */
export type ListedTicket = TicketRow & { countdown: Countdown | null };

export function withCountdowns(rows: TicketRow[], now: Date): ListedTicket[] {
  return rows.map((r) => ({ ...r, countdown: deadlineCountdown(r.response_due_at, now) }));
}

/**
 * Get Help: the visible threads of one filter, those with a response deadline first (soonest
 * first), then newest activity first; one page at a time.
 */
export async function listTickets(
  db: Database,
  actor: Actor,
  options: { now: Date; page?: number; pageSize?: number; filter?: ListFilter },
): Promise<{ rows: ListedTicket[]; hasMore: boolean }> {
  assertCan(actor, 'tickets.use');
  const pageSize = options.pageSize ?? PAGE_SIZE;
  const page = options.page ?? 1;
  const offset = (page - 1) * pageSize;
  const filter = options.filter ?? 'all';
  // The page's ids first, from the two halves of the order, each read in index order and stopped at
  // the page's end: threads with a deadline (tickets_practice_due_idx), then those without, newest
  // activity first (tickets_practice_activity_idx). Sorting the whole practice's threads, with a
  // patient joined to each, read every one of them (1,000 heap pages and 1,000 patients for 26 rows
  // on the bench: 5.2 ms; this way 0.9 ms, EXPLAIN in bench/explain/get-help.txt).
  const enough = offset + pageSize + 1;
  const withDeadline = filtered(visibleTickets(db, actor), filter)
    .where('tickets.response_due_at', 'is not', null)
    .select('tickets.id')
    .orderBy('tickets.response_due_at', 'asc')
    .orderBy('tickets.last_public_message_at', 'desc')
    .orderBy('tickets.id', 'desc')
    .limit(enough);
  const withoutDeadline = filtered(visibleTickets(db, actor), filter)
    .where('tickets.response_due_at', 'is', null)
    .select('tickets.id')
    .orderBy('tickets.last_public_message_at', 'desc')
    .orderBy('tickets.id', 'desc')
    .limit(enough);
  const ids = db.selectFrom(withDeadline.as('d')).select('d.id').unionAll(db.selectFrom(withoutDeadline.as('n')).select('n.id'));
  const rows = await ticketListColumns(visibleTickets(db, actor).where('tickets.id', 'in', ids), actor)
    .orderBy(sql`tickets.response_due_at asc nulls last`)
    .orderBy('tickets.last_public_message_at', 'desc')
    .orderBy('tickets.id', 'desc')
    .limit(pageSize + 1)
    .offset(offset)
    .execute();
  return { rows: withCountdowns(rows.slice(0, pageSize) as TicketRow[], options.now), hasMore: rows.length > pageSize };
}

/** How many visible threads each Get Help filter holds. */
export async function countTicketsByFilter(db: Database, actor: Actor): Promise<Record<ListFilter, number>> {
  assertCan(actor, 'tickets.use');
  const row = await visibleTickets(db, actor)
    .select([
      sql<number>`count(*) filter (where tickets.status = 'waiting_practice')`.as('needs_reply'),
      sql<number>`count(*) filter (where tickets.status = 'waiting_vendor')`.as('waiting'),
      sql<number>`count(*) filter (where tickets.status = 'closed')`.as('closed'),
      sql<number>`count(*)`.as('all'),
    ])
    .executeTakeFirstOrThrow();
  return Object.fromEntries(LIST_FILTERS.map((f) => [f, Number(row[f])])) as Record<ListFilter, number>;
}

/** How many threads the Dashboard's "Needs your reply" lists; Get Help's Needs our reply has them all. */
export const NEEDS_REPLY_SHOWN = 25;

export type NeedsReply = { threads: ListedTicket[]; total: number };

/**
 * The Dashboard's "Needs your reply": the visible threads waiting on the practice, the soonest
 * deadline first (threads without one after them, oldest wait first), the first NEEDS_REPLY_SHOWN
 * of them, and how many there are in all (a practice with hundreds waiting would otherwise get a
 * Dashboard hundreds of rows long on every visit).
 */
export async function listThreadsNeedingReply(db: Database, actor: Actor, now: Date): Promise<NeedsReply> {
  assertCan(actor, 'tickets.use');
  // As Get Help's page: the ids from the two halves of the order, each read in index order and
  // stopped at NEEDS_REPLY_SHOWN (the deadline half by tickets_practice_due_idx, the rest by
  // tickets_needs_reply_idx), then the rows for those ids.
  const withDeadline = filtered(visibleTickets(db, actor), 'needs_reply')
    .where('tickets.response_due_at', 'is not', null)
    .select('tickets.id')
    .orderBy('tickets.response_due_at', 'asc')
    .orderBy('tickets.waiting_since', 'asc')
    .orderBy('tickets.id', 'asc')
    .limit(NEEDS_REPLY_SHOWN);
  const withoutDeadline = filtered(visibleTickets(db, actor), 'needs_reply')
    .where('tickets.response_due_at', 'is', null)
    .select('tickets.id')
    .orderBy('tickets.waiting_since', 'asc')
    .orderBy('tickets.id', 'asc')
    .limit(NEEDS_REPLY_SHOWN);
  const ids = db.selectFrom(withDeadline.as('d')).select('d.id').unionAll(db.selectFrom(withoutDeadline.as('n')).select('n.id'));
  const [rows, counts] = await Promise.all([
    ticketListColumns(visibleTickets(db, actor).where('tickets.id', 'in', ids), actor)
      .orderBy(sql`tickets.response_due_at asc nulls last`)
      .orderBy('tickets.waiting_since', 'asc')
      .orderBy('tickets.id', 'asc')
      .limit(NEEDS_REPLY_SHOWN)
      .execute(),
    countTicketsByFilter(db, actor),
  ]);
  return { threads: withCountdowns(rows as TicketRow[], now), total: counts.needs_reply };
}

function filtered<O>(query: SelectQueryBuilder<DB, 'tickets', O>, filter: ListFilter) {
  // Statuses as literals, not parameters: once PostgreSQL keeps a prepared statement's generic plan,
  // only a literal lets it use tickets_needs_reply_idx, whose predicate names the status.
  const status = (s: TicketStatus) => sql.lit(s);
  if (filter === 'needs_reply') return query.where('tickets.status', '=', status('waiting_practice'));
  if (filter === 'waiting') return query.where('tickets.status', '=', status('waiting_vendor'));
  if (filter === 'closed') return query.where('tickets.status', '=', status('closed'));
  return query;
}
