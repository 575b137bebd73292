// A dispatcher in its own process, for the kill -9 test: drains the outbox to a fake Resend with
// the system clock until killed. argv: databaseUrl resendUrl apiKey leaseMs
import { openPostgres } from '../../src/db/database.ts';
import { dispatchDue } from '../../src/messaging/dispatcher.ts';
import { resendTransport, capturedTransport } from '../../src/messaging/transports.ts';

const [databaseUrl, resendUrl, apiKey, leaseMs] = process.argv.slice(2);
const { db } = await openPostgres(databaseUrl!, 4);
const transports = { email: resendTransport({ apiKey: apiKey!, baseUrl: resendUrl!, from: 'test@example.com' }), sms: capturedTransport };
process.stdout.write('ready\n');
for (;;) {
  const r = await dispatchDue(db, new Date(), transports, { batch: 40, leaseMs: Number(leaseMs), workerId: `child-${process.pid}`, concurrency: 4 });
  if (r.claimed === 0) await new Promise((res) => setTimeout(res, 50));
}
