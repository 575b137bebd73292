import type { Kysely } from 'kysely';
import { runScript } from '../src/db/script.ts';

// Get Help's list and the Dashboard's Needs your reply (src/tickets/list.ts) in the order they are
// shown: threads with a deadline first (soonest first, so `nulls last`), then newest activity or
// longest wait, ties by id. A page reads its first rows in index order and stops. Before, each list
// read two halves (with and without a deadline) from two indexes, offset + limit from each, then
// looked up and sorted both: 52 threads and their patients for Get Help's 26 rows (~400 buffers on
// the bench), 50 for the Dashboard's 25.
// - tickets_practice_list_idx ends with the status, so a Get Help filter (Waiting on us, Closed, …)
//   is tested in the index rather than on each thread's row;
// - tickets_needs_reply_idx (20261203_1100) held only the threads without a deadline.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
create index tickets_practice_list_idx on tickets (practice_id, response_due_at asc nulls last, last_public_message_at desc, id desc, status);
drop index tickets_needs_reply_idx;
create index tickets_needs_reply_idx on tickets (practice_id, response_due_at asc nulls last, waiting_since, id)
  where status = 'waiting_practice';
`);
}
