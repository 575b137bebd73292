import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { trackWork, writeHeartbeat } from '../../src/jobs/heartbeat.ts';
import { startImport } from '../../src/imports/imports.ts';
import { loadActor } from '../../src/auth/permissions.ts';

let t: TestContext;

beforeAll(async () => {
  t = await createTestContext();
});
afterAll(async () => {
  await t.close();
});

describe('Jobs page: running work and instances', () => {
  it('shows imports in progress, each instance’s work and its event-loop delay over the last minutes', async () => {
    const root = await t.as('root@stratapt.example');
    const empty = await root.get('/vendor/jobs');
    expect(empty.text).toContain('Nothing heavy is running');
    expect(empty.text).toContain('No instance has written a heartbeat');

    const user = await t.db.selectFrom('users').selectAll().where('email', '=', 'admin@riverside.example').executeTakeFirstOrThrow();
    const started = await startImport(t.db, await loadActor(t.db, user), { kind: 'patients', filename: 'jobs.csv', bytes: Buffer.from('account_number,first_name,last_name,date_of_birth\nJ-1,A,B,1970-01-01\n') }, t.clock.now());
    expect(started.ok).toBe(true);
    await t.db.updateTable('imports').set({ processed_rows: 0, total_rows: 1 }).execute();

    const now = t.clock.now();
    const work = trackWork('balance-alerts', 'Balance-alert run', 3_000, now);
    work.update(1_500);
    try {
      // Older than the page's window and than what is kept.
      await writeHeartbeat(t.db, new Date(now.getTime() - 16 * 60_000), { p99Ms: 999, maxMs: 999 }, 'app-3:300');
      await writeHeartbeat(t.db, new Date(now.getTime() - 20_000), { p99Ms: 12.4, maxMs: 30 }, 'app-1:100');
      await writeHeartbeat(t.db, new Date(now.getTime() - 10_000), { p99Ms: 48.6, maxMs: 210 }, 'app-1:100');
      await writeHeartbeat(t.db, now, { p99Ms: 15.2, maxMs: 40 }, 'app-1:100');
      await writeHeartbeat(t.db, new Date(now.getTime() - 5 * 60_000), { p99Ms: 9, maxMs: 11 }, 'app-2:200');
    } finally {
      work.end();
    }
    const page = await root.get('/vendor/jobs');
    expect(page.status).toBe(200);
    const text = page.text.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(text).toContain('Import');
    expect(text).toMatch(/0 of about 1 row checked, waiting for an instance/);
    expect(text).toContain('Balance-alert run: 1,500 of 3,000 on app-1:100');
    expect(text).toContain('15 ms / 40 ms'); // latest p99 / worst
    expect(text).toContain('210 ms'); // worst in the window
    expect(text).toContain('12 · 49 · 15');
    expect(text).toMatch(/app-2:200 silent for over 30 s/);
    expect(text).not.toContain('app-3:300');
    expect(await t.db.selectFrom('instance_heartbeats').select('instance_id').where('instance_id', '=', 'app-3:300').execute()).toEqual([]);
    // Work that ended is not in the next heartbeat.
    await writeHeartbeat(t.db, new Date(now.getTime() + 10_000), { p99Ms: 11, maxMs: 20 }, 'app-1:100');
    expect((await root.get('/vendor/jobs')).text).not.toContain('Balance-alert run:');
  });

  it('writes a large import’s progress with thousands separators, on the Jobs page and the import’s own page', async () => {
    const user = await t.db.selectFrom('users').selectAll().where('email', '=', 'admin@riverside.example').executeTakeFirstOrThrow();
    const started = await startImport(t.db, await loadActor(t.db, user), { kind: 'patients', filename: 'large.csv', bytes: Buffer.from('account_number,first_name,last_name,date_of_birth\nL-1,A,B,1970-01-01\n') }, t.clock.now());
    if (!started.ok) throw new Error('the import did not start');
    await t.db.updateTable('imports').set({ status: 'saving', processed_rows: 80_000, total_rows: 80_000, accepted_rows: 80_000, saved_rows: 53_500, leased_by: 'app-1:100' }).where('id', '=', started.id).execute();
    const flat = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

    const jobs = flat((await (await t.as('root@stratapt.example')).get('/vendor/jobs')).text);
    expect(jobs).toContain(`Import ${started.id} (Patients, Riverside Physical Therapy): 53,500 of 80,000 rows saved on app-1:100`);
    const own = flat((await (await t.as('admin@riverside.example')).get(`/patients/import/${started.id}`)).text);
    expect(own).toContain('53,500 of 80,000 rows saved (80,000 checked, none rejected)');
  });

  it('is for vendor administrators only', async () => {
    expect((await (await t.as('billing@stratapt.example')).get('/vendor/jobs')).status).toBe(404);
    expect((await (await t.as('admin@riverside.example')).get('/vendor/jobs')).status).toBe(404);
  });
});
