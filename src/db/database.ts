import { Kysely, PostgresDialect, type LogConfig } from 'kysely';
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { PGlite } from '@electric-sql/pglite';
import type { DB } from './schema.ts';

export type Database = Kysely<DB>;

export type OpenedDatabase = {
  db: Database;
  dialect: 'pg' | 'pglite';
  close(): Promise<void>;
  /** Connection pool figures for /metrics (PostgreSQL only). */
  poolStats?: () => PoolStats;
};

export type PoolStats = { size: number; inUse: number; waiting: number };

// Both drivers must hand the app the same JS types:
// int8 -> number (ids and counts stay far below 2^53), date -> 'YYYY-MM-DD', bytea -> Buffer.
const INT8 = 20;
const DATE = 1082;
const BYTEA = 17;

/** `log` sees each query Kysely runs (the benchmark's EXPLAIN pass); the app passes none. */
export async function openPostgres(url: string, poolSize = 10, options: { log?: LogConfig } = {}): Promise<OpenedDatabase> {
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
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: preparingPool(pool) }), log: options.log });
  return {
    db,
    dialect: 'pg',
    close: () => db.destroy(),
    poolStats: () => ({ size: pool.totalCount, inUse: pool.totalCount - pool.idleCount, waiting: pool.waitingCount }),
  };
}

/** Statements with more parameters than this (bulk inserts, long IN lists) are not kept prepared. */
const MAX_PREPARED_PARAMETERS = 64;
/**
 * `select "t".*` and `returning *` take their columns from the table when planned: a prepared one
 * fails with "cached plan must not change result type" once a migration adds a column while this
 * process runs (a rolling deploy). They run unnamed; explicit column lists are unaffected by additions.
 */
const TABLE_SHAPED_RESULT = /\.\*|\bselect \*|\breturning \*/i;
/** SQL comments, left out when a text is matched against TABLE_SHAPED_RESULT: a comment that mentions a star
 * does not make the statement table-shaped (one did, and the statement every signed-in request runs was
 * parsed and planned afresh each time). */
const SQL_COMMENTS = /--[^\n]*|\/\*[\s\S]*?\*\//g;

/**
 * Kysely sends every query unnamed, so PostgreSQL parses and plans it anew each time; on the
 * benchmark's pages planning took 2–5 ms per query, more than running it. Here each parameterised
 * query is a named prepared statement (the name is a hash of its text), parsed once per connection,
 * and after a few executions PostgreSQL may keep a generic plan. Scripts without parameters (DDL,
 * migrations), statements with many parameters (whose texts vary with a list's length) and
 * table-shaped results run unnamed as before; each connection's set of statements stays bounded
 * by the app's code.
 */
function preparingPool(pool: pg.Pool) {
  const wrappers = new WeakMap<pg.PoolClient, ReturnType<typeof wrap>>();
  const wrap = (client: pg.PoolClient) => ({
    get processID() {
      return (client as unknown as { processID?: number }).processID;
    },
    query(textOrCursor: string, values?: readonly unknown[]) {
      const name = typeof textOrCursor === 'string' ? preparedStatementName(textOrCursor, values) : null;
      if (!name) return client.query(textOrCursor as never, values as unknown[]);
      return client.query({ name, text: textOrCursor, values: values as unknown[] });
    },
    release: (destroy?: boolean) => client.release(destroy),
  });
  return {
    options: pool.options,
    async connect() {
      const client = await pool.connect();
      // The same wrapper for the same connection: Kysely keeps per-connection state keyed by it.
      let w = wrappers.get(client);
      if (!w) wrappers.set(client, (w = wrap(client)));
      return w as never;
    },
    end: () => pool.end(),
  };
}

const statementNames = new Map<string, string | null>();

/** The name a query is prepared under (a hash of its text), or null when it runs unnamed. */
export function preparedStatementName(text: string, values: readonly unknown[] | undefined): string | null {
  if (!values?.length || values.length > MAX_PREPARED_PARAMETERS) return null;
  // Each text's answer is kept (null for a table-shaped one): the pattern is not matched against
  // every query's text on every execution.
  let name = statementNames.get(text);
  if (name === undefined) {
    name = TABLE_SHAPED_RESULT.test(text.replace(SQL_COMMENTS, ' ')) ? null : 's' + createHash('sha1').update(text).digest('base64url');
    statementNames.set(text, name);
  }
  return name;
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
