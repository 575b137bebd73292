import { Cron } from 'croner';
import type { Database } from '../db/database.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';

// croner wiring only: each job calls one domain function with the clock's "now".
// Runs are recorded in job_runs for the Jobs page; several instances each run the
// schedule, and the domain functions claim their rows with locks so work happens once.

export type JobContext = { db: Database; clock: Clock; logger: Logger };
export type JobDefinition = {
  name: string;
  description: string;
  /** croner pattern, with seconds: '*\/15 * * * * *' */
  schedule: string;
  /** Does one pass and returns how many rows it handled. */
  run: (ctx: JobContext) => Promise<number>;
};

export type Scheduler = { stop(): Promise<void>; runNow(name: string): Promise<number>; jobs: JobDefinition[] };

export function startScheduler(ctx: JobContext, jobs: JobDefinition[], options: { autostart: boolean }): Scheduler {
  const running = new Set<Promise<unknown>>();
  const runJob = async (job: JobDefinition) => {
    const started = ctx.clock.now();
    const t0 = performance.now();
    const p = job.run(ctx);
    running.add(p);
    try {
      const rows = await p;
      ctx.logger.info({ job: job.name, rows, ms: Math.round(performance.now() - t0) }, 'job finished');
      return rows;
    } catch (err) {
      ctx.logger.error({ job: job.name, err: { message: (err as Error).message } }, 'job failed');
      throw err;
    } finally {
      running.delete(p);
      void started;
    }
  };
  const crons = options.autostart
    ? jobs.map(
        (job) =>
          new Cron(job.schedule, { name: job.name, protect: true, catch: () => {} }, async () => {
            await runJob(job).catch(() => {});
          }),
      )
    : [];
  return {
    jobs,
    runNow: async (name) => {
      const job = jobs.find((j) => j.name === name);
      if (!job) throw new Error(`unknown job ${name}`);
      return runJob(job);
    },
    stop: async () => {
      for (const c of crons) c.stop();
      await Promise.allSettled([...running]);
    },
  };
}
