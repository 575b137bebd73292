import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { balanceAlertCancelReason, balanceAlertMessage, runBalanceAlerts, selectDueBalanceAlerts } from '../../src/balance-alerts/alerts.ts';
import { makePatient, post, subscribe } from './fixtures.ts';
import { dispatchDue } from '../../src/messaging/dispatcher.ts';
import { capturedTransports } from '../../src/messaging/transports.ts';
import pg from 'pg';
import { onPostgres, POSTGRES_ONLY } from '../support/postgres-only.ts';

// The balance-alert selection and queueing of docs/rules.md (Balance alerts) on a small world of its
// own (no demo data), so that a mutant of src/balance-alerts/alerts.ts is judged in seconds: what a
// due row carries, the cycle's day in the practice's calendar, a limit on the selection, the job
// inside a caller's transaction, the email's markup, and the send-time re-check at its edges (issue 18).

const URL = 'http://localhost:3000';
let t: TestContext;
let chicago: number;
let denver: number;

beforeAll(async () => {
  t = await createTestContext({ seed: false, now: '2026-11-24T04:30:00Z' }); // 22:30 on the 23rd in Chicago
  const practice = async (name: string, time_zone: string) =>
    (await t.db.insertInto('practices').values({ name, phone: '(555) 010-2000', time_zone, go_live_on: '2026-01-01', hypercare_days: 60, balance_alert_frequency: 'biweekly' }).returning('id').executeTakeFirstOrThrow()).id;
  chicago = await practice('Riverside Physical Therapy', 'America/Chicago');
  denver = await practice('Summit & "Sons" <Rehab>', 'America/Denver');
});
afterAll(() => t.close());

describe('the selection', () => {
  it('a due row names the patient and practice by number, the address of the channel, and the practice contact', async () => {
    const p = await makePatient(t, { practiceId: denver, phone: '+15550198001', email: 'due.row@example.org' });
    await subscribe(t, p, 'sms');
    await subscribe(t, p, 'email');
    await post(t, p, 'responsibility', 2_500);
    const due = (await selectDueBalanceAlerts(t.db, t.clock.now())).filter((d) => d.patient_id === p.patientId);
    expect(due.sort((a, b) => a.channel.localeCompare(b.channel))).toEqual([
      { patient_id: p.patientId, practice_id: denver, channel: 'email', recipient: 'due.row@example.org', practice_name: 'Summit & "Sons" <Rehab>', practice_phone: '(555) 010-2000', time_zone: 'America/Denver', language: 'en' },
      { patient_id: p.patientId, practice_id: denver, channel: 'sms', recipient: '+15550198001', practice_name: 'Summit & "Sons" <Rehab>', practice_phone: '(555) 010-2000', time_zone: 'America/Denver', language: 'en' },
    ]);
  });

  it('a limit bounds the rows returned; without one every due row comes back', async () => {
    const all = await selectDueBalanceAlerts(t.db, t.clock.now());
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(await selectDueBalanceAlerts(t.db, t.clock.now(), { limit: 1 })).toHaveLength(1);
    expect(await selectDueBalanceAlerts(t.db, t.clock.now(), {})).toHaveLength(all.length);
  });

  it("inside a caller's transaction, the planner settings it reads with are put back for what follows", async () => {
    const setting = async (db: typeof t.db) => (await sql<{ v: string }>`select current_setting('enable_hashjoin') as v`.execute(db)).rows[0]!.v;
    await t.db.transaction().execute(async (trx) => {
      expect(await setting(trx)).toBe('on');
      await selectDueBalanceAlerts(trx, t.clock.now());
      expect(await setting(trx)).toBe('on');
    });
  });
});

