import { loadConfig } from '../config.ts';
import { systemClock } from '../clock.ts';
import { openConfiguredDatabase } from '../boot.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { seedDemo } from './seed.ts';

const config = loadConfig({ ...process.env, APP_SECRET: process.env.APP_SECRET || 'x'.repeat(32) });
const { db, close } = await openConfiguredDatabase(config);
await migrateToLatest(db);
console.log((await seedDemo(db, systemClock.now())) ? 'Demo data loaded.' : 'Demo data was already loaded; nothing changed.');
await close();
