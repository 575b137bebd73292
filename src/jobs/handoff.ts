import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import { listenChannel, type ListenSource } from '../db/listen.ts';
import type { Logger } from '../logger.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import { kickImports } from '../imports/imports.ts';
import { INSTANCE_ID, shutdownSignal } from './instance.ts';

// With JOBS_PROCESS=true the web instances run no job and no import: they hand each to the jobs
// processes (`npm run start:jobs`, src/jobs-process.ts) with a NOTIFY on one channel, so heavy work
// runs in processes of their own, which the operator gives a lower CPU weight than the web's
// (docs/rules.md, "Background work"). A notice is only a wake-up: the jobs processes also run every job
// on its schedule, imports included (every 5 s), so an upload whose notice was missed still starts.

export const JOBS_CHANNEL = 'strata_jobs';

/** What a notice asks for: look for waiting imports, or run one job now. */
export type Handoff = { kind: 'imports' } | { kind: 'run'; job: string };

/**
 * Starts work on an upload just stored: this instance's import worker (any other instance's scheduled
 * `imports` job would take it too), or with JOBS_PROCESS a jobs process's, woken by a notice.
 */
export async function startImportWork(deps: { db: Database; clock: Clock; config: Config; logger: Logger }): Promise<void> {
  if (deps.config.jobsProcess) return handToJobsProcesses(deps.db, { kind: 'imports' });
  kickImports(deps.db, deps.clock, { workerId: INSTANCE_ID, signal: shutdownSignal }, (err) => deps.logger.error({ err: { message: (err as Error).message } }, 'import failed'));
}

/** Sends the notice (on commit, when called inside a transaction). */
export async function handToJobsProcesses(db: Database, handoff: Handoff): Promise<void> {
  const payload = handoff.kind === 'imports' ? 'imports' : `run:${handoff.job}`;
  await sql`select pg_notify(${JOBS_CHANNEL}, ${payload})`.execute(db);
}

export function parseHandoff(payload: string | undefined): Handoff | null {
  if (payload === 'imports') return { kind: 'imports' };
  const m = /^run:([a-z-]+)$/.exec(payload ?? '');
  return m ? { kind: 'run', job: m[1] } : null;
}

export const NO_JOBS_PROCESS = 'no jobs process has written a heartbeat in the last 30 seconds (start one: npm run start:jobs)';

/** A jobs process is alive when it wrote a heartbeat (every 10 s) in the last 30 s. */
export async function jobsProcessAlive(db: Database, now: Date): Promise<boolean> {
  const row = await db
    .selectFrom('instance_heartbeats')
    .select('instance_id')
    .where('role', '=', 'jobs')
    .where('at', '>', new Date(now.getTime() - 30_000))
    .limit(1)
    .executeTakeFirst();
  return !!row;
}

/** The jobs process's side: calls on(handoff) for each notice. */
export function listenForHandoffs(source: ListenSource, logger: Logger, on: (handoff: Handoff) => void) {
  return listenChannel(
    source,
    JOBS_CHANNEL,
    (payload) => {
      const handoff = parseHandoff(payload);
      if (handoff) on(handoff);
      else logger.warn({ payload }, 'jobs: unknown notice ignored');
    },
    logger,
    'jobs',
  );
}
