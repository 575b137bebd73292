import { Hono } from 'hono';
import { listInstances, listRunningImports, runningWork } from '../jobs/heartbeat.ts';
import type { AppDeps, AppEnv } from '../web/types.ts';
import { redirectAfterPost, renderFragment, renderPage, pageNumber, currentActor } from '../web/http.ts';
import { viewContext } from '../web/context.ts';
import { requireVendor, requireCapability } from '../web/guards.ts';
import { NotFound } from '../web/errors.ts';
import { recordAudit } from '../audit/audit.ts';
import { jobs } from '../jobs/index.ts';
import { listJobStatuses, startScheduler } from '../jobs/scheduler.ts';
import { handToJobsProcesses, jobsProcessAlive, NO_JOBS_PROCESS } from '../jobs/handoff.ts';
import { OUTBOX_STATUSES } from './labels.ts';
import { countOf } from '../intl.ts';
import { shownMessage, listFailedMessages, messageKinds, outboxCounts, retryFailedMessage, searchMessages, type MessageFilters } from './messages.ts';
import { SentMessagesPage } from '../../views/messaging/sent-messages.tsx';
import { JobsPage, RunningNow } from '../../views/messaging/jobs.tsx';
import type { OutboxStatus } from '../db/schema.ts';
import { idParam } from '../web/params.ts';

/** Sent Messages, mounted at /vendor/messages: vendor admins read every outbox row and retry failed ones. */
export function sentMessagesRoutes(deps: AppDeps) {
  const { db, clock } = deps;
  const app = new Hono<AppEnv>();
  app.use('*', requireVendor, requireCapability('vendor.admin'));

  app.get('/', async (c) => {
    const q = c.req.query();
    const filters: MessageFilters = {
      status: OUTBOX_STATUSES.includes(q.status as OutboxStatus) ? (q.status as OutboxStatus) : undefined,
      channel: q.channel === 'sms' || q.channel === 'email' ? q.channel : undefined,
      transport: ['captured', 'resend', 'twilio'].includes(q.transport ?? '') ? q.transport : undefined,
      kind: q.kind ? q.kind.slice(0, 60) : undefined,
      practiceId: Number.isSafeInteger(Number(q.practice)) && Number(q.practice) > 0 ? Number(q.practice) : undefined,
      recipient: q.recipient?.trim().slice(0, 100) || undefined,
    };
    const page = pageNumber(q.page);
    const [{ rows, hasMore }, kinds, practices] = await Promise.all([
      searchMessages(db, currentActor(c), filters, page),
      messageKinds(db, currentActor(c)),
      db.selectFrom('practices').select(['id', 'name']).orderBy('name').execute(),
    ]);
    const query = new URL(c.req.url).searchParams;
    query.delete('page');
    const shown = rows.map((r) => shownMessage(r, deps.config.publicUrl));
    return renderPage(c, <SentMessagesPage ctx={await viewContext(c, deps)} filters={filters} rows={shown} page={page} hasMore={hasMore} kinds={kinds} practices={practices} query={query.toString()} />);
  });

  app.post('/:id/retry', async (c) => {
    const id = idParam(c.req.param('id'));
    const now = clock.now();
    if (await retryFailedMessage(db, currentActor(c), id, now)) {
      await recordAudit(db, { at: now, actor: currentActor(c), action: 'outbox.retry', recordType: 'outbox_message', recordId: id, ip: null, details: {} });
    }
    return redirectAfterPost(c, '/vendor/jobs?retried=' + id);
  });
  return app;
}

/** How long Run now waits for a run to end before answering; a longer run goes on in the background. */
const RUN_NOW_WAIT_MS = 2_000;

