import cluster from 'node:cluster';
import { pathToFileURL } from 'node:url';
import { loadConfig } from './config.ts';
import { settingsOrExit } from './boot.ts';
import { createLogger } from './logger.ts';
import { openPostgres } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';

// npm run start:cluster: WEB_CONCURRENCY app processes on this machine sharing one port, all against
// DATABASE_URL. Nothing is shared in memory: sessions and sign-in throttles live in Postgres, and
// scheduled work is claimed with row locks, so the same holds for processes on several machines
// behind any load balancer. The embedded database (PGlite) serves one process only: refused here.

export const CLUSTER_NEEDS_DATABASE_URL =
  'start:cluster needs DATABASE_URL: the embedded database serves one process only (use npm start, or set DATABASE_URL to a PostgreSQL server)';

/** The argument a forked process is started with when it is the jobs process (src/jobs-process.ts), not a web worker. */
const JOBS_ROLE_ARG = '--strata-jobs-process';

// Run only as the entry point (tests import the message above).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (cluster.isPrimary) await primary();
  else if (process.argv.includes(JOBS_ROLE_ARG)) await (await import('./jobs-process.ts')).runJobsProcess({ listen: false });
  else await import('./server.ts');
}

async function primary() {
  const config = await settingsOrExit(() => loadConfig());
  if (!config.databaseUrl) {
    console.error(CLUSTER_NEEDS_DATABASE_URL);
    process.exit(1);
  }
  const logger = createLogger(config);
  // Migrate once before forking, so the workers start on an up-to-date schema instead of queueing on the lock.
  const opened = await openPostgres(config.databaseUrl, 1);
  await migrateToLatest(opened.db);
  await opened.close();

  const workers = config.webConcurrency;
  logger.info({ workers, jobsProcess: config.jobsProcess, port: config.port }, 'starting cluster');
  let stopping = false;
  const recentDeaths: number[] = [];
  // JOBS_PROCESS=true: the web workers hand imports and jobs to one jobs process, forked beside them at
  // a lower priority (it does not listen on the port).
  const jobsWorkers = new Set<number>();
  const fork = (role: 'web' | 'jobs') => {
    // The role goes as an argument (settings apply to the forks that follow), not through the environment,
    // which only src/config.ts reads.
    cluster.setupPrimary({ args: [...process.argv.slice(2), ...(role === 'jobs' ? [JOBS_ROLE_ARG] : [])] });
    const worker = cluster.fork();
    if (role === 'jobs') jobsWorkers.add(worker.id);
  };
  for (let i = 0; i < workers; i++) fork('web');
  if (config.jobsProcess) fork('jobs');

  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    const role = jobsWorkers.delete(worker.id) ? 'jobs' : 'web';
    logger.warn({ pid: worker.process.pid, role, code, signal }, 'worker exited; starting another');
    // A worker that dies at once every time (bad configuration) must not spin the machine.
    const t = performance.now();
    recentDeaths.push(t);
    while (recentDeaths.length && t - recentDeaths[0] > 60_000) recentDeaths.shift();
    if (recentDeaths.length > workers * 5) {
      logger.error('workers keep exiting; stopping the cluster');
      process.exit(1);
    }
    setTimeout(() => fork(role), Math.min(5_000, 200 * recentDeaths.length));
  });

  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping cluster');
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    setTimeout(() => process.exit(1), 20_000).unref();
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