describe('the job', () => {
  it("queues inside a caller's transaction, one row per due channel, keyed by the cycle's day in the practice's own calendar", async () => {
    const p = await makePatient(t, { practiceId: chicago, phone: '+15550198002', email: 'cycle.day@example.org' });
    await subscribe(t, p, 'sms');
    await subscribe(t, p, 'email');
    await post(t, p, 'responsibility', 4_000);
    const queued = await t.db.transaction().execute((trx) => runBalanceAlerts(trx, t.clock.now(), URL));
    expect(queued).toBeGreaterThanOrEqual(2);
    const rows = await t.db.selectFrom('outbox_messages').select(['channel', 'dedupe_key', 'next_attempt_at', 'html', 'subject']).where('patient_id', '=', p.patientId).orderBy('channel').execute();
    // 04:30 UTC on the 24th is 22:30 on the 23rd in Chicago: that is the cycle's day; the text waits for 08:00 there.
    expect(rows.map((r) => [r.channel, r.dedupe_key, r.next_attempt_at.toISOString()])).toEqual([
      ['email', `balance-alert:${p.patientId}:email:2026-11-23`, '2026-11-24T04:30:00.000Z'],
      ['sms', `balance-alert:${p.patientId}:sms:2026-11-23`, '2026-11-24T14:00:00.000Z'],
    ]);
    // The same day again: nothing more, and the count says so.
    expect(await runBalanceAlerts(t.db, t.clock.now(), URL)).toBe(0);
  });

  it('a queued alert is checked again when it is sent: paid in the meantime, it is cancelled with the reason', async () => {
    const p = await makePatient(t, { practiceId: chicago, phone: null, email: 'paid.meanwhile@example.org' });
    await subscribe(t, p, 'email');
    await post(t, p, 'responsibility', 1_500);
    await runBalanceAlerts(t.db, t.clock.now(), URL);
    await post(t, p, 'payment', 1_500);
    await dispatchDue(t.db, t.clock.now(), capturedTransports);
    expect(await t.db.selectFrom('outbox_messages').select(['status', 'cancel_reason']).where('patient_id', '=', p.patientId).execute()).toEqual([{ status: 'cancelled', cancel_reason: 'Balance was paid' }]);
  });

  it("the email's markup escapes the practice's name; the text has no subject and no markup", () => {
    const email = balanceAlertMessage({ channel: 'email', practice_name: `Tom & Jerry's <PT> "Plus"`, practice_phone: '(555) 010-9999' }, 'http://x/portal/a"b');
    expect(email.subject).toBe(`A message from Tom & Jerry's <PT> "Plus"`);
    expect(email.html).toBe(
      '<p>Tom &amp; Jerry&#39;s &lt;PT&gt; &quot;Plus&quot;: you have a balance due.</p>' +
        '<p><a href="http://x/portal/a&quot;b">View and pay securely</a></p>' +
        '<p>Questions? Call Tom &amp; Jerry&#39;s &lt;PT&gt; &quot;Plus&quot; at (555) 010-9999.</p>',
    );
    expect(email.body).toBe(`Tom & Jerry's <PT> "Plus": you have a balance due. View and pay securely: http://x/portal/a"b\n\nQuestions? Call Tom & Jerry's <PT> "Plus" at (555) 010-9999.`);
    expect(balanceAlertMessage({ channel: 'sms', practice_name: 'A & B', practice_phone: '1' }, 'http://x/p')).toEqual({ subject: null, body: 'A & B: you have a balance due. View and pay securely: http://x/p. Reply STOP to opt out.', html: null });
  });
});

describe.skipIf(!onPostgres)(`one run at a time across instances ${POSTGRES_ONLY}`, () => {
  it("while another instance holds both lanes' run locks, a run queues nothing; once released, the next run does", async () => {
    const p = await makePatient(t, { practiceId: chicago, phone: null, email: 'locked.out@example.org' });
    await subscribe(t, p, 'email');
    await post(t, p, 'responsibility', 2_000);
    const other = new pg.Client({ connectionString: t.url });
    await other.connect();
    try {
      await other.query('select pg_advisory_lock(6002001, 0), pg_advisory_lock(6002001, 1)');
      expect(await runBalanceAlerts(t.db, t.clock.now(), URL)).toBe(0);
      expect(await t.db.selectFrom('outbox_messages').select('id').where('patient_id', '=', p.patientId).execute()).toEqual([]);
      await other.query('select pg_advisory_unlock(6002001, 0), pg_advisory_unlock(6002001, 1)');
    } finally {
      await other.end();
    }
    expect(await runBalanceAlerts(t.db, t.clock.now(), URL)).toBeGreaterThanOrEqual(1);
    expect(await t.db.selectFrom('outbox_messages').select('channel').where('patient_id', '=', p.patientId).execute()).toEqual([{ channel: 'email' }]);
  });
});

describe('the send-time re-check', () => {
  it('sends while a cent is owed; cancels at zero or in credit; ignores entries dated after the send', async () => {
    const p = await makePatient(t, { practiceId: chicago });
    const now = t.clock.now();
    await post(t, p, 'responsibility', 1_000);
    await post(t, p, 'payment', 999);
    expect(await balanceAlertCancelReason(t.db, p.patientId, now)).toBeNull();
    await post(t, p, 'adjustment', 1);
    expect(await balanceAlertCancelReason(t.db, p.patientId, now)).toBe('Balance was paid');
    await post(t, p, 'payment', 500);
    expect(await balanceAlertCancelReason(t.db, p.patientId, now)).toBe('Balance was paid');
    // A responsibility posted after the moment checked does not count for it.
    t.clock.advanceMinutes(10);
    await post(t, p, 'responsibility', 10_000);
    expect(await balanceAlertCancelReason(t.db, p.patientId, now)).toBe('Balance was paid');
    expect(await balanceAlertCancelReason(t.db, p.patientId, t.clock.now())).toBeNull();
  });

  it("no patient, a patient who is gone, or a practice set to Don't Send: cancelled with the reason", async () => {
    expect(await balanceAlertCancelReason(t.db, null, t.clock.now())).toBe('No patient');
    expect(await balanceAlertCancelReason(t.db, 99_999_999, t.clock.now())).toBe('Balance alerts are set to Don’t Send');
    const p = await makePatient(t, { practiceId: denver });
    await post(t, p, 'responsibility', 1_000);
    expect(await balanceAlertCancelReason(t.db, p.patientId, t.clock.now())).toBeNull();
    await t.db.updateTable('practices').set({ balance_alert_frequency: 'off' }).where('id', '=', denver).execute();
    expect(await balanceAlertCancelReason(t.db, p.patientId, t.clock.now())).toBe('Balance alerts are set to Don’t Send');
    await t.db.updateTable('practices').set({ balance_alert_frequency: 'monthly' }).where('id', '=', denver).execute();
    expect(await balanceAlertCancelReason(t.db, p.patientId, t.clock.now())).toBeNull();
  });
});
