import { sql, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import type { Database } from '../db/database.ts';
import type { DB, TicketDepartment, TicketStatus } from '../db/schema.ts';
import { departmentScope, ticketVisibleTo, type Actor } from '../auth/permissions.ts';
import { inIds } from '../db/id-lists.ts';
import { COUNT_CAP } from './labels.ts';

// Thread counts kept by counters (docs/rules.md: the console's Queue counts, and Get Help's filter
// counts): the console's by department and status (migration 20261203_1500), Get Help's by status
// and what the visibility rule reads (20261205_1900). Triggers on tickets append each statement's changes to ticket_count_deltas;
// foldTicketCounts moves them into the counters; a count is the counters plus the deltas not folded yet.

/** Only one fold runs at a time across instances (a transaction-scoped advisory lock). */
const FOLD_LOCK_KEY = 6_002_002;

/**
 * Moves the committed deltas into ticket_counts, ticket_count_totals and ticket_visibility_counts, in
 * one statement, and returns how many delta rows it took. Deltas appended meanwhile stay for the next
 * fold: a transaction that has not committed is invisible here, and the counts read them until they
 * are folded. Another instance folding at the same moment makes this one return 0 at once.
 */
export async function foldTicketCounts(db: Database): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const { rows: lock } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(${FOLD_LOCK_KEY}) as locked`.execute(trx);
    if (!lock[0]?.locked) return 0;
    const { rows } = await sql<{ taken: number }>`
      with taken as (
        delete from ticket_count_deltas returning practice_id, department, status, admin_level, visibility, created_by_user_id, visible_user_id, n
      ), by_visibility as (
        -- Get Help's counters (migration 20261205_1900).
        insert into ticket_visibility_counts as c (practice_id, status, admin_level, visibility, created_by_user_id, visible_user_id, n)
        select practice_id, status, admin_level, visibility, created_by_user_id, visible_user_id, sum(n)::int
          from taken group by 1, 2, 3, 4, 5, 6 having sum(n) <> 0 order by 1, 2, 3, 4, 5, 6
        on conflict on constraint ticket_visibility_counts_key do update set n = c.n + excluded.n
      ), per_practice as (
        select practice_id, department, status, sum(n)::int as n from taken group by 1, 2, 3 having sum(n) <> 0
      ), practices as (
        insert into ticket_counts as c (practice_id, department, status, n)
        select practice_id, department, status, n from per_practice order by 1, 2, 3
        on conflict (practice_id, department, status) do update set n = c.n + excluded.n
      ), totals as (
        insert into ticket_count_totals as c (department, status, n)
        select department, status, sum(n)::int from per_practice group by 1, 2 having sum(n) <> 0 order by 1, 2
        on conflict (department, status) do update set n = c.n + excluded.n
      )
      select count(*)::int as taken from taken`.execute(trx);
    return rows[0]?.taken ?? 0;
  });
}

/**
 * The threads of these statuses the actor sees in these departments (one practice's, or all), as an
 * expression capped like the console's other counts (COUNT_CAP + 1 means "1,000+"). A department the
 * actor sees whole is read from its totals; one they see only for the practices they manage, from
 * those practices' counters.
 */
export function countedThreadsSql(
  actor: Actor,
  departments: TicketDepartment[],
  practiceId: number | null,
  statuses: TicketStatus[],
): RawBuilder<number> {
  const scope = departmentScope(actor, departments);
  // Departments and statuses as literals: the statement's plan is kept per combination (a handful).
  const list = (values: string[]) => sql.join(values.map((v) => sql.lit(v)));
  const inScope = (deps: string[]) => sql`department in (${list(deps)}) and status in (${list(statuses)})`;
  const parts: RawBuilder<unknown>[] = [];
  if (practiceId === null) {
    if (scope.whole.length) {
      parts.push(sql`select n from ticket_count_totals where ${inScope(scope.whole)}
        union all select n from ticket_count_deltas where ${inScope(scope.whole)}`);
    }
    if (scope.byPractice.length) {
      const managed = inIds('practice_id', scope.managed);
      parts.push(sql`select n from ticket_counts where ${managed} and ${inScope(scope.byPractice)}
        union all select n from ticket_count_deltas where ${managed} and ${inScope(scope.byPractice)}`);
    }
  } else {
    const visible = [...scope.whole, ...(scope.managed.includes(practiceId) ? scope.byPractice : [])];
    if (visible.length) {
      parts.push(sql`select n from ticket_counts where practice_id = ${practiceId} and ${inScope(visible)}
        union all select n from ticket_count_deltas where practice_id = ${practiceId} and ${inScope(visible)}`);
    }
  }
  if (!parts.length) return sql<number>`0`;
  return sql<number>`least((select coalesce(sum(n), 0) from (${sql.join(parts, sql` union all `)}) counted), ${sql.lit(COUNT_CAP + 1)})`;
}

/** The columns of ticket_visibility_counts, named as on tickets: the visibility rule reads them there. */
const VISIBILITY_COUNTED = ['practice_id', 'status', 'admin_level', 'visibility', 'created_by_user_id', 'visible_user_id', 'n'] as const;

/**
 * How many threads of each status the actor may see (Get Help's filters): the counters and the deltas
 * not folded yet, each row tested by the visibility rule itself (ticketVisibleTo, applied to rows that
 * carry the columns it reads under the same names), summed. A few counter rows a practice instead of
 * every thread it has.
 */
export function visibleThreadCountsQuery(db: Database, actor: Actor) {
  const counted = db
    .selectFrom('ticket_visibility_counts')
    .select(VISIBILITY_COUNTED)
    .unionAll(db.selectFrom('ticket_count_deltas').select(VISIBILITY_COUNTED));
  const n = (status: TicketStatus | null) =>
    status ? sql<number>`coalesce(sum(tickets.n) filter (where tickets.status = ${sql.lit(status)}), 0)` : sql<number>`coalesce(sum(tickets.n), 0)`;
  return (db.selectFrom(counted.as('tickets')) as unknown as SelectQueryBuilder<DB, 'tickets', object>)
    .where(ticketVisibleTo(actor))
    .select([n('waiting_practice').as('needs_reply'), n('waiting_vendor').as('waiting'), n('closed').as('closed'), n(null).as('all')]);
}
