import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestContext, type TestContext } from '../support/context.ts';
import { openPostgres } from '../../src/db/database.ts';
import { drainOutbox } from '../../src/messaging/dispatcher.ts';
import { capturedTransports } from '../../src/messaging/transports.ts';
import { runAppointmentReminders } from '../../src/reminders/reminders.ts';
import { onPostgres, POSTGRES_ONLY } from '../support/postgres-only.ts';
import { makeAppointment, makePatient, makePractice, outboxFor } from './fixtures.ts';

// The reminder run writes set-based, one insert … select per chunk of 100 practices, keyed by
// appointment, channel and start time (docs/rules.md, Appointment reminders and Delivery): whatever
// runs again, or at the same time on another instance, queues nothing twice.

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext({ seed: false });
});
afterAll(() => t.close());
beforeEach(async () => {
  await t.db.deleteFrom('appointment_reply_links').execute();
  await t.db.deleteFrom('outbox_messages').execute();
  await t.db.deleteFrom('appointments').execute();
});

/** One patient with a phone and an email, and an appointment, in each of `n` new practices. */
async function practicesWithAppointments(n: number, startsAt: string) {
  for (let i = 0; i < n; i++) {
    const practice = await makePractice(t.db, { leadHours: 24 });
    const patient = await makePatient(t.db, practice);
    await makeAppointment(t.db, practice, patient, new Date(Date.parse(startsAt) + (i % 30) * 60_000));
  }
}

const keys = async () => (await outboxFor(t.db, 'appointment_reminder')).map((r) => r.dedupe_key).sort();

describe('appointment reminders: set-based run', () => {
  it('queues nothing new when it runs again, before or after the reminders were sent or cancelled', async () => {
    // More practices than one chunk holds.
    await practicesWithAppointments(130, '2026-11-25T16:00:00Z');
    t.clock.set('2026-11-24T16:00:00Z');
    // Due within 15 minutes: the appointments at 16:00–16:15 the next day, 74 of the 130, on two channels.
    expect(await runAppointmentReminders(t.db, t.clock.now(), t.config.publicUrl)).toBe(148);
    const first = await keys();
    expect(await runAppointmentReminders(t.db, t.clock.now(), t.config.publicUrl)).toBe(0);
    t.clock.set('2026-11-24T16:30:00Z');
    expect(await runAppointmentReminders(t.db, t.clock.now(), t.config.publicUrl)).toBe(260 - 148);
    const all = await keys();
    expect(all).toHaveLength(260);
    expect(all).toEqual(expect.arrayContaining(first));

    // Sent, or cancelled because the appointment was, they stay sent once.
    await drainOutbox(t.db, t.clock.now(), capturedTransports, { batch: 500 });
    await sql`update appointments set status = 'cancelled' where id in (select id from appointments order by id limit 10)`.execute(t.db);
    t.clock.set('2026-11-24T16:45:00Z');
    expect(await runAppointmentReminders(t.db, t.clock.now(), t.config.publicUrl)).toBe(0);
    expect(await keys()).toEqual(all);
    const statuses = await t.db.selectFrom('outbox_messages').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).where('kind', '=', 'appointment_reminder').groupBy('status').execute();
    expect(statuses.map((s) => [s.status, Number(s.n)])).toEqual([['delivered', 260]]);
    expect(await t.db.selectFrom('appointment_reply_links').select('id').execute()).toHaveLength(130);
  });

  it.skipIf(!onPostgres)(`queues each reminder once when two instances run at once over several chunks ${POSTGRES_ONLY}`, async () => {
    await practicesWithAppointments(150, '2026-11-25T16:00:00Z');
    t.clock.set('2026-11-24T17:00:00Z');
    // Two instances: each its own pool on the real server, started at the same moment, twice over.
    const a = await openPostgres(t.url!, 4);
    const b = await openPostgres(t.url!, 4);
    try {
      for (let round = 0; round < 2; round++) {
        const results = await Promise.all([
          runAppointmentReminders(a.db, t.clock.now(), t.config.publicUrl),
          runAppointmentReminders(b.db, t.clock.now(), t.config.publicUrl),
        ]);
        expect(results.reduce((x, y) => x + y, 0)).toBe(round === 0 ? 300 : 0);
      }
    } finally {
      await a.close();
      await b.close();
    }
    const all = await keys();
    expect(all).toHaveLength(300);
    expect(new Set(all).size).toBe(300);
  });
});
