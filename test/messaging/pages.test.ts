import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { enqueueMessage } from '../../src/messaging/outbox.ts';
import { trackWork } from '../../src/jobs/heartbeat.ts';
import { INSTANCE_ID } from '../../src/jobs/instance.ts';
import { onPostgres, POSTGRES_ONLY } from '../support/postgres-only.ts';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());

describe('Sent Messages (vendor admins)', () => {
  it('lists captured messages with clickable portal links, filters by channel, and is not there for other vendor users', async () => {
    const root = await t.as('root@stratapt.example');
    const all = await root.get('/vendor/messages');
    expect(all.status).toBe(200);
    expect(all.text).toContain('you have a balance due. View and pay securely:');
    const link = all.text.match(/<a href="(http:\/\/localhost:3000\/portal\/[^"]+)"/);
    expect(link).not.toBeNull();
    const texts = await root.get('/vendor/messages?channel=sms');
    expect(texts.text).toContain('to +15550100104');
    expect(texts.text).not.toContain('to james.carter@example.com');
    const billing = await t.as('billing@stratapt.example');
    expect((await billing.get('/vendor/messages')).status).toBe(404);
    const staff = await t.as('owner@riverside.example');
    expect((await staff.get('/vendor/messages')).status).toBe(404);
  });
});

