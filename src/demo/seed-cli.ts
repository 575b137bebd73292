import { loadToolConfig } from '../config.ts';
import { systemClock } from '../clock.ts';
import { openConfiguredDatabase } from '../boot.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { seedDemo } from './seed.ts';

const config = loadToolConfig();
const { db, close } = await openConfiguredDatabase(config);
await migrateToLatest(db);
console.log((await seedDemo(db, systemClock.now())) ? 'Demo data loaded.' : 'Demo data was already loaded; nothing changed.');
await close();
