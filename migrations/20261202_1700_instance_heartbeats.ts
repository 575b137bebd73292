import type { Kysely } from 'kysely';
import { runScript } from '../src/db/script.ts';

// Each running instance writes a row every ~10 s: its event-loop delay since the last one and the
// heavy work it has in hand (alert runs, print batches), for the Jobs page. Rows older than 15
// minutes are deleted by the writers.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
create table instance_heartbeats (
  instance_id text not null,
  at timestamptz not null,
  event_loop_p99_ms real not null,
  event_loop_max_ms real not null,
  work jsonb not null default '[]',
  primary key (instance_id, at)
);
create index instance_heartbeats_at_idx on instance_heartbeats (at);
`);
}
