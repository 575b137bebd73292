import type { Kysely } from 'kysely';
import { runScript } from '../src/db/script.ts';

// The console's practice filter (queuePractices in src/tickets/queues.ts) lists every practice by
// name with its hypercare mark on each queue page. In name order with the hypercare columns beside
// it, the 1,000-practice list is read index-only instead of sorted (the sort was 0.6 ms of the
// statement on the bench).
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
create index practices_name_idx on practices (name) include (id, go_live_on, hypercare_days, time_zone);
`);
}
