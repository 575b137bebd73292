import { sql, type Expression, type ExpressionBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely';
import type { Database } from '../db/database.ts';
import type { DB, TicketDepartment, TicketStatus } from '../db/schema.ts';
import { assertCan, visibleTicketsInDepartments, type Actor } from '../auth/permissions.ts';
import { NotFound } from '../web/errors.ts';
import { COUNT_CAP, PRACTICE_MATCHES, QUEUE_DEPARTMENTS, QUEUE_FILTERS, type QueueFilter } from './labels.ts';
import { hypercareSql } from './hypercare.ts';
import { countedThreadsSql } from './counts.ts';
import { isOverdue } from './overdue.ts';
import { unreadSql } from './list.ts';
import { inIds, notInIds } from '../db/id-lists.ts';
import { escapeLike } from '../db/like.ts';
import { shapedStatement } from '../db/shaped-query.ts';
import { actorPlaceholders, actorShapeKey, actorValues } from '../auth/actor-shape.ts';
import { loadTargets, targetStanding, type DepartmentTarget } from './service-levels.ts';

// The console's department queues. Every row comes through visibleTickets(db, actor): a department's
// members see its threads, an account manager sees their practices' threads in every department,
// a vendor admin sees everything. "All departments" (QueueDepartment 'all') is every queue this user
// may open, read as one page per department and merged, so each read stays on the department index.

export const QUEUE_PAGE_SIZE = 50;

export type QueueRow = {
  id: number;
  subject: string;
  practice_id: number;
  practice_name: string;
  time_zone: string;
  status: TicketStatus;
  admin_level: boolean;
  response_due_at: Date | null;
  waiting_since: Date;
  /** The practice's last message, for threads waiting on StrataPT (the last public message is theirs). */
  last_public_message_at: Date;
  closed_at: Date | null;
  department: TicketDepartment;
  /** Waiting on StrataPT longer than the department's first-response target; null when not waiting on StrataPT. */
  past_target: boolean | null;
  /** docs/rules.md, Overdue: computed from the clock when the page is loaded. */
  overdue: boolean;
  assigned_name: string | null;
  has_patient: boolean;
  hypercare: boolean;
  unread: boolean;
};

/** A department's queue, or all of this user's queues at once. */
export type QueueDepartment = TicketDepartment | 'all';

export type QueuePage = {
  department: QueueDepartment;
  filter: QueueFilter;
  practiceId: number | null;
  counts: Record<QueueFilter, number>;
  rows: QueueRow[];
  page: number;
  hasMore: boolean;
  departments: TicketDepartment[];
  /** The practice the queue is filtered to, and the practices in hypercare now. */
  practice: PracticeChoice | null;
  hypercare: PracticeChoice[];
  targets: Record<TicketDepartment, DepartmentTarget>;
};

/** The queues this vendor user may open: their departments; all three for admins and account managers. */
export function queueDepartmentsOf(actor: Actor): TicketDepartment[] {
  if (actor.kind !== 'vendor' || !actor.active) return [];
  if (actor.vendor_admin || actor.managedPracticeIds.length) return [...QUEUE_DEPARTMENTS];
  return QUEUE_DEPARTMENTS.filter((d) => actor.departments.includes(d));
}

/**
 * Where this user lands on /vendor: a vendor admin on All open across every department; anyone
 * else on their own department's queue (the first, in queue order), or all their queues when they
 * have none of their own (an account manager in Product).
 */
export function landingQueue(actor: Actor): { department: QueueDepartment; filter: QueueFilter } | null {
  const departments = queueDepartmentsOf(actor);
  if (!departments.length) return null;
  if (actor.vendor_admin) return { department: 'all', filter: 'open' };
  const own = departments.find((d) => actor.departments.includes(d));
  return own ? { department: own, filter: 'vendor' } : { department: 'all', filter: 'vendor' };
}

export function parseFilter(raw: string | undefined, fallback: QueueFilter = 'vendor'): QueueFilter {
  return (QUEUE_FILTERS as readonly string[]).includes(raw ?? '') ? (raw as QueueFilter) : fallback;
}

/**
 * One department's queue for this vendor user: counts per filter and one page of rows, sorted
 * with hypercare practices first in Customer Success, then by who has waited longest.
 */
export async function loadQueue(
  db: Database,
  actor: Actor,
  input: { department: string; filter?: string; practiceId?: number | null; page?: number },
  now: Date,
): Promise<QueuePage> {
  assertCan(actor, 'vendor.console');
  const departments = queueDepartmentsOf(actor);
  const department = input.department as QueueDepartment;
  if (department !== 'all' && !departments.includes(department)) throw new NotFound();
  if (!departments.length) throw new NotFound();
  const filter = parseFilter(input.filter, department === 'all' ? 'open' : 'vendor');
  const page = input.page ?? 1;
  const practiceId = input.practiceId ?? null;
  const scope = department === 'all' ? departments : [department];
  const [counts, practices, targets] = await Promise.all([
    countQueue(db, actor, scope, practiceId, now),
    queuePractices(db, actor, practiceId, now),
    loadTargets(db),
  ]);
  const hypercareIds = department === 'success' ? practices.hypercare.map((p) => p.id) : [];
  let result: { rows: QueueRow[]; hasMore: boolean };
  if (department !== 'all') {
    result = await queueRows(db, actor, { department, filter, practiceId, page, hypercareIds }, now);
  } else {
    // Each department's first page-and-a-bit, merged in queue order: one index range per department.
    const offset = (page - 1) * QUEUE_PAGE_SIZE;
    const parts = await Promise.all(
      scope.map((d) => queueRows(db, actor, { department: d, filter, practiceId, page: 1, hypercareIds: [], limit: offset + QUEUE_PAGE_SIZE + 1 }, now)),
    );
    const merged = parts.flatMap((p) => p.rows).sort(queueOrder(filter));
    result = { rows: merged.slice(offset, offset + QUEUE_PAGE_SIZE), hasMore: merged.length > offset + QUEUE_PAGE_SIZE };
  }
  for (const r of result.rows) {
    r.past_target = r.status === 'waiting_vendor' ? targetStanding(r.waiting_since, now, targets[r.department].hours).past : null;
    r.overdue = isOverdue(r.response_due_at, now);
  }
  return { department, filter, practiceId, practice: practices.practice, hypercare: practices.hypercare, counts, rows: result.rows, page, hasMore: result.hasMore, departments, targets };
}

/** The order of queueRows, for merging departments: closed newest first on Closed, then oldest waiting. */
function queueOrder(filter: QueueFilter) {
  return (a: QueueRow, b: QueueRow) =>
    (filter === 'closed' ? (b.closed_at?.getTime() ?? 0) - (a.closed_at?.getTime() ?? 0) : 0) ||
    a.waiting_since.getTime() - b.waiting_since.getTime() ||
    a.id - b.id;
}

/**
 * Unread threads in this vendor user's queues (open threads of their departments with a practice
 * message since they last read them), capped like the queue counts: the console menu's badge. Read
 * from the set the database keeps per vendor user (vendor_unread, migration 20261203_1800; docs/rules.md,
 * Console queues), so it reads at most COUNT_CAP + 1 index entries however much the user has read.
 */
export async function countQueueUnread(db: Database, actor: Actor): Promise<number> {
  if (!queueDepartmentsOf(actor).length) return 0;
  const inner = db.selectFrom('vendor_unread').select(sql`1`.as('x')).where('vendor_unread.user_id', '=', actor.id).limit(COUNT_CAP + 1);
  const row = await db.selectFrom(inner.as('capped')).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * countQueueUnread as a subquery for a vendor user's `users` row (alias `u`) read in the same
 * statement: the per-request statement of src/web/context.ts, which has no Actor yet. The set holds
 * pairs only for active vendor users, and only threads of the queues they may open.
 */
export function countQueueUnreadOfVendorRowSql(u: string) {
  return sql<number>`(select count(*) from (
    select 1 from vendor_unread where vendor_unread.user_id = ${sql.ref(`${u}.id`)}
    limit ${sql.lit(COUNT_CAP + 1)}) capped)`;
}

/** The filters counted from the thread counters (src/tickets/counts.ts), by the statuses each covers. */
const COUNTED_FILTERS: Partial<Record<QueueFilter, TicketStatus[]>> = {
  vendor: ['waiting_vendor'],
  practice: ['waiting_practice'],
  open: ['waiting_vendor', 'waiting_practice'],
  closed: ['closed'],
};

/**
 * Counts per filter, each capped at COUNT_CAP ("1,000+"), in one statement (one round trip, one
 * pooled connection). The status filters add up the thread counters and their pending deltas
 * (countedThreadsSql); Overdue (by the clock) and Mine (by assignee) read at most COUNT_CAP + 1 index
 * entries each, so the page costs the same with a thousand or a million threads.
 */
export async function countQueue(db: Database, actor: Actor, departments: TicketDepartment[], practiceId: number | null, now: Date) {
  const { rows: [row] } = await countStatement(db, { actor, departments, practiceId, now });
  return Object.fromEntries(QUEUE_FILTERS.map((filter) => [filter, Number((row as Record<string, unknown>)[filter])])) as Record<QueueFilter, number>;
}

type CountArgs = { actor: Actor; departments: TicketDepartment[]; practiceId: number | null; now: Date };

/**
 * countQueue's statement, built once per shape (src/db/shaped-query.ts): the actor's shape, the
 * departments and the practice filter (the counters' part branches on whether the user manages it).
 */
const countStatement = shapedStatement({
  key: ({ actor, departments, practiceId }: CountArgs) => `${actorShapeKey(actor)} ${departments.join(',')} ${practiceId}`,
  placeholders: (args, placeholder) => ({ ...args, actor: actorPlaceholders(args.actor, placeholder), now: placeholder('now') }),
  values: ({ actor, now }) => ({ ...actorValues(actor), now }),
  build: (db, { actor, departments, practiceId, now }) => {
    const capped = (filter: QueueFilter) =>
      visibleTicketsInDepartments(db, actor, departments)
        .where(filterCondition(filter, actor, now))
        .$if(practiceId !== null, (q) => q.where('tickets.practice_id', '=', practiceId!))
        .select(sql`1`.as('x'))
        .limit(sql.lit(COUNT_CAP + 1));
    return db.selectNoFrom((eb) =>
      QUEUE_FILTERS.map((filter) => {
        const statuses = COUNTED_FILTERS[filter];
        if (statuses) return countedThreadsSql(actor, departments, practiceId, statuses).as(filter);
        return eb.selectFrom(capped(filter).as('capped')).select((c) => c.fn.countAll<number>().as('n')).as(filter);
      }),
    );
  },
});

function filterCondition(filter: QueueFilter, actor: Actor, now: Date) {
  // Statuses as literals, not parameters: a prepared statement's generic plan (PostgreSQL's choice after
  // five executions) can use the partial index on open threads only when it sees "status <> 'closed'".
  const status = (s: TicketStatus) => sql.lit(s);
  return (eb: ExpressionBuilder<DB, 'tickets'>): Expression<SqlBool> => {
    switch (filter) {
      case 'vendor':
        return eb('tickets.status', '=', status('waiting_vendor'));
      case 'practice':
        return eb('tickets.status', '=', status('waiting_practice'));
      case 'overdue':
        return eb('tickets.response_due_at', '<=', now);
      case 'mine':
        return eb.and([eb('tickets.assigned_to_user_id', '=', actor.id), eb('tickets.status', '<>', status('closed'))]);
      case 'open':
        return eb('tickets.status', '<>', status('closed'));
      case 'closed':
        return eb('tickets.status', '=', status('closed'));
    }
  };
}

/**
 * A page of rows. Hypercare practices come first in two index-friendly steps (their threads, then
 * everyone else's) rather than one sort over the whole department.
 */
async function queueRows(
  db: Database,
  actor: Actor,
  q: { department: TicketDepartment; filter: QueueFilter; practiceId: number | null; page: number; hypercareIds: number[]; limit?: number },
  now: Date,
): Promise<{ rows: QueueRow[]; hasMore: boolean }> {
  const limit = q.limit ?? QUEUE_PAGE_SIZE + 1;
  const offset = (q.page - 1) * QUEUE_PAGE_SIZE;
  const base = (part: Part) => queueRowsBase(db, actor, q, part, now);
  const page = async (part: Part, off: number, lim: number) => (await rowsStatement(db, { actor, q, part, off, lim, now })).rows;
  let rows;
  if (!q.hypercareIds.length) {
    rows = await page('all', offset, limit);
  } else {
    const first = await page('hypercare', offset, limit);
    rows = first;
    if (first.length < limit) {
      let skip = 0;
      if (!first.length && offset > 0) {
        const n = await base('hypercare').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
        skip = Math.max(0, offset - Number(n.n));
      }
      rows = first.concat(await page('rest', skip, limit - first.length));
    }
  }
  const hc = new Set(q.hypercareIds);
  const shaped = rows.map((r) => ({ ...r, hypercare: hc.has(r.practice_id), has_patient: r.patient_id !== null, past_target: null, overdue: false })) as (QueueRow & { patient_id: unknown })[];
  if (q.limit) return { rows: shaped, hasMore: false };
  return { rows: shaped.slice(0, QUEUE_PAGE_SIZE), hasMore: shaped.length > QUEUE_PAGE_SIZE };
}

type Part = 'hypercare' | 'rest' | 'all';
type RowsQuery = { department: TicketDepartment; filter: QueueFilter; practiceId: number | null; hypercareIds: number[] };
type RowsArgs = { actor: Actor; q: RowsQuery; part: Part; off: number; lim: number; now: Date };

/** A queue page's threads of one department and filter (a part: hypercare practices', the rest's, or all). */
function queueRowsBase(db: Database, actor: Actor, q: RowsQuery, part: Part, now: Date): SelectQueryBuilder<DB, 'tickets', {}> {
  return visibleTicketsInDepartments(db, actor, [q.department])
    .where(filterCondition(q.filter, actor, now))
    .$if(q.practiceId !== null, (b) => b.where('tickets.practice_id', '=', q.practiceId!))
    .$if(part === 'hypercare', (b) => b.where(inIds('tickets.practice_id', q.hypercareIds)))
    .$if(part === 'rest' && q.hypercareIds.length > 0, (b) => b.where(notInIds('tickets.practice_id', q.hypercareIds)));
}

/** queueRows's page statement, built once per shape (src/db/shaped-query.ts). */
const rowsStatement = shapedStatement({
  key: ({ actor, q, part, off, lim }: RowsArgs) =>
    `${actorShapeKey(actor)} ${q.department} ${q.filter} ${q.practiceId} ${part} ${q.hypercareIds.join(',')} ${off} ${lim}`,
  placeholders: (args, placeholder) => ({ ...args, actor: actorPlaceholders(args.actor, placeholder), now: placeholder('now') }),
  values: ({ actor, now }) => ({ ...actorValues(actor), now }),
  build: (db, { actor, q, part, off, lim, now }) =>
    withRowColumns(queueRowsBase(db, actor, q, part, now), actor)
      .$if(q.filter === 'closed', (b) => b.orderBy('tickets.closed_at', 'desc'))
      .orderBy('tickets.waiting_since', 'asc')
      .orderBy('tickets.id', 'asc')
      .offset(off)
      .limit(lim),
});

function withRowColumns(query: SelectQueryBuilder<DB, 'tickets', {}>, actor: Actor) {
  return query
    .innerJoin('practices', 'practices.id', 'tickets.practice_id')
    .leftJoin('users as assignee', 'assignee.id', 'tickets.assigned_to_user_id')
    .leftJoin('ticket_reads', (j) => j.onRef('ticket_reads.ticket_id', '=', 'tickets.id').on('ticket_reads.user_id', '=', actor.id))
    .select([
      'tickets.id',
      'tickets.subject',
      'tickets.practice_id',
      'practices.name as practice_name',
      'practices.time_zone',
      'tickets.status',
      'tickets.admin_level',
      'tickets.response_due_at',
      'tickets.waiting_since',
      'tickets.last_public_message_at',
      'tickets.department',
      'tickets.closed_at',
      'tickets.patient_id',
      'assignee.name as assigned_name',
      unreadSql(actor).as('unread'),
    ]);
}

/** A practice as the practice filter shows it: marked when it is in hypercare now. */
export type PracticeChoice = { id: number; name: string; hypercare: boolean };

/**
 * The practices this user works with: every practice for a vendor admin or a member of a queue
 * department; only their own for an account manager in Product alone.
 */
function practicesInReach(db: Database, actor: Actor, now: Date) {
  return db
    .selectFrom('practices')
    .select(['id', 'name', sql<boolean>`${hypercareSql(now)}`.as('hypercare')])
    .$if(!actor.vendor_admin && !actor.departments.some((d) => d !== 'product'), (q) => q.where(inIds('id', actor.managedPracticeIds)));
}

/**
 * The practice filter's search: practices in reach whose name contains the words typed (those it
 * starts with first), or whose number it is; at most PRACTICE_MATCHES. The queue page no longer lists
 * every practice (1,000 options were 60 KB of each page and 1.8–2.3 ms of SQL on the bench).
 */
export async function findQueuePractices(db: Database, actor: Actor, query: string, now: Date): Promise<PracticeChoice[]> {
  const q = query.trim().toLowerCase().replace(/\s+/g, ' ').slice(0, 100);
  if (!q) return [];
  const rows = await practicesInReach(db, actor, now)
    .where((eb) => {
      const ors = [eb(sql`lower(name)`, 'like', `%${escapeLike(q)}%`)];
      if (/^\d{1,15}$/.test(q)) ors.push(eb('id', '=', Number(q)));
      return eb.or(ors);
    })
    .orderBy(sql`lower(name) like ${`${escapeLike(q)}%`}`, 'desc')
    .orderBy('name')
    .orderBy('id')
    .limit(PRACTICE_MATCHES)
    .execute();
  return rows.map((r) => ({ ...r, hypercare: !!r.hypercare }));
}

/**
 * The practices in hypercare now (the Customer Success queue puts their threads first) and the one
 * the queue is filtered to, in one read. A practice out of this user's reach is not found.
 */
async function queuePractices(db: Database, actor: Actor, practiceId: number | null, now: Date) {
  const rows = await practicesInReach(db, actor, now)
    .where((eb) => (practiceId === null ? hypercareSql(now) : eb.or([hypercareSql(now), eb('id', '=', practiceId)])))
    .orderBy('name')
    .execute();
  const choices = rows.map((r) => ({ ...r, hypercare: !!r.hypercare }));
  const practice = practiceId === null ? null : choices.find((p) => p.id === practiceId);
  if (practice === undefined) throw new NotFound();
  return { hypercare: choices.filter((p) => p.hypercare), practice };
}

