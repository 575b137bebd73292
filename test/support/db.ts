import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { openPGlite, openPostgres, type OpenedDatabase } from '../../src/db/database.ts';
import { withDatabase } from './template.ts';

/** A fresh, migrated database for one test file: a copy of the run's template. */
export async function openTestDatabase(): Promise<OpenedDatabase & { url?: string }> {
  const template = inject('dbTemplate');
  if (template.kind === 'pglite') {
    const dump = await readFile(template.dumpPath);
    return openPGlite({ loadDataDir: new Blob([dump]) });
  }
  const name = `strata_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: template.url });
  await admin.connect();
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`create database ${name} template ${template.template}`);
        break;
      } catch (err) {
        // Two copies of one template cannot start at the same instant; wait and retry.
        if (attempt > 20 || !/being accessed by other users/.test((err as Error).message)) throw err;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  } finally {
    await admin.end();
  }
  const url = withDatabase(template.url, name);
  const opened = await openPostgres(url, 5);
  return {
    ...opened,
    url,
    close: async () => {
      await opened.close();
      const dropper = new pg.Client({ connectionString: template.url });
      await dropper.connect();
      await dropper.query(`drop database if exists ${name} with (force)`).catch(() => {});
      await dropper.end();
    },
  };
}
