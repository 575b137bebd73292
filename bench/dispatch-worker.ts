// One dispatcher process for the throughput benchmark: drains the outbox with the captured transport
// (no network), exactly as the outbox-dispatch job does, until nothing is due. Prints rows handled.
import { openPostgres } from '../src/db/database.ts';
import { drainOutbox } from '../src/messaging/dispatcher.ts';
import { capturedTransports } from '../src/messaging/transports.ts';

const opened = await openPostgres(process.env.DATABASE_URL!, 4);
let handled = 0;
for (;;) {
  const n = await drainOutbox(opened.db, new Date(), capturedTransports, { maxBatches: 10 });
  handled += n;
  if (n === 0) break;
}
await opened.close();
process.stdout.write(String(handled) + '\n');
