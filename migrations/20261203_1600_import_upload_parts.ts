import type { Kysely } from 'kysely';
import { runScript } from '../src/db/script.ts';

// An upload is stored in parts of at most 1 MB (storeUpload in src/imports/imports.ts), one row each,
// so no single statement carries the whole file: on the embedded database (PGlite, in the app's own
// thread) storing a 9 MB file in one statement held the event loop for hundreds of milliseconds.
// A file stored before this migration is its part 0; the worker reads any part a slice at a time.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
alter table import_uploads add column part integer not null default 0;
alter table import_uploads drop constraint import_uploads_pkey;
alter table import_uploads add primary key (import_id, part);
alter table import_uploads alter column part drop default;
`);
}
