import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openTestDatabase } from '../support/db.ts';
import { ManualClock } from '../../src/clock.ts';
import type { Database } from '../../src/db/database.ts';
import { nextTextWindow } from '../../src/messaging/quiet-hours.ts';
import { dispatchDue } from '../../src/messaging/dispatcher.ts';
import { enqueueMessage } from '../../src/messaging/outbox.ts';
import { capturedTransports } from '../../src/messaging/transports.ts';

describe('the text window, 08:00–21:00 in the practice time zone', () => {
  it('is open by day and names the next 08:00 by night, on either side of midnight', () => {
    // 15:00Z is 09:00 in Chicago (CST, UTC-6).
    expect(nextTextWindow(new Date('2026-11-23T15:00:00Z'), 'America/Chicago')).toBeNull();
    // 03:30Z is 21:30 the day before in Chicago: wait until 08:00 local = 14:00Z.
    expect(nextTextWindow(new Date('2026-11-24T03:30:00Z'), 'America/Chicago')).toEqual(new Date('2026-11-24T14:00:00Z'));
    // 12:59Z is 06:59 in Chicago: the same local day's 08:00.
    expect(nextTextWindow(new Date('2026-11-24T12:59:00Z'), 'America/Chicago')).toEqual(new Date('2026-11-24T14:00:00Z'));
    expect(nextTextWindow(new Date('2026-11-24T14:00:00Z'), 'America/Chicago')).toBeNull();
    expect(nextTextWindow(new Date('2026-11-25T02:59:59Z'), 'America/Chicago')).toBeNull(); // 20:59:59
    expect(nextTextWindow(new Date('2026-11-25T03:00:00Z'), 'America/Chicago')).toEqual(new Date('2026-11-25T14:00:00Z'));
  });

  it('one instant is open in one time zone and closed in another', () => {
    const at = new Date('2026-11-23T14:30:00Z'); // 08:30 Chicago, 07:30 Denver
    expect(nextTextWindow(at, 'America/Chicago')).toBeNull();
    expect(nextTextWindow(at, 'America/Denver')).toEqual(new Date('2026-11-23T15:00:00Z'));
  });

  it('accounts for the DST change between tonight and tomorrow 08:00', () => {
    // US clocks fall back on 2026-11-01 at 02:00. 22:00 CDT on Oct 31 is 03:00Z Nov 1; next 08:00 is CST (UTC-6) = 14:00Z.
    expect(nextTextWindow(new Date('2026-11-01T03:00:00Z'), 'America/Chicago')).toEqual(new Date('2026-11-01T14:00:00Z'));
    // Spring forward 2026-03-08: 22:00 CST Mar 7 = 04:00Z Mar 8; next 08:00 is CDT (UTC-5) = 13:00Z.
    expect(nextTextWindow(new Date('2026-03-08T04:00:00Z'), 'America/Chicago')).toEqual(new Date('2026-03-08T13:00:00Z'));
  });
});

describe('the dispatcher and quiet hours', () => {
  let db: Database;
  let close: () => Promise<void>;
  let chicago: number;
  let denver: number;
  beforeAll(async () => {
    const opened = await openTestDatabase();
    db = opened.db;
    close = opened.close;
    const insert = async (name: string, tz: string) => (await sql<{ id: number }>`insert into practices (name, phone, time_zone, go_live_on) values (${name}, '(555) 010-0000', ${tz}, '2026-01-01') returning id`.execute(db)).rows[0]!.id;
    chicago = await insert('Chicago PT', 'America/Chicago');
    denver = await insert('Denver PT', 'America/Denver');
  });
  afterAll(() => close());

  const queue = (practiceId: number, channel: 'sms' | 'email', key: string, now: Date) =>
    enqueueMessage(db, now, { practiceId, kind: 'test_notice', channel, recipient: channel === 'sms' ? '+15550100199' : 'x@example.com', body: 'Hi', dedupeKey: key });
  const status = async (key: string) => db.selectFrom('outbox_messages').select(['status', 'next_attempt_at', 'attempts']).where('dedupe_key', '=', key).executeTakeFirstOrThrow();

  it('defers a text due at night to the next 08:00 (not dropped), sends email at once, and sends the text when the window opens', async () => {
    const clock = new ManualClock('2026-11-24T04:00:00Z'); // 22:00 Chicago, 21:00 Denver
    await queue(chicago, 'sms', 'night-sms-chi', clock.now());
    await queue(denver, 'sms', 'night-sms-den', clock.now());
    await queue(chicago, 'email', 'night-email', clock.now());
    const r = await dispatchDue(db, clock.now(), capturedTransports);
    expect(r).toMatchObject({ deferred: 2, sent: 1 });
    expect(await status('night-email')).toMatchObject({ status: 'delivered' });
    expect(await status('night-sms-chi')).toMatchObject({ status: 'queued', attempts: 0, next_attempt_at: new Date('2026-11-24T14:00:00Z') });
    expect(await status('night-sms-den')).toMatchObject({ status: 'queued', next_attempt_at: new Date('2026-11-24T15:00:00Z') });

    clock.set('2026-11-24T14:00:00Z'); // 08:00 Chicago, 07:00 Denver
    expect((await dispatchDue(db, clock.now(), capturedTransports)).sent).toBe(1);
    expect((await status('night-sms-chi')).status).toBe('delivered');
    expect((await status('night-sms-den')).status).toBe('queued');
    clock.set('2026-11-24T15:00:00Z');
    await dispatchDue(db, clock.now(), capturedTransports);
    expect((await status('night-sms-den')).status).toBe('delivered');
  });

  it('answers to a STOP or HELP go at once, even at night', async () => {
    const clock = new ManualClock('2026-11-26T06:00:00Z'); // midnight in Chicago
    await enqueueMessage(db, clock.now(), { practiceId: chicago, kind: 'sms_stop_confirmation', channel: 'sms', recipient: '+15550100198', body: 'You are unsubscribed', dedupeKey: 'night-stop' });
    await dispatchDue(db, clock.now(), capturedTransports);
    expect((await status('night-stop')).status).toBe('delivered');
  });

  it('across the fall-back night, the deferred text goes at 08:00 standard time', async () => {
    const clock = new ManualClock('2026-11-01T03:30:00Z'); // 22:30 CDT Oct 31
    await queue(chicago, 'sms', 'dst-sms', clock.now());
    await dispatchDue(db, clock.now(), capturedTransports);
    expect(await status('dst-sms')).toMatchObject({ status: 'queued', next_attempt_at: new Date('2026-11-01T14:00:00Z') });
    clock.set('2026-11-01T13:00:00Z'); // 07:00 CST: an hour-naive computation would already send
    expect((await dispatchDue(db, clock.now(), capturedTransports)).claimed).toBe(0);
    clock.set('2026-11-01T14:00:00Z');
    await dispatchDue(db, clock.now(), capturedTransports);
    expect((await status('dst-sms')).status).toBe('delivered');
  });
});
