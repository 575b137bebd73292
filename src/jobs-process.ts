import { Hono } from 'hono';
import type { ServerType } from '@hono/node-server';
import { setPriority } from 'node:os';
import cluster from 'node:cluster';
import { pathToFileURL } from 'node:url';
import { loadConfig } from './config.ts';
import { exitOnSignal, listen, settingsOrExit } from './boot.ts';
import { systemClock } from './clock.ts';
import { createLogger } from './logger.ts';
import { openPostgres } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import { startScheduler, withSchedules } from './jobs/scheduler.ts';
import { jobs } from './jobs/index.ts';
import { createTransports } from './messaging/transports.ts';
import { INSTANCE_ID, shutdownSignal, signalShutdown } from './jobs/instance.ts';
import { startInstanceHeartbeat } from './jobs/heartbeat.ts';
import { listenForHandoffs } from './jobs/handoff.ts';
import { kickImports } from './imports/imports.ts';
import { healthRoutes } from './web/health-routes.ts';
import { metricsRoutes } from './web/metrics.ts';
import type { AppEnv } from './web/types.ts';

// npm run start:jobs: a process that runs the scheduled jobs and the imports and serves no pages, only
// /healthz, /readyz and /metrics on PORT. The web instances, started with JOBS_PROCESS=true, hand it
// uploads and Run now (src/jobs/handoff.ts). Run it as a service of its own with a lower CPU weight
// than the web's, so an import's parsing, an alert run or the statements' generation waits for the pages
// rather than the other way round (README, "Several instances"; docs/rules.md, "Background work").
// Several may run: they claim their work with row locks, as instances running the schedule always have.

export const JOBS_NEEDS_DATABASE_URL =
  'start:jobs needs DATABASE_URL: a jobs process shares the database with the web instances (the embedded database serves one process; npm start runs the jobs in it)';

/**
 * The nice value of this process's main thread (where an import is parsed and checked): on a core it
 * shares with a busy web process of the same service, it gets about a tenth of what the web gets
 * (`npm run start:cluster` with JOBS_PROCESS=true forks it beside the web workers). Between services it
 * does nothing: there each service's CPU weight decides (README, "Several instances").
 */
export const JOBS_PROCESS_NICE = 10;

// As the entry point only: not when start:cluster's worker imports it (in the bundle, import.meta.url is then cluster.js's).
if (cluster.isPrimary && process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await runJobsProcess({ listen: true });

/** listen: serve /healthz, /readyz and /metrics on PORT; not when forked by start:cluster, whose port is the web's. */
export async function runJobsProcess(options: { listen: boolean }) {
  const { config, scheduledJobs } = await settingsOrExit(() => {
    const config = loadConfig();
    return { config, scheduledJobs: withSchedules(jobs, config.jobSchedules) };
  });
  if (!config.databaseUrl) {
    console.error(JOBS_NEEDS_DATABASE_URL);
    process.exit(1);
  }
  const logger = createLogger(config);
  try {
    setPriority(JOBS_PROCESS_NICE);
  } catch (err) {
    logger.warn({ err: { message: (err as Error).message } }, 'jobs process: could not lower its priority');
  }
  const opened = await openPostgres(config.databaseUrl, config.databasePoolSize);
  const { db, dialect, close, poolStats } = opened;
  await migrateToLatest(db);
  const transports = createTransports(config);
  // SCHEDULER=false: only what the web instances hand over runs (the bench's arrangement).
  const scheduler = startScheduler({ db, clock: systemClock, logger, transports, publicUrl: config.publicUrl }, scheduledJobs, { autostart: config.scheduler });
  const heartbeat = await startInstanceHeartbeat(db, systemClock, logger, 'jobs');
  const onImportError = (err: unknown) => logger.error({ err: { message: (err as Error).message } }, 'import failed');
  const listener = await listenForHandoffs({ url: config.databaseUrl }, logger, (handoff) => {
    if (handoff.kind === 'imports') return kickImports(db, systemClock, { workerId: INSTANCE_ID, signal: shutdownSignal }, onImportError);
    if (!scheduler.jobs.some((j) => j.name === handoff.job)) return logger.warn({ job: handoff.job }, 'jobs: Run now for a job this process does not have');
    // Already running here: that run is the one asked for. runJobOnce records the outcome.
    scheduler.runNow(handoff.job)?.catch(() => {});
  });
  // Waiting imports (an upload whose notice came before this process listened) are not left for the
  // schedule's next turn.
  kickImports(db, systemClock, { workerId: INSTANCE_ID, signal: shutdownSignal }, onImportError);

  let server: ServerType | null = null;
  if (options.listen) {
    const deps = { db, dialect, poolStats, config };
    const app = new Hono<AppEnv>();
    app.route('/', healthRoutes(deps));
    app.route('/', metricsRoutes(deps));
    server = listen(app.fetch, config);
  }
  logger.info({ port: options.listen ? config.port : null, role: 'jobs', jobs: scheduledJobs.length, schedule: config.scheduler }, 'jobs process running');

  exitOnSignal(logger, async () => {
    heartbeat.stop();
    signalShutdown(); // an import in progress hands its claim back after its current batch
    await listener.stop();
    await scheduler.stop();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    await close();
  });
}
