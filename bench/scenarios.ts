import { sql } from 'kysely';
import type { Database } from '../src/db/database.ts';
import type { Actor } from '../src/auth/permissions.ts';
import { visibleTickets } from '../src/auth/permissions.ts';
import type { benchIds, DatasetParams } from './dataset.ts';

// A page scenario: which URL, as whom, and the same domain functions the page runs (for the bare
// SQL time). Feature work adds its own in bench/tickets-queries.ts, bench/vendor-queries.ts and
// bench/portal.ts by exporting `scenarios: BenchScenario[]`; a contributed scenario with the same
// id replaces the built-in one.

export type ScenarioWorld = {
  db: Database;
  origin: string;
  params: DatasetParams;
  ids: ReturnType<typeof benchIds>;
  /** The practice the staff pages are measured at (every practice has the same shape). */
  practiceId: number;
  cookieFor(userId: number): Promise<string>;
  actorFor(userId: number): Promise<Actor>;
  /** The queries every signed-in page runs first (session, actor, practice, unread count); returns the actor. */
  pageOverheadSql(userId: number): Promise<Actor>;
};

export type PreparedScenario = { path: string; headers: Record<string, string>; sql?: () => Promise<unknown> };

export type BenchScenario = {
  id: string;
  name: string;
  target?: string;
  prepare(world: ScenarioWorld): Promise<PreparedScenario>;
};

export const PRACTICE_ADMIN = 4;

/** Built-in scenarios: the pages as the foundation defines them; replaced by the features' own. */
export const builtinScenarios: BenchScenario[] = [
  {
    id: 'dashboard',
    name: 'Dashboard (baseline: session + menu)',
    async prepare(w) {
      const userId = w.ids.staffId(w.practiceId, PRACTICE_ADMIN);
      return { path: '/dashboard', headers: { cookie: await w.cookieFor(userId) }, sql: () => w.pageOverheadSql(userId) };
    },
  },
  {
    id: 'get-help',
    name: 'Get Help first page',
    target: 'p95 ≤ 25 ms, ≥ 500 req/s',
    async prepare(w) {
      const userId = w.ids.staffId(w.practiceId, PRACTICE_ADMIN);
      return {
        path: '/tickets',
        headers: { cookie: await w.cookieFor(userId) },
        sql: async () => {
          const actor = await w.pageOverheadSql(userId);
          await visibleTickets(w.db, actor)
            .select(['tickets.id', 'tickets.subject', 'tickets.status', 'tickets.department', 'tickets.last_public_message_at', 'tickets.response_due_at'])
            .orderBy('tickets.last_public_message_at', 'desc')
            .orderBy('tickets.id', 'desc')
            .limit(50)
            .execute();
        },
      };
    },
  },
  {
    id: 'subject-search',
    name: 'Subject search (typo)',
    target: 'p95 ≤ 50 ms',
    async prepare(w) {
      const userId = w.ids.staffId(w.practiceId, PRACTICE_ADMIN);
      const q = 'clam denied';
      return {
        path: `/tickets?q=${encodeURIComponent(q)}`,
        headers: { cookie: await w.cookieFor(userId) },
        sql: async () => {
          const actor = await w.pageOverheadSql(userId);
          await visibleTickets(w.db, actor)
            .select(['tickets.id', 'tickets.subject'])
            .where(sql<boolean>`lower(tickets.subject) % ${q}`)
            .orderBy(sql`similarity(lower(tickets.subject), ${q})`, 'desc')
            .limit(50)
            .execute();
        },
      };
    },
  },
];
