import type { Kysely } from 'kysely';
import { runScript } from '../src/db/script.ts';

// The Dashboard's Needs your reply (src/tickets/list.ts): threads waiting on the practice without a
// deadline, longest wait first. Without this index the Dashboard sorted every such thread of the
// practice to show 25 (1,404 buffers, 4.4 ms on the bench); in this order it reads the first visible
// 25 and stops.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
create index tickets_needs_reply_idx on tickets (practice_id, waiting_since, id)
  where status = 'waiting_practice' and response_due_at is null;
`);
}
