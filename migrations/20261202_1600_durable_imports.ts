import type { Kysely } from 'kysely';
import { runScript } from '../src/db/script.ts';

// Imports as durable jobs: the uploaded bytes are kept in the database until the import ends, any
// instance claims a waiting import with a lease it renews as it goes, and the save phase records
// how many accepted rows it has committed, so a successor resumes from the last committed batch.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
alter table imports
  add column leased_by text,
  add column lease_until timestamptz,
  add column saved_rows integer not null default 0,
  add column accepted_rows integer not null default 0;
create table import_uploads (
  import_id bigint primary key references imports(id) on delete cascade,
  practice_id bigint not null references practices(id),
  bytes bytea not null
);
-- Imports waiting for, or held by, a worker: the claim reads only these.
create index imports_live_idx on imports (id) where status in ('validating', 'saving');
`);
}
