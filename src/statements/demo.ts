import type { Database } from '../db/database.ts';
import type { DemoWorld } from '../demo/seed.ts';
import { runStatements } from './statements.ts';
import { PUBLIC_URL_PLACEHOLDER } from '../messaging/public-url.ts';

// The demo's statements: one patient with an alternate statement address (mailed there), one who
// receives statements electronically, and the first run of the statements job, so the Statements
// tab and the vendor's print batch have something on first start. Electronic statement links
// hold the public-URL placeholder, resolved when the email is sent or shown (src/messaging/public-url.ts);
// mailed ones get their links when the batch is downloaded.
const DEMO_PUBLIC_URL = PUBLIC_URL_PLACEHOLDER;

export async function seedStatementsDemo(db: Database, now: Date, world: DemoWorld): Promise<void> {
  const alt = world.patients['riverside-1014'];
  if (alt) {
    await db
      .updateTable('patients')
      .set({ alt_address_line1: 'PO Box 4410', alt_city: 'Springfield', alt_state: 'IL', alt_postal_code: '62708' })
      .where('id', '=', alt)
      .execute();
  }
  const electronic = world.patients['riverside-1011'];
  if (electronic) await db.updateTable('patients').set({ statement_delivery: 'electronic' }).where('id', '=', electronic).execute();
  await runStatements(db, now, DEMO_PUBLIC_URL);
}
