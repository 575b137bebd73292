import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, Client, type TestContext } from '../support/context.ts';
import { onPostgres, POSTGRES_ONLY } from '../support/postgres-only.ts';
import { freePort, startInstance, waitFor, type Instance } from './instances.ts';
import { createApp } from '../../src/app.tsx';
import { JOBS_NEEDS_DATABASE_URL } from '../../src/jobs-process.ts';
import { NO_JOBS_PROCESS, parseHandoff } from '../../src/jobs/handoff.ts';
import { writeHeartbeat } from '../../src/jobs/heartbeat.ts';

// JOBS_PROCESS=true: the web instance runs no import and no job; a jobs process (npm run start:jobs)
// does, woken by a NOTIFY and on its schedule (README, "Several instances"; docs/rules.md, "Background work").

const root = path.resolve(import.meta.dirname, '../..');

describe('npm run start:jobs', () => {
  it('is refused with one clear line without DATABASE_URL (the embedded database serves one process)', async () => {
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/jobs-process.ts'], { cwd: root, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.on('data', (c) => (err += String(c)));
      child.on('exit', (c) => resolve({ code: c, stderr: err }));
    });
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([JOBS_NEEDS_DATABASE_URL]);
  }, 30_000);

  it('reads only the notices it knows', () => {
    expect(parseHandoff('imports')).toEqual({ kind: 'imports' });
    expect(parseHandoff('run:balance-alerts')).toEqual({ kind: 'run', job: 'balance-alerts' });
    expect(parseHandoff('run:')).toBeNull();
    expect(parseHandoff('run:x; drop table')).toBeNull();
    expect(parseHandoff(undefined)).toBeNull();
  });
});

describe.skipIf(!onPostgres)(`npm run start:cluster with JOBS_PROCESS=true ${POSTGRES_ONLY}`, () => {
  it('forks a jobs process beside the web workers, at nice 10, off the port, and forks another when it dies', async () => {
    const t = await createTestContext({ seed: false });
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cluster.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DATABASE_URL: t.url!, APP_SECRET: t.config.appSecret!, PORT: String(port), WEB_CONCURRENCY: '1', JOBS_PROCESS: 'true', SCHEDULER: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      const jobsPid = async (other?: number) => {
        const rows = await t.db.selectFrom('instance_heartbeats').select('instance_id').where('role', '=', 'jobs').execute();
        const pids = rows.map((r) => Number(r.instance_id.split(':').pop())).filter((pid) => pid !== other);
        return pids[0];
      };
      const first = await waitFor('a jobs process heartbeat', () => jobsPid(), 60_000);
      await waitFor('the web worker ready', () => fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false), 60_000);
      const nice = Number(readFileSync(`/proc/${first}/stat`, 'utf8').split(') ')[1].split(' ')[16]);
      expect(nice).toBe(10);
      // The port is the web worker's alone: every answer comes from it (a jobs process would answer 404 to /login).
      for (let i = 0; i < 6; i++) expect((await fetch(`http://127.0.0.1:${port}/login`)).status).toBe(200);
      process.kill(first, 'SIGKILL');
      const second = await waitFor('another jobs process', () => jobsPid(first), 60_000);
      expect(second).not.toBe(first);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await t.close();
    }
  }, 150_000);
});

