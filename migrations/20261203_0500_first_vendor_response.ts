import type { Kysely } from 'kysely';
import { runScript } from '../src/db/script.ts';

// The service report over a million threads in under a second (docs/rules.md, "Service report";
// issue 14). Each thread keeps the time of StrataPT's first public reply (internal notes do not
// count), written by the message writer (src/tickets/replies.ts, insertTicketMessage) and never
// moved later; the backfill takes it from the messages already there. The report then reads one
// index in created_at order instead of a message lookup per thread, and closures and Overdue
// records by kind and time instead of every event.

/** The backfill: each thread's earliest vendor-authored public message (test/console/first-vendor-response.test.ts). */
export const BACKFILL = `update tickets t set first_vendor_response_at = f.at
  from (select ticket_id, min(created_at) as at from ticket_messages
         where author_side = 'vendor' and not internal group by ticket_id) f
 where f.ticket_id = t.id`;

export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
alter table tickets add column first_vendor_response_at timestamptz;

${BACKFILL};

create index tickets_created_report_idx on tickets (created_at) include (department, created_by_side, first_vendor_response_at);
create index ticket_events_kind_at_idx on ticket_events (kind, at) include (ticket_id);

analyze tickets;
`);
}
