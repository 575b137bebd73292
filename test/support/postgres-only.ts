import { databaseUrlFromEnv } from '../../src/config.ts';

// Tests that need the PostgreSQL server (several processes or connections on one database,
// killing backends, prepared statements) are declared with `describe.skipIf(!onPostgres)`, so a
// run on the embedded database lists them as skipped, with this reason in their name, instead of
// not defining them at all. .ci/run runs the whole suite a second time with DATABASE_URL set.

export const onPostgres = !!databaseUrlFromEnv();

export const POSTGRES_ONLY = '[PostgreSQL only: skipped without DATABASE_URL; .ci/run runs it on PostgreSQL]';
