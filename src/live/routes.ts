import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { AppDeps, AppEnv } from '../web/types.ts';
import { currentActor } from '../web/http.ts';
import { requireCapability, requireStaff } from '../web/guards.ts';
import { recheckLiveActor, visibleChangedTickets } from './stream.ts';

// GET /live/tickets: a server-sent event stream telling the page which visible threads changed
// ("ticket-changed", the id). The page then fetches its own fragments with its own session
// (views: hx-trigger="ticket-changed from:body, every 30s"; the polling is the fallback).

/** How often an idle stream re-checks the session and sends a keep-alive comment. */
export const LIVE_RECHECK_MS = 20_000;

export function liveRoutes(deps: AppDeps) {
  const { db, clock, config } = deps;
  const app = new Hono<AppEnv>();
  app.get('/live/tickets', requireStaff, requireCapability('tickets.use'), (c) => {
    const feed = deps.ticketFeed;
    if (!feed) return c.body(null, 204); // no live feed here: the pages poll
    let actor = currentActor(c);
    const sessionId = c.get('session')!.id;
    const policy = { idleMs: config.sessionIdleMs, maxMs: config.sessionMaxMs };
    c.header('Cache-Control', 'no-store');
    return streamSSE(c, async (stream) => {
      const pending = new Set<number>();
      let open = true;
      let wake: (() => void) | null = null;
      const nudge = () => wake?.();
      const unsubscribe = feed.subscribe((change) => {
        if (change.practiceId !== actor.practice_id) return;
        pending.add(change.ticketId);
        nudge();
      });
      const end = () => {
        open = false;
        nudge();
      };
      const unClose = feed.onClose(end);
      stream.onAbort(end);
      try {
        await stream.write(': connected\n\n');
        while (open) {
          let timer: NodeJS.Timeout | undefined;
          await new Promise<void>((resolve) => {
            wake = resolve;
            timer = setTimeout(resolve, LIVE_RECHECK_MS);
            if (pending.size || !open) resolve();
          });
          clearTimeout(timer);
          wake = null;
          if (!open) break;
          const fresh = await recheckLiveActor(db, actor, sessionId, clock.now(), policy);
          if (!fresh) {
            await stream.writeSSE({ event: 'session-ended', data: '' });
            break;
          }
          actor = fresh;
          const changed = [...pending];
          pending.clear();
          const visible = await visibleChangedTickets(db, actor, changed);
          for (const id of visible) await stream.writeSSE({ event: 'ticket-changed', data: String(id) });
          if (!changed.length) await stream.write(': keep-alive\n\n');
        }
      } finally {
        unsubscribe();
        unClose();
      }
    });
  });
  return app;
}
