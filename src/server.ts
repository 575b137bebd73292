import { loadConfig } from './config.ts';
import { systemClock } from './clock.ts';
import { createLogger } from './logger.ts';
import { exitOnSignal, listen, openConfiguredDatabase, resolveAppSecret, settingsOrExit } from './boot.ts';
import { migrateToLatest } from './db/migrate.ts';
import { seedDemo } from './demo/seed.ts';
import { createApp } from './app.tsx';
import { startScheduler, withSchedules } from './jobs/scheduler.ts';
import { jobs } from './jobs/index.ts';
import { createTransports } from './messaging/transports.ts';
import { signalShutdown } from './jobs/instance.ts';
import { startInstanceHeartbeat } from './jobs/heartbeat.ts';
import { startTicketFeed } from './live/ticket-feed.ts';
import type { PGlite } from '@electric-sql/pglite';

async function main() {
  const { config, scheduledJobs } = await settingsOrExit(async () => {
    const config = await resolveAppSecret(loadConfig());
    return { config, scheduledJobs: withSchedules(jobs, config.jobSchedules) };
  });
  const logger = createLogger(config);
  const t0 = performance.now();
  const opened = await openConfiguredDatabase(config);
  const { db, dialect, close, poolStats } = opened;
  await migrateToLatest(db);
  if (config.demo && (await seedDemo(db, systemClock.now()))) logger.info('demo data loaded');
  const transports = createTransports(config);
  const ticketFeed = await startTicketFeed('pglite' in opened ? { pglite: opened.pglite as PGlite } : { url: config.databaseUrl! }, logger);
  const deps = { db, dialect, poolStats, clock: systemClock, config, logger, transports, ticketFeed };
  // JOBS_PROCESS=true: the jobs processes run the schedule (src/jobs-process.ts); this one only serves.
  const scheduler = startScheduler({ db, clock: systemClock, logger, transports, publicUrl: config.publicUrl }, scheduledJobs, { autostart: config.scheduler && !config.jobsProcess });
  const app = createApp({ ...deps, scheduler });
  const heartbeat = await startInstanceHeartbeat(db, systemClock, logger, 'web');
  const server = listen(app.fetch, config, (port) => {
    logger.info({ port, database: dialect, ms: Math.round(performance.now() - t0) }, `listening on ${config.publicUrl}`);
  });

  exitOnSignal(logger, async () => {
    heartbeat.stop();
    signalShutdown(); // an import in progress hands its claim back after its current batch
    await scheduler.stop();
    await ticketFeed.close(); // ends the open event streams, or server.close() would wait for them
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await close();
  });
}

void main();
