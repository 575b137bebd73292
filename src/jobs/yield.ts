/**
 * Lets timers and I/O (the health check, other people's requests) run between chunks of heavy work.
 * The embedded database runs in this thread, so its queries block it: work over many rows is done in
 * chunks with a turn of the event loop between them.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
