import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { enqueueMessage } from '../../src/messaging/outbox.ts';

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
