import { listenChannel, type ListenSource } from '../db/listen.ts';
import type { Logger } from '../logger.ts';
import { TICKET_CHANGES_CHANNEL } from '../tickets/events.ts';

// Live updates, the instance's side (docs/rules.md, "Live updates"): one LISTEN per instance on
// the channel recordTicketEvents notifies (listenChannel), fanned out in process to the open event streams.

export type TicketChange = { practiceId: number; ticketId: number };

export type TicketFeed = {
  /** Calls fn for each committed change of any thread; returns the unsubscribe. */
  subscribe(fn: (change: TicketChange) => void): () => void;
  /** Calls fn once when the feed closes (shutdown): open streams end so the server can stop. */
  onClose(fn: () => void): () => void;
  close(): Promise<void>;
};

export async function startTicketFeed(source: ListenSource, logger: Logger): Promise<TicketFeed> {
  const listeners = new Set<(change: TicketChange) => void>();
  const closers = new Set<() => void>();
  let closed = false;
  const deliver = (payload: string | undefined) => {
    const change = parseChange(payload);
    if (change) for (const fn of listeners) fn(change);
  };

  const listener = await listenChannel(source, TICKET_CHANGES_CHANNEL, deliver, logger, 'live updates');

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
      await listener.stop();
    },
  };
}

function parseChange(payload: string | undefined): TicketChange | null {
  const m = /^(\d+):(\d+)$/.exec(payload ?? '');
  return m ? { practiceId: Number(m[1]), ticketId: Number(m[2]) } : null;
}
