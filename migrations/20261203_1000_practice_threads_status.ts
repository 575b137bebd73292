import type { Kysely } from 'kysely';
import { runScript } from '../src/db/script.ts';

// Get Help's filter counts (needs reply, waiting, closed, all) read each of the practice's threads
// from the heap for its status (1,000 pages, 1.25 ms on the bench, every Get Help page). With the
// status beside the visibility columns already in tickets_practice_unread_idx, the counts and the
// menu's unread count are both index-only scans of the practice's range.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
create index tickets_practice_visible_idx on tickets (practice_id)
  include (admin_level, visibility, created_by_user_id, visible_user_id, status, last_public_author_id, last_public_message_at, id);
drop index tickets_practice_unread_idx;
`);
}
