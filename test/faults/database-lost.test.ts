import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createTestContext, type TestContext } from '../support/context.ts';
import { createApp } from '../../src/app.tsx';
import { openPostgres } from '../../src/db/database.ts';
import { runJobOnce } from '../../src/jobs/scheduler.ts';
import { jobs } from '../../src/jobs/index.ts';
import { Client } from '../support/context.ts';
import { onPostgres, POSTGRES_ONLY } from '../support/postgres-only.ts';

// The database goes away: requests answer 503 with Retry-After (never a 500 or a crash), /healthz
// still answers, /readyz says not ready, and the same process serves again once the database is back.

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());

describe('database unreachable', () => {
  it('answers 503 with Retry-After on every database-backed request, while /healthz stays up', async () => {
    // The same app, wired to a server that refuses connections.
    const dead = await openPostgres('postgres://postgres@127.0.0.1:1/nowhere', 2);
    try {
      const app = createApp({ ...t.deps, db: dead.db, dialect: 'pg' });
      const signedIn = await t.as('admin@riverside.example');
      const client = new Client(app, signedIn.cookie, signedIn.csrf);
      const page = await client.get('/dashboard');
      expect(page.status).toBe(503);
      expect(page.headers.get('retry-after')).toBe('5');
      expect(page.text).toContain('cannot reach its database');
      const login = await new Client(app).post('/login', { email: 'owner@riverside.example', password: 'strata-demo-1' });
      expect(login.status).toBe(503);
      expect((await new Client(app).get('/healthz')).status).toBe(200);
      expect((await new Client(app).get('/readyz')).status).toBe(503);
      expect(t.logLines.some((l) => l.includes('database unavailable'))).toBe(true);
      expect(t.logLines.some((l) => l.includes('unhandled error'))).toBe(false);
    } finally {
      await dead.close();
    }
  });
});

describe.skipIf(!onPostgres)(`connections killed under load (pg_terminate_backend) ${POSTGRES_ONLY}`, () => {
  it('fails the requests in flight cleanly with 503 and recovers without a restart; the scheduler resumes', async () => {
    const dbName = new URL(t.url!).pathname.slice(1);
    const admin = new pg.Client({ connectionString: t.url!.replace(`/${dbName}`, '/postgres') });
    await admin.connect();
    const client = await t.as('admin@riverside.example');
    const statuses = new Map<number, number>();
    try {
      for (let round = 0; round < 30 && !statuses.get(503); round++) {
        const inFlight = Array.from({ length: 40 }, (_, i) => client.get(i % 2 ? '/dashboard' : '/settings/audit'));
        await new Promise((r) => setTimeout(r, 5 + (round % 5) * 3));
        await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [dbName]);
        for (const res of await Promise.all(inFlight)) statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }
    } finally {
      await admin.end();
    }
    expect([...statuses.keys()].sort()).toEqual(expect.arrayContaining([200, 503]));
    expect([...statuses.keys()].filter((s) => s !== 200 && s !== 503)).toEqual([]);
    expect(t.logLines.filter((l) => l.includes('unhandled error'))).toEqual([]);
    // Recovered: the same app, the same pool, no restart.
    for (let i = 0; i < 5; i++) expect((await client.get('/dashboard')).status).toBe(200);
    expect((await t.anonymous().get('/readyz')).status).toBe(200);
    const dispatch = jobs.find((j) => j.name === 'outbox-dispatch')!;
    await expect(runJobOnce({ db: t.db, clock: t.clock, logger: t.deps.logger }, dispatch)).resolves.toBeGreaterThanOrEqual(0);
    const run = await t.db.selectFrom('job_runs').selectAll().where('name', '=', 'outbox-dispatch').executeTakeFirstOrThrow();
    expect(run.last_outcome).toBe('ok');
  }, 120_000);
});
