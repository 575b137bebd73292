import type { Kysely } from 'kysely';
import { runScript } from '../src/db/script.ts';

// Subject search is always within one practice. With practice_id inside the trigram index (btree_gin),
// a search touches only that practice's matching threads instead of every practice's, so a word common
// across the whole database but absent from this practice costs little.
export async function up(db: Kysely<any>): Promise<void> {
  await runScript(db, `
create extension if not exists btree_gin;
create index tickets_practice_subject_trgm_idx on tickets using gin (practice_id, lower(subject) gin_trgm_ops);
`);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
