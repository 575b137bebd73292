import type { Database } from '../src/db/database.ts';
import { loadDashboard } from '../src/web/dashboard.ts';
import type { Actor } from '../src/auth/permissions.ts';
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

/** Figures a page must reach; each is printed beside its measurement with met or missed. */
export type PageTargets = {
  /** Closed loop at --connections (50): requests per second at least. */
  minRps?: number;
  /** Open loop: p95 at most `p95Ms` while autocannon offers `rate` requests a second (overallRate). */
  openLoop?: { rate: number; p95Ms: number };
  /** One request at a time: mean ms at most. */
  maxSerialMs?: number;
  /** The page's bare SQL (the same domain functions, called directly): mean ms at most. */
  maxSqlMs?: number;
};

/** Issue 17's targets (same machine, same dataset, autocannon), by scenario id. */
export const PAGE_TARGETS: Record<string, PageTargets> = {
  'get-help': { minRps: 600, openLoop: { rate: 200, p95Ms: 25 }, maxSerialMs: 3 },
  dashboard: { minRps: 800, openLoop: { rate: 200, p95Ms: 20 } },
  'portal-account': { minRps: 800, openLoop: { rate: 200, p95Ms: 20 } },
  'subject-search': { openLoop: { rate: 100, p95Ms: 50 }, maxSqlMs: 5 },
  'vendor-cs-queue': { openLoop: { rate: 50, p95Ms: 100 }, maxSerialMs: 8 },
  'vendor-cs-queue-admin': { openLoop: { rate: 50, p95Ms: 100 }, maxSerialMs: 8 },
};

export const PRACTICE_ADMIN = 4;

/** Built-in scenarios: the baseline every signed-in page pays; the features contribute their pages. */
export const builtinScenarios: BenchScenario[] = [
  {
    id: 'dashboard',
    name: 'Dashboard (baseline: session + menu)',
    async prepare(w) {
      const userId = w.ids.staffId(w.practiceId, PRACTICE_ADMIN);
      // What the route runs (src/web/home-routes.tsx): the request's statement, then the page's one (loadDashboard).
      const sql = async () => loadDashboard(w.db, await w.pageOverheadSql(userId), new Date());
      return { path: '/dashboard', headers: { cookie: await w.cookieFor(userId) }, sql };
    },
  },
];
