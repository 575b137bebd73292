import pg from 'pg';
import type { PGlite } from '@electric-sql/pglite';
import type { Logger } from '../logger.ts';
import { TICKET_CHANGES_CHANNEL } from '../tickets/events.ts';

// Live updates, the instance's side (docs/rules.md, "Live updates"): one LISTEN per instance on
// the channel recordTicketEvents notifies, fanned out in process to the open event streams. On
// PostgreSQL a dedicated client (not a pooled one: LISTEN belongs to one connection), reconnecting
// after a failure; on embedded PGlite its own listen(), which sees the single instance's commits.

export type TicketChange = { practiceId: number; ticketId: number };

export type TicketFeed = {
  /** Calls fn for each committed change of any thread; returns the unsubscribe. */
  subscribe(fn: (change: TicketChange) => void): () => void;
  /** Calls fn once when the feed closes (shutdown): open streams end so the server can stop. */
  onClose(fn: () => void): () => void;
  close(): Promise<void>;
};

const RECONNECT_MS = 2_000;

export async function startTicketFeed(source: { url: string } | { pglite: PGlite }, logger: Logger): Promise<TicketFeed> {
  const listeners = new Set<(change: TicketChange) => void>();
  const closers = new Set<() => void>();
  let closed = false;
  const deliver = (payload: string | undefined) => {
    const change = parseChange(payload);
    if (change) for (const fn of listeners) fn(change);
  };

  let stop: () => Promise<void>;
  if ('pglite' in source) {
    const unlisten = await source.pglite.listen(TICKET_CHANGES_CHANNEL, deliver);
    stop = async () => unlisten();
  } else {
    let client: pg.Client | null = null;
    let retry: NodeJS.Timeout | null = null;
    const connect = async () => {
      const c = new pg.Client({ connectionString: source.url, application_name: 'strata-live' });
      c.on('notification', (n) => deliver(n.payload));
      c.on('error', (err) => {
        if (client !== c) return; // a failed connect is retried below
        logger.warn({ err: { message: err.message } }, 'live updates: listener connection lost');
        client = null;
        void c.end().catch(() => {});
        if (!closed) retry = setTimeout(() => void connect(), RECONNECT_MS);
      });
      try {
        await c.connect();
        await c.query(`listen ${TICKET_CHANGES_CHANNEL}`);
        if (closed) return void (await c.end());
        client = c;
      } catch (err) {
        logger.warn({ err: { message: (err as Error).message } }, 'live updates: cannot listen, retrying');
        void c.end().catch(() => {});
        if (!closed) retry = setTimeout(() => void connect(), RECONNECT_MS);
      }
    };
    await connect();
    stop = async () => {
      if (retry) clearTimeout(retry);
      await client?.end().catch(() => {});
    };
  }

  return {
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    onClose(fn) {
      closers.add(fn);
      return () => closers.delete(fn);
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const fn of closers) fn();
      listeners.clear();
      await stop();
    },
  };
}

function parseChange(payload: string | undefined): TicketChange | null {
  const m = /^(\d+):(\d+)$/.exec(payload ?? '');
  return m ? { practiceId: Number(m[1]), ticketId: Number(m[2]) } : null;
}