describe('Jobs (vendor admins)', () => {
  it('lists every job with its schedule and next run; Run now dispatches the outbox and records the run', async () => {
    const root = await t.as('root@stratapt.example');
    const page = await root.get('/vendor/jobs');
    expect(page.status).toBe(200);
    expect(page.text).toContain('outbox-dispatch');
    expect(page.text).toContain('session-cleanup');
    expect(page.text).toContain('*/5 * * * * *');

    const practiceId = (await t.db.selectFrom('practices').select('id').where('name', '=', 'Riverside Physical Therapy').executeTakeFirstOrThrow()).id;
    await enqueueMessage(t.db, t.clock.now(), { practiceId, kind: 'test_notice', channel: 'email', recipient: 'someone@example.com', subject: 'Hi', body: 'Hello', dedupeKey: 'jobs-test:1' });
    const run = await root.post('/vendor/jobs/outbox-dispatch/runs');
    expect(run.status).toBe(303);
    expect(run.location).toContain('ran=outbox-dispatch');
    const rec = await t.db.selectFrom('job_runs').selectAll().where('name', '=', 'outbox-dispatch').executeTakeFirstOrThrow();
    expect(rec).toMatchObject({ runs: 1, last_outcome: 'ok', last_error: null });
    expect(rec.rows_handled).toBeGreaterThanOrEqual(1);
    expect(rec.duration_ms).toBeGreaterThanOrEqual(0);
    expect((await t.db.selectFrom('outbox_messages').select('status').where('dedupe_key', '=', 'jobs-test:1').executeTakeFirstOrThrow()).status).toBe('delivered');
    const after = await root.get('/vendor/jobs');
    expect(after.text).toMatch(/status-delivered">OK/);
    expect((await root.post('/vendor/jobs/no-such-job/runs')).status).toBe(404);
  });

  it('lists failed messages with a retry that queues them again', async () => {
    const root = await t.as('root@stratapt.example');
    const id = (await enqueueMessage(t.db, t.clock.now(), { practiceId: null, kind: 'test_notice', channel: 'email', recipient: 'broken@example.com', body: 'x', dedupeKey: 'jobs-test:failed' }))!;
    await t.db.updateTable('outbox_messages').set({ status: 'failed', attempts: 8, last_error: 'Resend 422: validation_error' }).where('id', '=', id).execute();
    const page = await root.get('/vendor/jobs');
    expect(page.text).toContain('Resend 422: validation_error');
    expect(page.text).toContain(`Retry message ${id}`);
    const retry = await root.post(`/vendor/messages/${id}/retry`);
    expect(retry.status).toBe(303);
    expect(await t.db.selectFrom('outbox_messages').select(['status', 'attempts']).where('id', '=', id).executeTakeFirstOrThrow()).toEqual({ status: 'queued', attempts: 0 });
  });
});

describe('Run now, when the run takes longer than the page waits', () => {
  let b: TestContext;
  beforeAll(async () => {
    // The page waits 2 s for a run to end; here it does not wait at all, so every run goes on in the background.
    b = await createTestContext({ runNowWaitMs: 0 });
  });
  afterAll(() => b.close());
  const finished = async (name: string) => {
    for (let i = 0; i < 200; i++) {
      const r = await b.db.selectFrom('job_runs').selectAll().where('name', '=', name).executeTakeFirst();
      if (r?.last_finished_at) return r;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`${name} did not finish`);
  };

  it('answers at once, the run goes on and is recorded, and the page says where to look', async () => {
    const root = await b.as('root@stratapt.example');
    const practiceId = (await b.db.selectFrom('practices').select('id').where('name', '=', 'Riverside Physical Therapy').executeTakeFirstOrThrow()).id;
    await enqueueMessage(b.db, b.clock.now(), { practiceId, kind: 'test_notice', channel: 'email', recipient: 'later@example.com', subject: 'Hi', body: 'Hello', dedupeKey: 'jobs-test:background' });
    const run = await root.post('/vendor/jobs/outbox-dispatch/runs');
    expect(run.status).toBe(303);
    expect(run.location).toBe('/vendor/jobs?started=outbox-dispatch');
    expect((await root.get(run.location!)).text).toContain('outbox-dispatch is running in the background. Its progress is under Running now, and its result under Last run when it ends.');
    expect(await finished('outbox-dispatch')).toMatchObject({ runs: 1, last_outcome: 'ok', last_error: null });
    expect((await b.db.selectFrom('outbox_messages').select('status').where('dedupe_key', '=', 'jobs-test:background').executeTakeFirstOrThrow()).status).toBe('delivered');
  });

  it("Running now shows this instance's work as it moves, polls while it runs and stops polling when it ends", async () => {
    const root = await b.as('root@stratapt.example');
    const idle = await root.get('/vendor/jobs/running');
    expect(idle.status).toBe(200);
    expect(idle.text).toContain('Nothing heavy is running');
    expect(idle.text).not.toContain('hx-trigger');
    // Heavy work registers itself as the balance-alert run and print batches do (no heartbeat written yet).
    const work = trackWork('balance-alerts', 'Balance-alert run (test)', 8, b.clock.now());
    try {
      work.update(3);
      const first = await root.get('/vendor/jobs/running');
      expect(first.text).toContain(`Balance-alert run (test): 3 of 8 on ${INSTANCE_ID}`);
      expect(first.text).toMatch(/hx-get="\/vendor\/jobs\/running" hx-trigger="every 2s"/);
      work.update(6);
      expect((await root.get('/vendor/jobs/running')).text).toContain('6 of 8');
      expect((await root.get('/vendor/jobs')).text).toContain('Balance-alert run (test): 6 of 8');
    } finally {
      work.end();
    }
    const after = await root.get('/vendor/jobs/running');
    expect(after.text).toContain('Nothing heavy is running');
    expect(after.text).not.toContain('hx-trigger');
    const staff = await b.as('admin@riverside.example');
    expect((await staff.get('/vendor/jobs/running')).status).toBe(404);
  });
});

describe.skipIf(!onPostgres)(`Run now while the same job is still running ${POSTGRES_ONLY}`, () => {
  let b: TestContext;
  beforeAll(async () => {
    b = await createTestContext({ runNowWaitMs: 100 });
  });
  afterAll(() => b.close());

  it('does not start it twice; the first run ends when what it waits for is released', async () => {
    const root = await b.as('root@stratapt.example');
    const userId = (await b.db.selectFrom('users').select('id').where('email', '=', 'owner@riverside.example').executeTakeFirstOrThrow()).id;
    const now = b.clock.now();
    await b.db.insertInto('sessions').values({ id: 'expired-for-run-now-test', user_id: userId, created_at: new Date(now.getTime() - 86_400_000), last_active_at: new Date(now.getTime() - 86_400_000), expires_at: new Date(now.getTime() - 1_000) }).execute();
    const other = new pg.Client({ connectionString: b.url });
    await other.connect();
    try {
      // Another transaction holds the expired session, so the cleanup's delete waits for it.
      await other.query('begin');
      await other.query("select 1 from sessions where id = 'expired-for-run-now-test' for update");
      // Two at once: one starts it, the other finds it running.
      const both = await Promise.all([root.post('/vendor/jobs/session-cleanup/runs'), root.post('/vendor/jobs/session-cleanup/runs')]);
      expect(both.map((r) => r.location).sort()).toEqual(['/vendor/jobs?running=session-cleanup', '/vendor/jobs?started=session-cleanup']);
      const later = await root.post('/vendor/jobs/session-cleanup/runs');
      expect(later.location).toBe('/vendor/jobs?running=session-cleanup');
      expect((await root.get(later.location!)).text).toContain('session-cleanup is already running; it was not started again.');
      expect((await b.db.selectFrom('job_runs').select(['runs', 'last_finished_at']).where('name', '=', 'session-cleanup').executeTakeFirstOrThrow())).toEqual({ runs: 1, last_finished_at: null });
      await other.query('commit');
    } finally {
      await other.end();
    }
    for (let i = 0; i < 200 && !(await b.db.selectFrom('job_runs').select('last_finished_at').where('name', '=', 'session-cleanup').executeTakeFirstOrThrow()).last_finished_at; i++) await new Promise((r) => setTimeout(r, 25));
    expect(await b.db.selectFrom('job_runs').select(['runs', 'last_outcome', 'rows_handled']).where('name', '=', 'session-cleanup').executeTakeFirstOrThrow()).toEqual({ runs: 1, last_outcome: 'ok', rows_handled: 1 });
    expect(await b.db.selectFrom('sessions').select('id').where('id', '=', 'expired-for-run-now-test').executeTakeFirst()).toBeUndefined();
  });
});