describe.skipIf(!onPostgres)(`a web instance with JOBS_PROCESS=true and a jobs process ${POSTGRES_ONLY}`, () => {
  let t: TestContext;
  let admin: Client;
  let vendorAdmin: Client;
  let jobsProcess: Instance | null = null;

  beforeAll(async () => {
    // The jobs process reads the real clock: the world is seeded at "now".
    t = await createTestContext({ now: new Date().toISOString() });
    const web = createApp({ ...t.deps, config: { ...t.config, jobsProcess: true } });
    const onWeb = (c: Client) => new Client(web, c.cookie, c.csrf);
    admin = onWeb(await t.as('admin@riverside.example'));
    vendorAdmin = onWeb(await t.as('root@stratapt.example'));
  });
  afterAll(async () => {
    await jobsProcess?.stop();
    await t.close();
  });

  const importRow = (id: number) => t.db.selectFrom('imports').select(['status', 'inserted_rows', 'leased_by']).where('id', '=', id).executeTakeFirstOrThrow();
  async function upload(prefix: string, rows: number): Promise<number> {
    const lines = ['account_number,first_name,last_name,date_of_birth,email'];
    for (let i = 0; i < rows; i++) lines.push(`${prefix}-${i},Pat${i},Handed,1980-02-${String((i % 28) + 1).padStart(2, '0')},${prefix.toLowerCase()}${i}@example.org`);
    const form = new FormData();
    form.set('kind', 'patients');
    form.set('file', new File([lines.join('\n') + '\n'], `${prefix}.csv`, { type: 'text/csv' }));
    const res = await admin.post('/patients/import', form);
    expect(res.status).toBe(303);
    return Number(res.location!.match(/(\d+)$/)![1]);
  }

  it('without a jobs process an upload waits, stored, and Run now says why nothing would run', async () => {
    const id = await upload('WAIT', 500);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await importRow(id)).toMatchObject({ status: 'validating', leased_by: null, inserted_rows: 0 });

    const res = await vendorAdmin.post('/vendor/jobs/ticket-counts/runs');
    expect(res.status).toBe(303);
    expect(new URL(res.location!, 'http://x').searchParams.get('error')).toBe(NO_JOBS_PROCESS);
    const page = await vendorAdmin.get('/vendor/jobs');
    expect(page.text).toContain('none has written a heartbeat in the last 30 seconds');

    // The jobs process, when it starts, takes up what waited (its schedule is off here: SCHEDULER=false).
    jobsProcess = await startInstance({ DATABASE_URL: t.url!, APP_SECRET: t.config.appSecret!, SCHEDULER: 'false' }, 'src/jobs-process.ts');
    await waitFor('the waiting import committed by the jobs process', async () => (await importRow(id)).status === 'committed', 60_000, 100);
    expect(await importRow(id)).toMatchObject({ status: 'committed', inserted_rows: 500 });
  }, 120_000);

  it('an upload is handed over with a notice and the jobs process imports it', async () => {
    const id = await upload('NOTICE', 3_000);
    const worker = `${hostname()}:${jobsProcess!.child.pid}`;
    let seenLease: string | null = null;
    await waitFor(
      'the import committed',
      async () => {
        const row = await importRow(id);
        seenLease ??= row.leased_by;
        return row.status === 'committed';
      },
      60_000,
      10,
    );
    expect(await importRow(id)).toMatchObject({ status: 'committed', inserted_rows: 3_000 });
    // Seen while it worked, unless it was done between two looks 10 ms apart.
    if (seenLease) expect(seenLease).toBe(worker);
  }, 90_000);

  it('Run now is handed to the jobs process, which runs the job and records it; the Jobs page shows its role', async () => {
    const before = new Date();
    const res = await vendorAdmin.post('/vendor/jobs/ticket-counts/runs');
    expect(res.status).toBe(303);
    expect(new URL(res.location!, 'http://x').searchParams.get('handed')).toBe('ticket-counts');
    const run = await waitFor(
      'the handed run recorded',
      async () => {
        const r = await t.db.selectFrom('job_runs').select(['last_finished_at', 'last_outcome']).where('name', '=', 'ticket-counts').executeTakeFirst();
        return r?.last_finished_at && r.last_finished_at >= before ? r : null;
      },
      30_000,
      100,
    );
    expect(run.last_outcome).toBe('ok');
    const audit = await t.db.selectFrom('audit_log').select(['action', 'record_id']).where('action', '=', 'job.run_now').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(audit.record_id).toBe('ticket-counts');

    const page = await vendorAdmin.get('/vendor/jobs?handed=ticket-counts');
    expect(page.text).toContain('was handed to the jobs processes');
    expect(page.text).toContain('Jobs and imports run in the jobs processes (JOBS_PROCESS=true); Run now hands a run to them.');
    expect(page.text).toMatch(new RegExp(`<code>${hostname()}:${jobsProcess!.child.pid}</code>.*?<td>jobs process</td>`, 's'));
    expect(page.text).toMatch(/<th scope="col">Instance<\/th>\s*<th scope="col">Role<\/th>/);
    expect(page.text).toMatch(/<th scope="col">Rows<\/th>\s*<th scope="col">Runs<\/th>/); // the jobs' own columns as they were
  }, 60_000);

  it('a web heartbeat reads as web, and the jobs process stops cleanly on SIGTERM', async () => {
    await writeHeartbeat(t.db, new Date(), { p99Ms: 3, maxMs: 9 }, 'web-1:1');
    const page = await vendorAdmin.get('/vendor/jobs');
    expect(page.text).toMatch(/<code>web-1:1<\/code>.*?<td>web<\/td>/s);
    jobsProcess!.child.kill('SIGTERM');
    expect(await jobsProcess!.exited).toBe(0);
    jobsProcess = null;
  }, 30_000);
});
