import { sql, type ExpressionBuilder, type SelectQueryBuilder } from 'kysely';
import type { Database } from '../db/database.ts';
import type { DB, TicketDepartment, TicketStatus } from '../db/schema.ts';
import { jsonArrayFrom, jsonObjectFrom } from 'kysely/helpers/postgres';
import { assertCan, visibleTickets, type Actor } from '../auth/permissions.ts';
import { actorPlaceholders, actorShapeKey, actorValues } from '../auth/actor-shape.ts';
import { shapedStatement } from '../db/shaped-query.ts';
import { anyOverdueQuery } from './overdue.ts';
import { visibleThreadCountsQuery } from './counts.ts';
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
/** The thread's own columns of a list row (a subquery standing in for `tickets` must carry them). */
export const LIST_TICKET_COLUMNS = [
  'tickets.id',
  'tickets.subject',
  'tickets.department',
  'tickets.status',
  'tickets.admin_level',
  'tickets.response_due_at',
  'tickets.last_public_message_at',
  'tickets.patient_id',
] as const;

export function ticketListColumns<O>(query: SelectQueryBuilder<DB, 'tickets', O>, actor: Actor) {
  return query
    .leftJoin('patients', (j) => j.onRef('patients.id', '=', 'tickets.patient_id').onRef('patients.practice_id', '=', 'tickets.practice_id'))
    .leftJoin('ticket_reads', (j) => j.onRef('ticket_reads.ticket_id', '=', 'tickets.id').on('ticket_reads.user_id', '=', actor.id))
    .select([
      ...LIST_TICKET_COLUMNS,
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
  options: { now: Date; page?: number; pageSize?: number; filter?: ListFilter; overdueCheck?: boolean },
): Promise<{ rows: ListedTicket[]; hasMore: boolean; counts: Record<ListFilter, number>; anyOverdue: boolean }> {
  const pageSize = options.pageSize ?? PAGE_SIZE;
  const page = options.page ?? 1;
  const { rows, counts, anyOverdue } = await pageWithCounts(db, actor, options.now, {
    filter: options.filter ?? 'all',
    then: 'newest_activity',
    limit: pageSize + 1,
    offset: (page - 1) * pageSize,
    overdueCheck: options.overdueCheck,
  });
  return { rows: rows.slice(0, pageSize), hasMore: rows.length > pageSize, counts, anyOverdue };
}

/** How many visible threads each Get Help filter holds. */
export async function countTicketsByFilter(db: Database, actor: Actor): Promise<Record<ListFilter, number>> {
  assertCan(actor, 'tickets.use');
  return filterCounts(await visibleThreadCountsQuery(db, actor).executeTakeFirstOrThrow());
}

const filterCounts = (row: Record<ListFilter, number | string>) => Object.fromEntries(LIST_FILTERS.map((f) => [f, Number(row[f])])) as Record<ListFilter, number>;

/**
 * A page of one filter and every filter's count, in one statement (JSON columns): a statement costs a
 * request about 0.17 ms of CPU on the bench machine (docs/performance-log.md, "Fewer statements a page"). With
 * overdueCheck, also whether the practice has a thread past its deadline (anyOverdueQuery): the page
 * then asks findOverdueBlock only when one is. That check keeps its generic plan (tickets/overdue.ts),
 * and so does this statement with it (bench/generic-plans.ts).
 */
async function pageWithCounts(db: Database, actor: Actor, now: Date, page: ListPage & { overdueCheck?: boolean }): Promise<ListPageRead> {
  assertCan(actor, 'tickets.use');
  const { rows: [row] } = await pageStatement(db, { actor, now, page });
  return readPage(row!, now);
}

/** The statement's text is decided by the actor's shape and the page (src/db/shaped-query.ts). */
const pageStatement = shapedStatement({
  key: ({ actor, page }: { actor: Actor; now: Date; page: ListPage & { overdueCheck?: boolean } }) => `${actorShapeKey(actor)} ${JSON.stringify(page)}`,
  placeholders: ({ actor, page }, placeholder) => ({ actor: actorPlaceholders(actor, placeholder), now: placeholder('now'), page }),
  values: ({ actor, now }) => ({ ...actorValues(actor), now }),
  build: (db, { actor, now, page }) => db.selectNoFrom((eb) => pageColumns(db, actor, now, page, eb)),
});

type ListPageRead = { rows: ListedTicket[]; counts: Record<ListFilter, number>; anyOverdue: boolean };

/** pageWithCounts's columns: a page that reads more in the same statement (the Dashboard) selects them beside its own. */
function pageColumns(db: Database, actor: Actor, now: Date, page: ListPage & { overdueCheck?: boolean }, eb: ExpressionBuilder<DB, never>) {
  return [
    jsonObjectFrom(visibleThreadCountsQuery(db, actor)).as('counts'),
    jsonArrayFrom(firstByDeadlineQuery(db, actor, page)).as('rows'),
    sql<boolean>`${page.overdueCheck ? eb.exists(anyOverdueQuery(db, actor, now)) : sql`false`}`.as('any_overdue'),
  ] as const;
}

function readPage(row: { counts: Record<ListFilter, number | string> | null; rows: Record<string, unknown>[]; any_overdue: boolean }, now: Date): ListPageRead {
  // JSON has no timestamps: a row's times arrive as ISO text.
  const rows = row.rows.map((r) => ({
    ...r,
    response_due_at: r.response_due_at === null ? null : new Date(r.response_due_at as string),
    last_public_message_at: new Date(r.last_public_message_at as string),
  }));
  return { rows: withCountdowns(rows as TicketRow[], now), counts: filterCounts(row.counts!), anyOverdue: !!row.any_overdue };
}

/** How many threads the Dashboard's "Needs your reply" lists; Get Help's Needs our reply has them all. */
export const NEEDS_REPLY_SHOWN = 25;

export type NeedsReply = { threads: ListedTicket[]; total: number; anyOverdue: boolean };

/**
 * The Dashboard's "Needs your reply": the visible threads waiting on the practice, the soonest
 * deadline first (threads without one after them, oldest wait first), the first NEEDS_REPLY_SHOWN
 * of them, and how many there are in all (a practice with hundreds waiting would otherwise get a
 * Dashboard hundreds of rows long on every visit).
 */
export async function listThreadsNeedingReply(db: Database, actor: Actor, now: Date): Promise<NeedsReply> {
  const { rows, counts, anyOverdue } = await pageWithCounts(db, actor, now, NEEDS_REPLY_PAGE);
  return { threads: rows, total: counts.needs_reply, anyOverdue };
}

const NEEDS_REPLY_PAGE: ListPage = { filter: 'needs_reply', then: 'longest_wait', limit: NEEDS_REPLY_SHOWN, offset: 0 };

/**
 * "Needs your reply" with its count and the Overdue check as columns of a statement the caller
 * composes (the Dashboard's, with its appointment changes: src/web/dashboard.ts), and how to read them.
 */
export function needsReplyColumns(db: Database, actor: Actor, now: Date) {
  assertCan(actor, 'tickets.use');
  return {
    columns: (eb: ExpressionBuilder<DB, never>) => pageColumns(db, actor, now, { ...NEEDS_REPLY_PAGE, overdueCheck: true }, eb),
    read(row: Parameters<typeof readPage>[0]): NeedsReply {
      const { rows, counts, anyOverdue } = readPage(row, now);
      return { threads: rows, total: counts.needs_reply, anyOverdue };
    },
  };
}

/** After the deadline, each list's order: Get Help's newest activity first, Needs your reply's longest wait first. */
const THEN_ORDER = {
  newest_activity: { column: 'tickets.last_public_message_at', direction: 'desc' },
  longest_wait: { column: 'tickets.waiting_since', direction: 'asc' },
} as const;

type ListPage = { filter: ListFilter; then: keyof typeof THEN_ORDER; limit: number; offset: number };

/**
 * Visible threads of a filter, those with a deadline first (soonest first), then in `then` order,
 * ties by id; `limit` of them from `offset`. The first offset + limit are read in index order and the
 * reading stops there (tickets_practice_list_idx, or tickets_needs_reply_idx for Needs your reply:
 * migration 20261205_1800); only those rows get their patient and read mark. Sorting all the
 * practice's visible threads, each with its patient joined, read every one of them: 1,000 heap pages
 * and 1,000 patients for Get Help's 26 rows on the bench (5.2 ms).
 */
function firstByDeadlineQuery(db: Database, actor: Actor, page: ListPage) {
  const { column, direction } = THEN_ORDER[page.then];
  const ordered = <Q extends SelectQueryBuilder<DB, 'tickets', object>>(q: Q) =>
    q.orderBy(sql`tickets.response_due_at asc nulls last`).orderBy(column, direction).orderBy('tickets.id', direction) as Q;
  const candidates = ordered(filtered(visibleTickets(db, actor), page.filter))
    // The list's columns, and what the joins, the unread mark and the order read.
    .select([...LIST_TICKET_COLUMNS, 'tickets.practice_id', 'tickets.last_public_author_id', 'tickets.waiting_since'])
    .limit(sql.lit(candidatesPerPage(page)));
  const tickets = db.selectFrom(candidates.as('tickets')) as unknown as SelectQueryBuilder<DB, 'tickets', object>;
  return ordered(ticketListColumns(tickets, actor)).limit(page.limit).offset(page.offset);
}

/**
 * How far firstByDeadline reads in index order, written into the statement as a literal: with it as
 * a parameter PostgreSQL estimates a prepared statement's generic plan for 10 % of the practice's
 * threads, finds it dearer than a custom plan and plans Get Help's page afresh on every request
 * (1.6 ms a request on the bench machine; kept generic, 0.75 ms). Past the first page the count is
 * rounded up to a power of two (reading a few more candidates), so the statement has a few texts,
 * not one per page.
 */
export function candidatesPerPage(page: { limit: number; offset: number }): number {
  const needed = page.offset + page.limit;
  return page.offset === 0 ? needed : 2 ** Math.ceil(Math.log2(needed));
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
