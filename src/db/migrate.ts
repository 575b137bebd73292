import { Migrator, type MigrationResultSet } from 'kysely/migration';
import type { Kysely } from 'kysely';
import { migrations } from '../../migrations/index.ts';

function migrator(db: Kysely<any>) {
  // Features add their migrations side by side, so a database may already hold a later-named one:
  // each migration is independent and runs once, whatever order it arrives in.
  return new Migrator({ db, provider: { getMigrations: async () => migrations }, allowUnorderedMigrations: true });
}

export async function migrateToLatest(db: Kysely<any>): Promise<MigrationResultSet> {
  const result = await migrator(db).migrateToLatest();
  if (result.error) throw result.error;
  return result;
}

/** True when every known migration has run: what /readyz reports. */
export async function migrationsAreCurrent(db: Kysely<any>): Promise<boolean> {
  const all = await migrator(db).getMigrations();
  return all.every((m) => m.executedAt !== undefined);
}
