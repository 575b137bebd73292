import type { Kysely } from 'kysely';
import { runScript } from '../src/db/script.ts';

// The console's "Mine" count (open threads assigned to the reader, capped at 1,001) was the one queue
// count that read the heap: tickets_assigned_idx has no status, so on the 1M-thread bench it read all
// 66,667 of a member's assigned entries into a bitmap and 344 heap pages to keep the open ones
// (9-11 ms, every queue page). Over open assigned threads only it is an index-only range of 1,001
// entries (0.19 ms; EXPLAIN in the issue 17 note). Statuses in src/tickets/queues.ts are literals so
// the prepared statement's generic plan still matches this predicate.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
create index tickets_mine_open_idx on tickets (assigned_to_user_id, department)
  where status <> 'closed' and assigned_to_user_id is not null;
`);
}
