import { Hono } from 'hono';
import { sql } from 'kysely';
import type { AppDeps, AppEnv } from './types.ts';
import { migrationsAreCurrent } from '../db/migrate.ts';

export function healthRoutes({ db }: Pick<AppDeps, 'db'>) {
  const app = new Hono<AppEnv>();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    try {
      await sql`select 1`.execute(db);
      if (!(await migrationsAreCurrent(db))) return c.json({ status: 'migrations pending' }, 503);
      return c.json({ status: 'ready' });
    } catch {
      return c.json({ status: 'database unreachable' }, 503);
    }
  });
  return app;
}
