import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { dueBalanceAlertsQuery, explainBalanceAlertBatch, runBalanceAlerts } from '../../src/balance-alerts/alerts.ts';
import { alertDates, makePatient, post, setFrequency, subscribe } from './fixtures.ts';
import pg from 'pg';
import { onPostgres, POSTGRES_ONLY } from '../support/postgres-only.ts';

// Each subscribed pair's next check (docs/rules.md, Balance alerts, "Which pairs a run looks at"). A run
// reads only the pairs whose balance_alert_checks row has come, so that time must never be later than
// when the rule makes the pair due, and a pair without a row must have nothing that can make it due.
// Here every kind of change that can make a pair due sooner is made after a run has raised or parked
// the pair, and the selection (which reads the checks) is held equal to the rule alone (every
// subscription read), now and at later moments.

const URL = 'http://localhost:3000';
const DAY = 86_400_000;
let t: TestContext;
let chicago: number;

beforeAll(async () => {
  t = await createTestContext({ seed: false, now: '2026-11-23T15:00:00Z' }); // 09:00 in Chicago
  chicago = await practice('Riverside Physical Therapy', 'America/Chicago', 'biweekly');
});
afterAll(() => t.close());

async function practice(name: string, time_zone: string, frequency: 'biweekly' | 'monthly' | 'off') {
  const row = await t.db
    .insertInto('practices')
    .values({ name, phone: '(555) 010-2000', time_zone, go_live_on: '2026-01-01', hypercare_days: 60, balance_alert_frequency: frequency })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

type Pair = { patient_id: number; channel: string };
const key = (p: Pair) => `${p.patient_id}:${p.channel}`;

async function due(at: Date, everyPair: boolean): Promise<string[]> {
  const { rows } = await dueBalanceAlertsQuery(at, { everyPair }).execute(t.db);
  return rows.map((r) => key({ patient_id: Number(r.patient_id), channel: r.channel })).sort();
}

/** The selection through the checks equals the rule, now and at later moments (nothing changing meanwhile). */
async function expectSelectionIsTheRule(laterDays = [1, 13, 14, 15, 31, 59, 61], { now = true } = {}) {
  for (const at of [...(now ? [t.clock.now()] : []), ...laterDays.map((d) => new Date(t.clock.now().getTime() + d * DAY))]) {
    expect(await due(at, false), `at ${at.toISOString()}`).toEqual(await due(at, true));
  }
}

async function dueNow(p: { patientId: number }): Promise<string[]> {
  return (await due(t.clock.now(), true)).filter((k) => k.startsWith(`${p.patientId}:`));
}

/** The pair's next check, or 'never' when it has no row (nothing can make it due until something changes). */
async function nextCheck(p: { patientId: number }, channel: string): Promise<string> {
  const row = await t.db
    .selectFrom('balance_alert_checks')
    .select(sql<string>`next_at::text`.as('at'))
    .where('patient_id', '=', p.patientId)
    .where('channel', '=', channel as 'sms')
    .executeTakeFirst();
  return row?.at ?? 'never';
}

async function waitingNow(): Promise<number> {
  const row = await t.db.selectFrom('balance_alert_checks').select((eb) => eb.fn.countAll().as('n')).where('next_at', '<=', t.clock.now()).executeTakeFirstOrThrow();
  return Number(row.n);
}

async function run() {
  await runBalanceAlerts(t.db, t.clock.now(), URL);
}

describe('the next check a run leaves on each pair', () => {
  it('alerted: when the cadence allows the next; nothing to alert: never; everything examined is raised past now', async () => {
    const alerted = await makePatient(t, { practiceId: chicago });
    await subscribe(t, alerted, 'email');
    await post(t, alerted, 'responsibility', 5_000);
    const nothingOwed = await makePatient(t, { practiceId: chicago });
    await subscribe(t, nothingOwed, 'sms');
    expect(await nextCheck(alerted, 'email')).toBe('-infinity');
    await run();
    expect(await alertDates(t, alerted.patientId, 'email')).toEqual(['2026-11-23']);
    expect(new Date(await nextCheck(alerted, 'email')).toISOString()).toBe('2026-12-07T15:00:00.000Z');
    expect(await nextCheck(nothingOwed, 'sms')).toBe('never');
    expect(await waitingNow()).toBe(0);
    await expectSelectionIsTheRule();
  });

  it('a responsibility dated ahead: checked again at its date, and due then', async () => {
    const p = await makePatient(t, { practiceId: chicago });
    await subscribe(t, p, 'email');
    await post(t, p, 'responsibility', 3_000, new Date(t.clock.now().getTime() + 3 * DAY));
    await run();
    expect(new Date(await nextCheck(p, 'email')).toISOString()).toBe('2026-11-26T15:00:00.000Z');
    await expectSelectionIsTheRule([2, 3, 4]);
  });
});

describe('whatever can make a pair due sooner sets its next check back', () => {
  it('a responsibility for a patient who owed nothing (the ledger, through the balance)', async () => {
    const p = await makePatient(t, { practiceId: chicago });
    await subscribe(t, p, 'sms');
    await run();
    expect(await nextCheck(p, 'sms')).toBe('never');
    await post(t, p, 'responsibility', 2_000);
    expect(await dueNow(p)).toEqual([`${p.patientId}:sms`]);
    await expectSelectionIsTheRule();
  });

  it('a new responsibility after the 60 days ran out', async () => {
    const p = await makePatient(t, { practiceId: chicago });
    await subscribe(t, p, 'email');
    await post(t, p, 'responsibility', 3_000, new Date(t.clock.now().getTime() - 70 * DAY));
    await run();
    expect(await nextCheck(p, 'email')).toBe('never');
    await post(t, p, 'responsibility', 1_000);
    expect(await dueNow(p)).toEqual([`${p.patientId}:email`]);
    await expectSelectionIsTheRule();
  });

  it('STOP lifted by START', async () => {
    const p = await makePatient(t, { practiceId: chicago, phone: '+15550170001' });
    await subscribe(t, p, 'sms');
    await post(t, p, 'responsibility', 2_000);
    await t.db.insertInto('sms_opt_outs').values({ practice_id: chicago, phone: '+15550170001', opted_out_at: t.clock.now() }).execute();
    await run();
    expect(await nextCheck(p, 'sms')).toBe('never');
    await t.db.deleteFrom('sms_opt_outs').where('phone', '=', '+15550170001').execute();
    expect(await dueNow(p)).toEqual([`${p.patientId}:sms`]);
    await expectSelectionIsTheRule();
  });

  it('a bounce cleared, or a new address after a bounce', async () => {
    const cleared = await makePatient(t, { practiceId: chicago, email: 'cleared@example.org' });
    const moved = await makePatient(t, { practiceId: chicago, email: 'moved@example.org' });
    for (const p of [cleared, moved]) {
      await subscribe(t, p, 'email');
      await post(t, p, 'responsibility', 2_000);
    }
    await t.db
      .insertInto('email_suppressions')
      .values([
        { practice_id: chicago, patient_id: cleared.patientId, email: 'cleared@example.org', reason: 'bounced', at: t.clock.now() },
        { practice_id: chicago, patient_id: moved.patientId, email: 'moved@example.org', reason: 'complained', at: t.clock.now() },
      ])
      .execute();
    await run();
    expect([await nextCheck(cleared, 'email'), await nextCheck(moved, 'email')]).toEqual(['never', 'never']);
    await t.db.deleteFrom('email_suppressions').where('patient_id', '=', cleared.patientId).execute();
    await t.db.updateTable('patients').set({ email: 'new.home@example.org' }).where('id', '=', moved.patientId).execute();
    expect([...(await dueNow(cleared)), ...(await dueNow(moved))]).toEqual([`${cleared.patientId}:email`, `${moved.patientId}:email`]);
    await expectSelectionIsTheRule();
  });

  it('a mobile number added where there was none', async () => {
    const p = await makePatient(t, { practiceId: chicago, phone: null });
    await subscribe(t, p, 'sms');
    await post(t, p, 'responsibility', 2_000);
    await run();
    expect(await nextCheck(p, 'sms')).toBe('never');
    await t.db.updateTable('patients').set({ mobile_phone: '+15550170002' }).where('id', '=', p.patientId).execute();
    expect(await dueNow(p)).toEqual([`${p.patientId}:sms`]);
    await expectSelectionIsTheRule();
  });

  it("Don't Send turned back on; every month turned to every two weeks; the practice's time zone changed", async () => {
    const paused = await practice('Paused PT', 'America/Chicago', 'off');
    const monthly = await practice('Monthly PT', 'America/New_York', 'monthly');
    const a = await makePatient(t, { practiceId: paused });
    const b = await makePatient(t, { practiceId: monthly });
    const c = await makePatient(t, { practiceId: monthly });
    for (const p of [a, b, c]) {
      await subscribe(t, p, 'email');
      await post(t, p, 'responsibility', 2_000);
    }
    await run();
    expect(await nextCheck(a, 'email')).toBe('never');
    // b and c were alerted today; at day 20 the monthly cadence holds them back.
    t.clock.advanceDays(20);
    await run();
    expect(await dueNow(b)).toEqual([]);
    await setFrequency(t, paused, 'biweekly');
    await setFrequency(t, monthly, 'biweekly');
    expect([...(await dueNow(a)), ...(await dueNow(b))]).toEqual([`${a.patientId}:email`, `${b.patientId}:email`]);
    await expectSelectionIsTheRule();
    await run();
    await setFrequency(t, monthly, 'monthly');
    await t.db.updateTable('practices').set({ time_zone: 'Pacific/Honolulu' }).where('id', '=', monthly).execute();
    await expectSelectionIsTheRule([8, 9, 10, 11, 12, 30]);
  });

  it('the alert that set the cadence cancelled or deleted: due again, and queued on the next cycle day', async () => {
    const cancelled = await makePatient(t, { practiceId: chicago });
    const deleted = await makePatient(t, { practiceId: chicago });
    for (const p of [cancelled, deleted]) {
      await subscribe(t, p, 'email');
      await post(t, p, 'responsibility', 2_000);
    }
    await run();
    await t.db.updateTable('outbox_messages').set({ status: 'cancelled' }).where('patient_id', '=', cancelled.patientId).execute();
    await t.db.deleteFrom('outbox_messages').where('patient_id', '=', deleted.patientId).execute();
    expect([...(await dueNow(cancelled)), ...(await dueNow(deleted))]).toEqual([`${cancelled.patientId}:email`, `${deleted.patientId}:email`]);
    await expectSelectionIsTheRule();
    // The deleted one is queued again at once. The cancelled one's cycle key (one alert per patient, channel
    // and day) is taken: the run leaves it for the next day in Chicago, where the rule and the selection agree
    // again, and queues it then.
    await run();
    const today = t.clock.now().toISOString().slice(0, 10);
    expect(await alertDates(t, deleted.patientId, 'email')).toEqual([today]);
    expect(await alertDates(t, cancelled.patientId, 'email')).toEqual([today]);
    expect(new Date(await nextCheck(cancelled, 'email')).toISOString()).toBe(new Date(Date.parse(`${today}T06:00:00Z`) + DAY).toISOString()); // midnight in Chicago (UTC−6)
    await expectSelectionIsTheRule([1, 13, 14, 15], { now: false });
    t.clock.advanceDays(1);
    await run();
    expect(await alertDates(t, cancelled.patientId, 'email')).toEqual([today, t.clock.now().toISOString().slice(0, 10)]);
    await expectSelectionIsTheRule();
  });

  it('unsubscribed, then subscribed again', async () => {
    const p = await makePatient(t, { practiceId: chicago });
    await subscribe(t, p, 'sms');
    await post(t, p, 'responsibility', 2_000);
    expect(await nextCheck(p, 'sms')).toBe('-infinity');
    await subscribe(t, p, 'sms', false);
    expect(await nextCheck(p, 'sms')).toBe('never');
    await run();
    expect(await alertDates(t, p.patientId, 'sms')).toEqual([]);
    await subscribe(t, p, 'sms', true);
    expect(await nextCheck(p, 'sms')).toBe('-infinity');
    expect(await dueNow(p)).toEqual([`${p.patientId}:sms`]);
    await expectSelectionIsTheRule();
  });
});

describe('a check exists exactly for a subscribed pair', () => {
  it('subscriptions added in one statement each get one; an unsubscribed insert, a reminder subscription and a deleted subscription have none', async () => {
    const [a, b, c] = [await makePatient(t, { practiceId: chicago }), await makePatient(t, { practiceId: chicago }), await makePatient(t, { practiceId: chicago })];
    await t.db
      .insertInto('subscriptions')
      .values([
        { practice_id: chicago, patient_id: a.patientId, kind: 'balance_alert', channel: 'email', subscribed: true, updated_at: t.clock.now() },
        { practice_id: chicago, patient_id: a.patientId, kind: 'balance_alert', channel: 'sms', subscribed: true, updated_at: t.clock.now() },
        { practice_id: chicago, patient_id: b.patientId, kind: 'balance_alert', channel: 'email', subscribed: false, updated_at: t.clock.now() },
        { practice_id: chicago, patient_id: c.patientId, kind: 'appointment_reminder', channel: 'email', subscribed: true, updated_at: t.clock.now() },
      ])
      .execute();
    expect([await nextCheck(a, 'email'), await nextCheck(a, 'sms'), await nextCheck(b, 'email'), await nextCheck(c, 'email')]).toEqual(['-infinity', '-infinity', 'never', 'never']);
    await t.db.deleteFrom('subscriptions').where('patient_id', '=', a.patientId).where('channel', '=', 'sms').execute();
    expect([await nextCheck(a, 'email'), await nextCheck(a, 'sms')]).toEqual(['-infinity', 'never']);
    // Only for a balance-alert subscription, and only while there is one.
    await expect(
      t.db.insertInto('balance_alert_checks').values({ patient_id: b.patientId, channel: 'sms', next_at: t.clock.now() }).execute(),
    ).rejects.toThrow(/foreign key/);
    await expectSelectionIsTheRule([]);
  });
});

describe('the run', () => {
  it('examines the waiting pairs a batch at a time, with its progress on the Jobs page', async () => {
    const { currentWork } = await import('../../src/jobs/heartbeat.ts');
    const patients = [];
    for (let i = 0; i < 7; i++) {
      const p = await makePatient(t, { practiceId: chicago, phone: null });
      await subscribe(t, p, 'email');
      await post(t, p, 'responsibility', 1_000 + i);
      patients.push(p);
    }
    const waiting = await waitingNow();
    const batches = Math.ceil(waiting / 3);
    expect(batches).toBeGreaterThanOrEqual(3);
    const seen: { done: number; total: number }[] = [];
    let finished = false;
    const running = runBalanceAlerts(t.db, t.clock.now(), URL, { batch: 3 }).finally(() => (finished = true));
    while (!finished) {
      for (const w of currentWork()) if (w.kind === 'balance-alerts') seen.push({ done: w.done, total: w.total });
      await new Promise((r) => setImmediate(r));
    }
    await running;
    expect(new Set(seen.map((s) => s.total))).toEqual(new Set([batches]));
    expect(Math.max(...seen.map((s) => s.done))).toBe(batches);
    expect(seen.every((s, i) => s.done >= (seen[i - 1]?.done ?? 0))).toBe(true);
    expect(currentWork().filter((w) => w.kind === 'balance-alerts')).toEqual([]);
    for (const p of patients) expect(await alertDates(t, p.patientId, 'email')).toEqual([t.clock.now().toISOString().slice(0, 10)]);
    await expectSelectionIsTheRule();
  });
});

describe('how a batch is planned', () => {
  it('reads the checks, the outbox and the accounts by index even when their statistics say they are small or empty', async () => {
    // A first run starts on an empty outbox: planned from its statistics, each pair's last alert and
    // dedupe key would be a scan of the whole table, which the other lane fills meanwhile (quadratic).
    const subscribed = await makePatient(t, { practiceId: chicago, phone: null });
    await subscribe(t, subscribed, 'email');
    await sql`analyze outbox_messages, balance_alert_checks, patients, subscriptions`.execute(t.db);
    const plan = await explainBalanceAlertBatch(t.db, t.clock.now(), URL);
    expect(plan).toMatch(/Index.*Scan.*on outbox_messages/);
    expect(plan).toMatch(/Index.*Scan.*on balance_alert_checks/);
    expect(plan).not.toMatch(/Seq Scan on (outbox_messages|balance_alert_checks|patients)\b/);
  });
});

describe.skipIf(!onPostgres)(`each batch commits on its own ${POSTGRES_ONLY}`, () => {
  it('another connection sees the first batches queued while the run is still going', async () => {
    const patients = [];
    for (let i = 0; i < 12; i++) {
      const p = await makePatient(t, { practiceId: chicago, phone: null });
      await subscribe(t, p, 'email');
      await post(t, p, 'responsibility', 1_000 + i);
      patients.push(p.patientId);
    }
    const other = new pg.Client({ connectionString: t.url });
    await other.connect();
    const seenWhileRunning: number[] = [];
    try {
      let finished = false;
      const running = runBalanceAlerts(t.db, t.clock.now(), URL, { batch: 1 }).finally(() => (finished = true));
      while (!finished) {
        const { rows } = await other.query("select count(*)::int as n from outbox_messages where kind = 'balance_alert' and patient_id = any($1)", [patients]);
        if (!finished) seenWhileRunning.push(rows[0].n);
      }
      await running;
    } finally {
      await other.end();
    }
    // A run in one transaction would show nothing to another connection until it ended.
    expect(seenWhileRunning.some((n) => n > 0 && n < patients.length)).toBe(true);
    for (const id of patients) expect(await alertDates(t, id, 'email')).toHaveLength(1);
  });

  it("does not wait long for a pair another transaction holds: its lane stops, the other lane goes on, and the next run carries on", async () => {
    // The run splits pairs into two lanes by patient id (odd and even), each on its own connection.
    const held = await makePatient(t, { practiceId: chicago, phone: null });
    let sameLane = await makePatient(t, { practiceId: chicago, phone: null });
    let otherLane = await makePatient(t, { practiceId: chicago, phone: null });
    if (sameLane.patientId % 2 !== held.patientId % 2) [sameLane, otherLane] = [otherLane, sameLane];
    expect([sameLane.patientId % 2, otherLane.patientId % 2]).toEqual([held.patientId % 2, 1 - (held.patientId % 2)]);
    for (const p of [held, sameLane, otherLane]) {
      await subscribe(t, p, 'email');
      await post(t, p, 'responsibility', 2_000);
    }
    const other = new pg.Client({ connectionString: t.url });
    await other.connect();
    try {
      // Another transaction holds the held patient's check (as a payment's trigger setting it back does), and keeps it.
      await other.query('begin');
      await other.query('select 1 from balance_alert_checks where patient_id = $1 for update', [held.patientId]);
      const started = Date.now();
      expect(await runBalanceAlerts(t.db, t.clock.now(), URL)).toBe(1);
      // It gave up after its lock timeout (200 ms), long before the test's bound, and the held lane's
      // batch left nothing behind; the other lane queued its patient's alert.
      expect(Date.now() - started).toBeLessThan(5_000);
      expect([...(await alertDates(t, held.patientId, 'email')), ...(await alertDates(t, sameLane.patientId, 'email'))]).toEqual([]);
      expect([await nextCheck(held, 'email'), await nextCheck(sameLane, 'email')]).toEqual(['-infinity', '-infinity']);
      expect(await alertDates(t, otherLane.patientId, 'email')).toHaveLength(1);
      await other.query('commit');
    } finally {
      await other.end();
    }
    await run();
    for (const p of [held, sameLane, otherLane]) expect(await alertDates(t, p.patientId, 'email')).toHaveLength(1);
  });

  it('the two lanes run at once, each on its own connection, and together queue what the rule says', async () => {
    const patients = [];
    for (let i = 0; i < 10; i++) {
      const p = await makePatient(t, { practiceId: chicago, phone: null });
      await subscribe(t, p, 'email');
      await post(t, p, 'responsibility', 3_000 + i);
      patients.push(p);
    }
    const due = await dueBalanceAlertsQuery(t.clock.now()).execute(t.db);
    const dueKeys = due.rows.map((r) => `${r.patient_id}:${r.channel}`).sort();
    expect(dueKeys.length).toBeGreaterThanOrEqual(patients.length);
    const before = await t.db.selectFrom('outbox_messages').select((eb) => eb.fn.max('id').as('id')).executeTakeFirstOrThrow();
    const queuedSince = async () =>
      (await t.db.selectFrom('outbox_messages').select(['patient_id', 'channel']).where('kind', '=', 'balance_alert').where('id', '>', Number(before.id ?? 0)).execute())
        .map((r) => `${r.patient_id}:${r.channel}`)
        .sort();
    // Lane 1 is held by another instance's batch (its advisory lock): lane 0 still runs, and only lane 0's pairs are queued.
    const other = new pg.Client({ connectionString: t.url });
    await other.connect();
    try {
      await other.query('begin');
      await other.query('select pg_advisory_xact_lock(6002001, 1)');
      const queued = await runBalanceAlerts(t.db, t.clock.now(), URL, { batch: 2 });
      const even = dueKeys.filter((k) => Number(k.split(':')[0]) % 2 === 0);
      expect(queued).toBe(even.length);
      expect(await queuedSince()).toEqual(even);
      await other.query('commit');
    } finally {
      await other.end();
    }
    // More patients on both lanes, so each lane has batches to run in the next run (lane 0's pairs above
    // are queued already: alone it would take its lock for one empty batch, too briefly to be seen).
    for (let i = 0; i < 20; i++) {
      const p = await makePatient(t, { practiceId: chicago, phone: null });
      await subscribe(t, p, 'email');
      await post(t, p, 'responsibility', 4_000 + i);
    }
    const stillDue = (await dueBalanceAlertsQuery(t.clock.now()).execute(t.db)).rows.map((r) => `${r.patient_id}:${r.channel}`);
    expect(stillDue.filter((k) => Number(k.split(':')[0]) % 2 === 0).length).toBeGreaterThanOrEqual(8);
    expect(stillDue.filter((k) => Number(k.split(':')[0]) % 2 === 1).length).toBeGreaterThanOrEqual(8);
    const allDueKeys = [...new Set([...dueKeys, ...stillDue])].sort();
    // With both lanes free, the rest is queued: every due pair exactly once.
    let sawTwoAtOnce = false;
    const watcher = new pg.Client({ connectionString: t.url });
    await watcher.connect();
    try {
      let finished = false;
      const running = runBalanceAlerts(t.db, t.clock.now(), URL, { batch: 1 }).finally(() => (finished = true));
      while (!finished) {
        const { rows } = await watcher.query("select count(*)::int as n from pg_locks where locktype = 'advisory' and classid = 6002001 and granted");
        if (rows[0].n === 2) sawTwoAtOnce = true;
      }
      await running;
    } finally {
      await watcher.end();
    }
    expect(sawTwoAtOnce).toBe(true);
    expect(await queuedSince()).toEqual(allDueKeys);
    await expectSelectionIsTheRule();
  });
});
