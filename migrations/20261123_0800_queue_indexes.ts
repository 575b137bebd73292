import type { Kysely } from 'kysely';
import { runScript } from '../src/db/script.ts';

// Found with EXPLAIN (ANALYZE, BUFFERS) on the 1M-thread benchmark (npm run bench): the vendor queue's
// "open" page (status <> 'closed', oldest waiting first) sorted every open thread of the department
// (41,774 rows, 100 ms) to show 50. Over open threads only, in queue order, the page reads its 51
// rows from the index and stops (2.6 ms), and the capped "open" count reads 1,001 entries.
// The unread count in every staff page's menu read each of the practice's threads from the heap
// (1,000 pages, 6.8 ms); with the columns it tests in the index it is an index-only scan (0.75 ms).
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
create index tickets_open_queue_idx on tickets (department, waiting_since, id) where status <> 'closed';
create index tickets_practice_unread_idx on tickets (practice_id)
  include (admin_level, visibility, created_by_user_id, visible_user_id, last_public_author_id, last_public_message_at, id);
`);
}
