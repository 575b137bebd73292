import { loadConfig } from '../config.ts';
import { openConfiguredDatabase } from '../boot.ts';
import { migrateToLatest } from './migrate.ts';

const config = loadConfig({ ...process.env, APP_SECRET: process.env.APP_SECRET || 'x'.repeat(32) });
const { db, close } = await openConfiguredDatabase(config);
const result = await migrateToLatest(db);
for (const r of result.results ?? []) console.log(`${r.status}: ${r.migrationName}`);
if (!result.results?.length) console.log('Already up to date.');
await close();
