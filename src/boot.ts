import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Config } from './config.ts';
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
