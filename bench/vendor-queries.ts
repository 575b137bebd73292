import type { Database } from '../src/db/database.ts';
import type { Actor } from '../src/auth/permissions.ts';
import { loadQueue } from '../src/tickets/queues.ts';
import { loadServiceReport } from '../src/tickets/service-report.ts';
import type { BenchScenario } from './scenarios.ts';

// The vendor console's queue page, through the same domain function the route calls: counts per
// filter, the practices in hypercare (and the one filtered to), and the first page (hypercare practices first,
// then oldest waiting).

/** Customer Success queue page + counts for this vendor user. */
export async function customerSuccessQueue(db: Database, actor: Actor, now: Date, filter = 'vendor') {
  return loadQueue(db, actor, { department: 'success', filter, page: 1 }, now);
}

export const scenarios: BenchScenario[] = [
  {
    // The page under 50 connections. The bound (the report's SQL over 1M threads in ≤ 1 s, one
    // call at a time) is the `service-report` entry: bench/service-report.ts.
    id: 'service-report-page',
    name: 'Service report page (vendor admin, 8 weeks, SQL percentile_cont)',
    target: 'none under load (bound: service-report)',
    async prepare(w) {
      const userId = w.ids.vendor.admin;
      return {
        path: '/vendor/service-report',
        headers: { cookie: await w.cookieFor(userId) },
        sql: async () => loadServiceReport(w.db, await w.actorFor(userId), new Date()),
      };
    },
  },
  {
    id: 'vendor-cs-queue',
    name: 'Customer Success queue + counts (department member)',
    target: 'p95 ≤ 100 ms',
    async prepare(w) {
      const userId = w.ids.vendor.success;
      return {
        path: '/vendor/queues/success?filter=vendor',
        headers: { cookie: await w.cookieFor(userId) },
        sql: async () => customerSuccessQueue(w.db, await w.pageOverheadSql(userId), new Date()),
      };
    },
  },
  {
    id: 'vendor-cs-queue-admin',
    name: 'Customer Success queue + counts (vendor admin, all open)',
    target: 'p95 ≤ 100 ms',
    async prepare(w) {
      const userId = w.ids.vendor.admin;
      return {
        path: '/vendor/queues/success?filter=open',
        headers: { cookie: await w.cookieFor(userId) },
        sql: async () => customerSuccessQueue(w.db, await w.pageOverheadSql(userId), new Date(), 'open'),
      };
    },
  },
];
