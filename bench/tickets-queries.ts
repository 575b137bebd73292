import type { Database } from '../src/db/database.ts';
import type { Actor } from '../src/auth/permissions.ts';
import { countTicketsByFilter, listTickets } from '../src/tickets/list.ts';
import { findOverdueBlock } from '../src/tickets/overdue.ts';
import { searchTickets } from '../src/tickets/search.ts';
import { PRACTICE_ADMIN, type BenchScenario } from './scenarios.ts';

// The Get Help page's own queries, through the same domain functions the route calls, so the
// benchmark times exactly what a user waits for (besides the page overhead: session, menu count).

/** Get Help, first page: 25 visible threads (deadlines first), the filter counts and whether anything is overdue in one statement; the Overdue block only when something is. */
export async function getHelpFirstPage(db: Database, actor: Actor, now: Date) {
  return listTickets(db, actor, { page: 1, now, overdueCheck: true }).then(async (list) => [list, list.anyOverdue ? await findOverdueBlock(db, actor, now) : null] as const);
}

/** Get Help with a subject search (typo-tolerant and substring), first page, beside the counts and the block check. */
export async function subjectSearch(db: Database, actor: Actor, q: string, now: Date) {
  return Promise.all([searchTickets(db, actor, q, { page: 1 }), countTicketsByFilter(db, actor), findOverdueBlock(db, actor, now)]);
}

/**
 * A typo of a subject the measured practice has (a third of its ~1,000 threads start "Template
 * missing"), so the page shows a full first page of matches; "clam denied" matched nothing there.
 */
export const SEARCH_QUERY = 'templte missing';

export const scenarios: BenchScenario[] = [
  {
    id: 'get-help',
    name: 'Get Help first page',
    target: 'p95 ≤ 25 ms, ≥ 500 req/s',
    async prepare(w) {
      const userId = w.ids.staffId(w.practiceId, PRACTICE_ADMIN);
      return {
        path: '/tickets',
        headers: { cookie: await w.cookieFor(userId) },
        sql: async () => getHelpFirstPage(w.db, await w.pageOverheadSql(userId), new Date()),
      };
    },
  },
  {
    id: 'subject-search',
    name: 'Subject search (typo)',
    target: 'p95 ≤ 50 ms',
    async prepare(w) {
      const userId = w.ids.staffId(w.practiceId, PRACTICE_ADMIN);
      return {
        path: `/tickets?q=${encodeURIComponent(SEARCH_QUERY)}`,
        headers: { cookie: await w.cookieFor(userId) },
        sql: async () => subjectSearch(w.db, await w.pageOverheadSql(userId), SEARCH_QUERY, new Date()),
      };
    },
  },
];
