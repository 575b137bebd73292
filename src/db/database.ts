import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { PGlite } from '@electric-sql/pglite';
import type { DB } from './schema.ts';

export type Database = Kysely<DB>;

export type OpenedDatabase = {
  db: Database;
  dialect: 'pg' | 'pglite';
  close(): Promise<void>;
};

// Both drivers must hand the app the same JS types:
// int8 -> number (ids and counts stay far below 2^53), date -> 'YYYY-MM-DD', bytea -> Buffer.
const INT8 = 20;
const DATE = 1082;
const BYTEA = 17;

export async function openPostgres(url: string, poolSize = 10): Promise<OpenedDatabase> {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    types: {
      getTypeParser: ((oid: number, format?: string) => {
        if (oid === INT8) return (v: string) => Number(v);
        if (oid === DATE) return (v: string) => v;
        return pg.types.getTypeParser(oid, format as 'text');
      }) as typeof pg.types.getTypeParser,
    },
  });
  // A dropped connection must not crash the process; the next query reports the failure.
  pool.on('error', () => {});
  // The same for a connection that is checked out but between queries when the server goes away
  // (a restart, pg_terminate_backend): without a listener, pg's 'error' event would end the process.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'pg', close: () => db.destroy() };
}

export async function openPGlite(options: { dataDir?: string; loadDataDir?: Blob } = {}): Promise<OpenedDatabase & { pglite: PGlite }> {
  // Loaded only when used: a server on PostgreSQL never pays for the embedded database's code (~50 MB RSS).
  const [{ PGlite, types: pgliteTypes }, { pg_trgm }, { btree_gin }, { PGliteDialect }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite/contrib/pg_trgm'),
    import('@electric-sql/pglite/contrib/btree_gin'),
    import('kysely-pglite-dialect'),
  ]);
  const pglite = await PGlite.create({
    ...options,
    extensions: { pg_trgm, btree_gin },
    parsers: {
      [pgliteTypes.INT8]: (v: string) => Number(v),
      [pgliteTypes.DATE]: (v: string) => v,
      [pgliteTypes.BYTEA]: (v: string) => Buffer.from(v.slice(2), 'hex'),
    },
  });
  const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) });
  return {
    db,
    pglite,
    dialect: 'pglite',
    close: async () => {
      await db.destroy();
      if (!pglite.closed) await pglite.close();
    },
  };
}
