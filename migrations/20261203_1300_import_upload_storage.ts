import type { Kysely } from 'kysely';
import { runScript } from '../src/db/script.ts';

// An import's worker reads the stored upload a slice at a time (uploadSlices in
// src/imports/imports.ts). Compressed, every slice would decompress the value from its start; stored
// uncompressed (out of line, as TOAST chunks), a slice reads only its own chunks. CSV compresses
// well, but the bytes are kept only until the import ends.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
alter table import_uploads alter column bytes set storage external;
`);
}
