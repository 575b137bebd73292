import { Cron } from 'croner';
import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import { ConfigError } from '../config.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { Transports } from '../messaging/transports.ts';
import { jobRunDuration, jobRuns } from '../web/metrics.ts';

// croner wiring only: each job calls one domain function with the clock's "now".
// Runs are recorded in job_runs for the Jobs page; several instances each run the
// schedule, and the domain functions claim their rows with locks so work happens once.

export type JobContext = {
  db: Database;
  clock: Clock;
  logger: Logger;
  /** How messages leave; absent means captured into the database. */
  transports?: Transports;
  /** The app's public base URL, for links in messages (portal links). */
  publicUrl?: string;
};
export type JobDefinition = {
  name: string;
  description: string;
  /** croner pattern, with seconds: '*\/15 * * * * *' */
  schedule: string;
  /** Does one pass and returns how many rows it handled. */
  run: (ctx: JobContext) => Promise<number>;
};

/**
 * The jobs with the operator's JOB_SCHEDULES applied. An unknown job name or a pattern croner cannot
 * read is a configuration error, raised at start rather than discovered when the job never runs.
 */
export function withSchedules(jobs: JobDefinition[], overrides: Record<string, string>): JobDefinition[] {
  for (const [name, pattern] of Object.entries(overrides)) {
    if (!jobs.some((j) => j.name === name)) throw new ConfigError(`Invalid setting JOB_SCHEDULES: no job is called "${name}" (jobs: ${jobs.map((j) => j.name).join(', ')})`);
    try {
      new Cron(pattern, { paused: true }).stop();
    } catch (err) {
      throw new ConfigError(`Invalid setting JOB_SCHEDULES: "${pattern}" for ${name} is not a cron pattern (${(err as Error).message})`);
    }
  }
  return jobs.map((j) => (overrides[j.name] ? { ...j, schedule: overrides[j.name] } : j));
}

export type Scheduler = {
  stop(): Promise<void>;
  /**
   * Starts a run of the job now, or returns null when one is already in progress in this process
   * (scheduled or started by hand): a job runs once at a time per instance.
   */
  runNow(name: string): Promise<number> | null;
  jobs: JobDefinition[];
};

export function startScheduler(ctx: JobContext, jobs: JobDefinition[], options: { autostart: boolean }): Scheduler {
  const running = new Map<string, Promise<number>>();
  const start = (job: JobDefinition): Promise<number> | null => {
    if (running.has(job.name)) return null;
    const run = runJobOnce(ctx, job).finally(() => running.delete(job.name));
    running.set(job.name, run);
    return run;
  };
  const crons = options.autostart
    ? jobs.map(
        (job) =>
          new Cron(job.schedule, { name: job.name, protect: true, catch: () => {} }, async () => {
            await start(job)?.catch(() => {});
          }),
      )
    : [];
  return {
    jobs,
    runNow: (name) => {
      const job = jobs.find((j) => j.name === name);
      if (!job) throw new Error(`unknown job ${name}`);
      return start(job);
    },
    stop: async () => {
      for (const c of crons) c.stop();
      await Promise.allSettled([...running.values()]);
    },
  };
}

/** One run of a job, recorded in job_runs: start, finish, outcome, error, rows handled, duration. */
export async function runJobOnce(ctx: JobContext, job: JobDefinition): Promise<number> {
  const started = ctx.clock.now();
  const t0 = performance.now();
  await recordStart(ctx.db, job.name, started).catch((err) => ctx.logger.warn({ job: job.name, err: { message: (err as Error).message } }, 'job run not recorded'));
  try {
    const rows = await job.run(ctx);
    const ms = Math.round(performance.now() - t0);
    await recordFinish(ctx.db, job.name, ctx.clock.now(), { outcome: 'ok', error: null, rows, ms }).catch(() => {});
    jobRunDuration.observe({ job: job.name, outcome: 'ok' }, ms / 1000);
    jobRuns.inc({ job: job.name, outcome: 'ok' });
    if (rows > 0) ctx.logger.info({ job: job.name, rows, ms }, 'job finished');
    else ctx.logger.debug({ job: job.name, rows, ms }, 'job finished');
    return rows;
  } catch (err) {
    const ms = Math.round(performance.now() - t0);
    const message = (err as Error).message ?? String(err);
    await recordFinish(ctx.db, job.name, ctx.clock.now(), { outcome: 'error', error: message.slice(0, 1000), rows: null, ms }).catch(() => {});
    jobRunDuration.observe({ job: job.name, outcome: 'error' }, ms / 1000);
    jobRuns.inc({ job: job.name, outcome: 'error' });
    ctx.logger.error({ job: job.name, err: { message } }, 'job failed');
    throw err;
  }
}

async function recordStart(db: Database, name: string, at: Date) {
  await db
    .insertInto('job_runs')
    .values({ name, runs: 1, last_started_at: at })
    .onConflict((oc) => oc.column('name').doUpdateSet({ runs: sql`job_runs.runs + 1`, last_started_at: at }))
    .execute();
}

async function recordFinish(db: Database, name: string, at: Date, r: { outcome: 'ok' | 'error'; error: string | null; rows: number | null; ms: number }) {
  await db
    .updateTable('job_runs')
    .set({ last_finished_at: at, last_outcome: r.outcome, last_error: r.error, rows_handled: r.rows, duration_ms: r.ms })
    .where('name', '=', name)
    .execute();
}

export type JobStatus = JobDefinition & {
  runs: number;
  lastStartedAt: Date | null;
  lastFinishedAt: Date | null;
  lastOutcome: string | null;
  lastError: string | null;
  rowsHandled: number | null;
  durationMs: number | null;
  nextRunAt: Date | null;
};

/** What the Jobs page shows: every registered job, its last recorded run and its next run after `now`. */
export async function listJobStatuses(db: Database, jobs: JobDefinition[], now: Date): Promise<JobStatus[]> {
  const runs = await db.selectFrom('job_runs').selectAll().execute();
  const byName = new Map(runs.map((r) => [r.name, r]));
  return jobs.map((job) => {
    const r = byName.get(job.name);
    const pattern = new Cron(job.schedule, { paused: true });
    const next = pattern.nextRun(now);
    pattern.stop();
    return {
      ...job,
      runs: r?.runs ?? 0,
      lastStartedAt: r?.last_started_at ?? null,
      lastFinishedAt: r?.last_finished_at ?? null,
      lastOutcome: r?.last_outcome ?? null,
      lastError: r?.last_error ?? null,
      rowsHandled: r?.rows_handled ?? null,
      durationMs: r?.duration_ms ?? null,
      nextRunAt: next,
    };
  });
}
