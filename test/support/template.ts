import { createHash } from 'node:crypto';
import { readFile, readdir, rename, writeFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openPGlite, openPostgres } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';

const root = path.resolve(import.meta.dirname, '../..');

/** A hash of the migrations: a template is reused until a migration changes. */
async function migrationsHash(): Promise<string> {
  const dir = path.join(root, 'migrations');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.ts')).sort();
  const h = createHash('sha256');
  for (const f of files) h.update(f).update(await readFile(path.join(dir, f)));
  h.update(await readFile(path.join(root, 'src/db/script.ts')));
  return h.digest('hex').slice(0, 12);
}

export async function prepareTemplate() {
  const hash = await migrationsHash();
  const url = process.env.DATABASE_URL;
  if (url) {
    const template = `strata_tmpl_${hash}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      // Several test runs may start at once (CI, developers): one builds the template, the rest wait.
      await admin.query('select pg_advisory_lock(727274)');
      const exists = await admin.query('select 1 from pg_database where datname = $1', [template]);
      if (!exists.rowCount) {
        const building = `${template}_building`;
        await admin.query(`drop database if exists ${building}`);
        await admin.query(`create database ${building}`);
        const opened = await openPostgres(withDatabase(url, building), 2);
        await migrateToLatest(opened.db);
        await opened.close();
        await admin.query(`alter database ${building} rename to ${template}`);
      }
      await admin.query('select pg_advisory_unlock(727274)');
    } finally {
      await admin.end();
    }
    return { kind: 'pg' as const, url, template };
  }
  const dumpPath = path.join(os.tmpdir(), `strata-pglite-${hash}.tar.gz`);
  const exists = await stat(dumpPath).then(() => true, () => false);
  if (!exists) {
    const opened = await openPGlite();
    await migrateToLatest(opened.db);
    const dump = await opened.pglite.dumpDataDir('gzip');
    await opened.close();
    const tmp = `${dumpPath}.${process.pid}.tmp`;
    await writeFile(tmp, Buffer.from(await dump.arrayBuffer()));
    await rename(tmp, dumpPath);
  }
  return { kind: 'pglite' as const, dumpPath };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
