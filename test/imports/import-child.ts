// An import worker in its own process, for the kill -9 test: claims imports on PostgreSQL with the
// system clock and works them until killed. argv: databaseUrl leaseMs
import { openPostgres } from '../../src/db/database.ts';
import { runImports } from '../../src/imports/imports.ts';
import { systemClock } from '../../src/clock.ts';

const [databaseUrl, leaseMs] = process.argv.slice(2);
const { db } = await openPostgres(databaseUrl!, 2);
process.stdout.write('ready\n');
for (;;) {
  const n = await runImports(db, systemClock, { workerId: `child-${process.pid}`, leaseMs: Number(leaseMs) });
  if (n === 0) await new Promise((res) => setTimeout(res, 20));
}
