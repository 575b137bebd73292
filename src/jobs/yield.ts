/**
 * Heavy work takes turns with everything else on the event loop (docs/rules.md, "Background work").
 *
 * `yieldToEventLoop()` lets timers and I/O (the health check, other people's requests) run before the
 * caller goes on. The embedded database runs in this thread, so its queries block it: work over many
 * rows is done in chunks with a turn of the event loop between them.
 *
 * `heavyWorkTurn()` is the same for background work, and more: however many heavy jobs run at once
 * (an import, an alert run, a print batch, reports), **one** of them resumes per turn of the loop, in
 * the order they asked. With a plain `setImmediate` each, every waiting job ran its chunk in the same
 * turn, so a request arriving meanwhile waited for all of them (an import's slice, a statement's PDF
 * page and a report's 500 rows in one 52 ms delay of the stall bench). Now it waits for one chunk at
 * most; the jobs share what the pages leave. With 16 reports at once, /healthz at p50 went from 21 to
 * 7 ms (docs/performance-log.md, "Session twenty-four: the probe's first request, …").
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

const waiting: (() => void)[] = [];
let turnScheduled = false;

/** Resumes the longest-waiting job; a job that asks again meanwhile waits for the next turn. */
function nextTurn(): void {
  const resume = waiting.shift();
  // Scheduled from inside a check-phase callback, the next turn runs after the next poll for I/O.
  if (waiting.length) setImmediate(nextTurn);
  else turnScheduled = false;
  resume?.();
}

export function heavyWorkTurn(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    if (!turnScheduled) {
      turnScheduled = true;
      setImmediate(nextTurn);
    }
  });
}
