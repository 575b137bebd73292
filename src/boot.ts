import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { serve, type ServerType } from '@hono/node-server';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { ConfigError, type Config } from './config.ts';
import type { Logger } from './logger.ts';
import { openPGlite, openPostgres, type OpenedDatabase } from './db/database.ts';

/** The configured database: the server at DATABASE_URL, else embedded PGlite in DATA_DIR. */
export async function openConfiguredDatabase(config: Config): Promise<OpenedDatabase> {
  if (config.databaseUrl) return openPostgres(config.databaseUrl, config.databasePoolSize);
  await mkdir(config.dataDir, { recursive: true });
  return openPGlite({ dataDir: path.join(config.dataDir, 'pglite') });
}

/** APP_SECRET from config, or (embedded mode only) one generated once and kept in the data folder. */
export async function resolveAppSecret(config: Config): Promise<Config> {
  if (config.appSecret) return config;
  const file = path.join(config.dataDir, 'app-secret');
  await mkdir(config.dataDir, { recursive: true });
  let secret: string;
  try {
    secret = (await readFile(file, 'utf8')).trim();
  } catch {
    secret = randomBytes(32).toString('base64url');
    await writeFile(file, secret + '\n', { mode: 0o600 });
  }
  return { ...config, appSecret: secret };
}

/**
 * The settings a process starts with, read by `read` (the Config and whatever is derived from it); a
 * ConfigError stops the process with one line naming the setting (every entry point: server, cluster,
 * jobs process).
 */
export async function settingsOrExit<T>(read: () => T | Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Configuration error: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
}

/**
 * Serves `fetch` on the configured port. An idle keep-alive connection stays open for KEEP_ALIVE_SECONDS
 * (65 s by default), not Node's 5 s: a load balancer keeps its connections to the app open for its own
 * idle timeout (60 s on an AWS ALB) and reuses them, and a connection the app closes first can take a
 * request with it in the instant it closes (the client sees a reset or a 502). The header timeout is
 * set just above it, as Node's guidance for the two is.
 */
export function listen(fetch: (request: Request) => Response | Promise<Response>, config: Config, onListening?: (port: number) => void): ServerType {
  const server = serve({ fetch, port: config.port }, (info) => onListening?.(info.port));
  (server as Server).keepAliveTimeout = config.keepAliveMs;
  (server as Server).headersTimeout = config.keepAliveMs + 1_000;
  return server;
}

/**
 * On SIGTERM or SIGINT, runs `stop` once (the process's own order of closing), then exits 0; a stop
 * that takes over 15 s exits 1.
 */
export function exitOnSignal(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    await stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
