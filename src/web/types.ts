import type { TicketFeed } from '../live/ticket-feed.ts';
import type { Config } from '../config.ts';
import type { Clock } from '../clock.ts';
import type { Database, PoolStats } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import type { Actor } from '../auth/permissions.ts';
import type { Session } from '../auth/sessions.ts';
import type { MenuContext } from './context.ts';
import type { Scheduler } from '../jobs/scheduler.ts';
import type { Transports } from '../messaging/transports.ts';

/** What the app is built from; tests build it with a ManualClock and their own database. */
export type AppDeps = {
  db: Database;
  dialect: 'pg' | 'pglite';
  /** Connection pool figures for /metrics (PostgreSQL only). */
  poolStats?: () => PoolStats;
  clock: Clock;
  config: Config;
  logger: Logger;
  /** Present when the process runs scheduled jobs (the Jobs page's "Run now"). */
  scheduler?: Scheduler;
  /** How long Run now waits for a run to end before answering and leaving it in the background (2 s). */
  runNowWaitMs?: number;
  /** Live updates: this instance's LISTEN on ticket changes; absent means pages only poll. */
  ticketFeed?: TicketFeed;
  /** How emails and texts leave (built from Config); absent means captured into the database. */
  transports?: Transports;
};

export type AppEnv = {
  Variables: {
    requestId: string;
    actor: Actor | null;
    session: Session | null;
    csrf: string;
    /** The menu's counts read with the session (src/web/context.ts); null when the page must count them itself. */
    menu: MenuContext | null;
  };
};
