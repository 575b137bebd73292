// The size of the vendor queue pages on the bench dataset, as sent and gzipped: the Customer Success
// member on Waiting on StrataPT and the vendor admin on All open. Usage:
//   npx tsx bench/page-size.ts   (DATABASE_URL, default the bench database)
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { DB } from '../src/db/schema.ts';
import type { AppDeps } from '../src/web/types.ts';
import { testConfig } from '../src/config.ts';
import { systemClock } from '../src/clock.ts';
import { createLogger } from '../src/logger.ts';
import { createApp } from '../src/app.tsx';
import { createSession, SESSION_COOKIE } from '../src/auth/sessions.ts';
import { benchIds, type DatasetParams } from './dataset.ts';
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/strata_bench', max: 4 });
const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
const config = testConfig({ LOG_LEVEL: 'warn' });
const logger = createLogger(config, new Writable({ write(_c, _e, cb) { cb(); } }));
const clock = systemClock;
const deps: AppDeps = { db, dialect: 'pg', clock, config, logger };
const app = createApp(deps);
const { practices } = (await db.selectFrom('practices').select((eb) => eb.fn.countAll<string>().as('practices')).executeTakeFirstOrThrow());
const { vendor } = benchIds({ practices: Number(practices) } as DatasetParams);
for (const [who, id, path] of [['member', vendor.success, '/vendor/queues/success?filter=vendor'], ['admin', vendor.admin, '/vendor/queues/success?filter=open']] as const) {
  const { token } = await createSession(db, new Date(), { idleMs: 3_600_000, maxMs: 3_600_000 }, id);
  const res = await app.request(`http://localhost:3000${path}`, { headers: { cookie: `${SESSION_COOKIE}=${token}` } });
  const body = Buffer.from(await res.arrayBuffer());
  console.log(who, res.status, `${(body.length / 1024).toFixed(1)} KB, gzip ${(gzipSync(body).length / 1024).toFixed(1)} KB`);
}
await db.destroy();
