import { sql } from 'kysely';
import type { Database } from '../src/db/database.ts';
import { handleInboundSms } from '../src/messaging/inbound.ts';

// A text back at scale: HELP from 50 patients' mobile numbers, each answered as a Twilio webhook
// would have it answered (the patients with that number, their practices, one reply queued). HELP
// changes nothing but the reply it queues, which is deleted afterwards. bench/run.ts calls measure()
// (`--only inbound`).

const TEXTS = 50;

export async function measure(db: Database): Promise<{ ms: number; rows: number; note: string }> {
  const { rows: numbers } = await sql<{ phone: string }>`
    select mobile_phone as phone from patients where mobile_phone is not null and id % 19997 = 7 order by id limit ${TEXTS}`.execute(db);
  const run = `bench-help-${Date.now()}`;
  const times: number[] = [];
  try {
    for (const [i, { phone }] of numbers.entries()) {
      const t = performance.now();
      const r = await handleInboundSms(db, new Date(), { from: phone, to: '+15550009999', body: 'HELP', messageSid: `${run}-${i}` });
      times.push(performance.now() - t);
      if (!r.practices.length) throw new Error(`no patient found for ${phone}`);
    }
  } finally {
    await sql`delete from outbox_messages where dedupe_key like ${`sms-help:${run}-%`}`.execute(db);
  }
  times.sort((a, b) => a - b);
  const p50 = times[Math.floor(times.length / 2)]!;
  const worst = times[times.length - 1]!;
  return { ms: Math.round(p50 * 100) / 100, rows: times.length, note: `HELP from ${times.length} numbers, each found among the patients and answered: p50 ${p50.toFixed(2)} ms, worst ${worst.toFixed(2)} ms` };
}
