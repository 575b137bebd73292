import type { Kysely } from 'kysely';
import { runScript } from '../src/db/script.ts';

// What each instance is for: 'web' answers requests (and, unless JOBS_PROCESS is set, runs the jobs
// too); 'jobs' is `npm run start:jobs`, which runs the scheduled jobs and imports and answers no pages.
// The Jobs page shows it, and Run now asks whether a jobs process is alive before handing a run over.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `alter table instance_heartbeats add column role text not null default 'web' check (role in ('web', 'jobs'));`);
}