/** Jobs, mounted at /vendor/jobs: each scheduled job's runs, Run now, and the outbox by status. */
export function jobsRoutes(deps: AppDeps) {
  const { db, clock, logger } = deps;
  const app = new Hono<AppEnv>();
  app.use('*', requireVendor, requireCapability('vendor.admin'));

  // Without the process's scheduler (tests build the app without one), Run now runs jobs through one of its own.
  const scheduler = deps.scheduler ?? startScheduler({ db, clock, logger, transports: deps.transports, publicUrl: deps.config.publicUrl }, jobs, { autostart: false });
  const runNowWaitMs = deps.runNowWaitMs ?? RUN_NOW_WAIT_MS;

  app.get('/', async (c) => {
    const now = clock.now();
    const [statuses, counts, failed, instances, imports, jobsProcessUp] = await Promise.all([
      listJobStatuses(db, jobs, now),
      outboxCounts(db, currentActor(c)),
      listFailedMessages(db, currentActor(c)),
      listInstances(db, now),
      listRunningImports(db),
      deps.config.jobsProcess ? jobsProcessAlive(db, now) : false,
    ]);
    const q = c.req.query();
    const notice = q.ran
      ? `Ran ${q.ran}: ${countOf(Number.parseInt(q.rows ?? '0', 10) || 0, 'row', 'rows')} handled.`
      : q.started
        ? `${q.started} is running in the background. Its progress is under Running now, and its result under Last run when it ends.`
        : q.handed
          ? `${q.handed} was handed to the jobs processes. Its progress shows under Running now within seconds, and its result under Last run when it ends.`
        : q.running
          ? `${q.running} is already running; it was not started again.`
          : q.failed
            ? `${q.failed} failed: ${q.error ?? 'see the log'}`
            : q.retried
              ? `Message ${q.retried} is queued again.`
              : undefined;
    return renderPage(c, <JobsPage ctx={await viewContext(c, deps)} jobs={statuses} counts={counts} failed={failed} instances={instances} work={runningWork(instances)} imports={imports} notice={notice} schedulerRunning={deps.config.scheduler && !!deps.scheduler} jobsProcess={deps.config.jobsProcess ? { alive: jobsProcessUp } : undefined} />);
  });

  // Running now alone: the section polls it while work is in progress.
  app.get('/running', async (c) => {
    const now = clock.now();
    const [instances, imports] = await Promise.all([listInstances(db, now), listRunningImports(db)]);
    return renderFragment(c, <RunningNow work={runningWork(instances)} imports={imports} />);
  });

  /**
   * Runs a job now. A short run answers with its result; one still going after runNowWaitMs goes on
   * in the background (its progress on this page, its result in job_runs), so a balance-alert run
   * over a million accounts does not hold the browser, or a proxy's timeout, for a minute.
   */
  app.post('/:name/runs', async (c) => {
    const job = jobs.find((j) => j.name === c.req.param('name'));
    if (!job) throw new NotFound();
    if (deps.config.jobsProcess) {
      // The jobs processes run it (src/jobs/handoff.ts); without one alive the request would be lost.
      if (!(await jobsProcessAlive(db, clock.now()))) return redirectAfterPost(c, `/vendor/jobs?${new URLSearchParams({ failed: job.name, error: NO_JOBS_PROCESS })}`);
      await recordAudit(db, { at: clock.now(), actor: currentActor(c), action: 'job.run_now', recordType: 'job', recordId: job.name, ip: null, details: { job: job.name } });
      await handToJobsProcesses(db, { kind: 'run', job: job.name });
      return redirectAfterPost(c, `/vendor/jobs?${new URLSearchParams({ handed: job.name })}`);
    }
    const started = scheduler.runNow(job.name);
    if (!started) return redirectAfterPost(c, `/vendor/jobs?${new URLSearchParams({ running: job.name })}`);
    const run = started.then(
      (rows) => ({ rows }),
      (err: Error) => ({ error: err.message ?? String(err) }),
    );
    await recordAudit(db, { at: clock.now(), actor: currentActor(c), action: 'job.run_now', recordType: 'job', recordId: job.name, ip: null, details: { job: job.name } });
    let timer: NodeJS.Timeout | undefined;
    const outcome = runNowWaitMs > 0 ? await Promise.race([run, new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), runNowWaitMs)))]) : null;
    clearTimeout(timer);
    // Still running: runJobOnce records how it ends (job_runs, the log, /metrics).
    if (!outcome) return redirectAfterPost(c, `/vendor/jobs?${new URLSearchParams({ started: job.name })}`);
    if ('error' in outcome) return redirectAfterPost(c, `/vendor/jobs?${new URLSearchParams({ failed: job.name, error: outcome.error.slice(0, 200) })}`);
    return redirectAfterPost(c, `/vendor/jobs?${new URLSearchParams({ ran: job.name, rows: String(outcome.rows) })}`);
  });
  return app;
}
