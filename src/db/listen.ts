import pg from 'pg';
import type { PGlite } from '@electric-sql/pglite';
import type { Logger } from '../logger.ts';

/** Where notifications come from: the PostgreSQL server at url, or the embedded database. */
export type ListenSource = { url: string } | { pglite: PGlite };

/**
 * LISTEN on one channel, calling deliver with each notification's payload. On PostgreSQL a dedicated
 * client (not a pooled one: LISTEN belongs to one connection) that reconnects after a failure; on
 * embedded PGlite its own listen(), which sees the single instance's commits. A notification sent
 * while the connection was down is not seen: listeners also look on a timer where it matters.
 */
export async function listenChannel(
  source: ListenSource,
  channel: string,
  deliver: (payload: string | undefined) => void,
  logger: Logger,
  what: string,
): Promise<{ stop(): Promise<void> }> {
  if (!/^[a-z_]+$/.test(channel)) throw new Error(`not a channel name: ${channel}`);
  if ('pglite' in source) {
    const unlisten = await source.pglite.listen(channel, deliver);
    return { stop: async () => unlisten() };
  }
  let closed = false;
  let client: pg.Client | null = null;
  let retry: NodeJS.Timeout | null = null;
  const connect = async () => {
    const c = new pg.Client({ connectionString: source.url, application_name: `strata-${channel}` });
    c.on('notification', (n) => deliver(n.payload));
    c.on('error', (err) => {
      if (client !== c) return; // a failed connect is retried below
      logger.warn({ err: { message: err.message } }, `${what}: listener connection lost`);
      client = null;
      void c.end().catch(() => {});
      if (!closed) retry = setTimeout(() => void connect(), RECONNECT_MS);
    });
    try {
      await c.connect();
      await c.query(`listen ${channel}`);
      if (closed) return void (await c.end());
      client = c;
    } catch (err) {
      logger.warn({ err: { message: (err as Error).message } }, `${what}: cannot listen, retrying`);
      void c.end().catch(() => {});
      if (!closed) retry = setTimeout(() => void connect(), RECONNECT_MS);
    }
  };
  await connect();
  return {
    async stop() {
      closed = true;
      if (retry) clearTimeout(retry);
      await client?.end().catch(() => {});
    },
  };
}

const RECONNECT_MS = 2_000;
