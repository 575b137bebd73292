import { loadToolConfig } from '../config.ts';
import { openConfiguredDatabase } from '../boot.ts';
import { migrateToLatest } from './migrate.ts';

const config = loadToolConfig();
const { db, close } = await openConfiguredDatabase(config);
const result = await migrateToLatest(db);
for (const r of result.results ?? []) console.log(`${r.status}: ${r.migrationName}`);
if (!result.results?.length) console.log('Already up to date.');
await close();
