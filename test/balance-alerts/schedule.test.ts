import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { balanceAlertCancelReason, runBalanceAlerts, selectDueBalanceAlerts } from '../../src/balance-alerts/alerts.ts';
import { drainOutbox } from '../../src/messaging/dispatcher.ts';
import { capturedTransports, type Envelope } from '../../src/messaging/transports.ts';
import { hashPortalToken } from '../../src/portal/links.ts';
import { alertDates, makePatient, post, riversideId, setFrequency, subscribe } from './fixtures.ts';

// The schedule of SPEC §4 over simulated months: the job runs once a day at 15:00 UTC (09:00 in
// Riverside's America/Chicago) and we read back the dates on which alerts were queued.

const URL = 'http://localhost:3000';
const START = '2026-11-23T15:00:00Z';
let t: TestContext;
let riverside: number;
const p0 = () => riverside;

beforeAll(async () => {
  t = await createTestContext();
  riverside = await riversideId(t);
});
afterAll(async () => {
  await t.close();
});
beforeEach(async () => {
  t.clock.set(START);
  await setFrequency(t, riverside, 'biweekly');
});

/** Runs the job once a day for `days` days, calling `on(day)` first each day for ledger events. */
async function runDaily(days: number, on: (day: number) => Promise<void> = async () => {}) {
  for (let day = 0; day < days; day++) {
    await on(day);
    await runBalanceAlerts(t.db, t.clock.now(), URL);
    t.clock.advanceDays(1);
  }
}

describe('balance alert schedule', () => {
  it('every two weeks: a $100 responsibility alerts on days 0, 14, 28, 42 and 56, then stops at day 60', async () => {
    const p = await makePatient(t);
    await subscribe(t, p, 'sms');
    await subscribe(t, p, 'email');
    await runDaily(100, async (day) => {
      if (day === 0) await post(t, p, 'responsibility', 10_000);
    });
    const expected = ['2026-11-23', '2026-12-07', '2026-12-21', '2027-01-04', '2027-01-18'];
    expect(await alertDates(t, p.patientId, 'sms')).toEqual(expected);
    expect(await alertDates(t, p.patientId, 'email')).toEqual(expected);
  });

  it('every month: one calendar month apart, within the 60 days', async () => {
    await setFrequency(t, p0(), 'monthly');
    const p = await makePatient(t);
    await subscribe(t, p, 'sms');
    await runDaily(100, async (day) => {
      if (day === 0) await post(t, p, 'responsibility', 10_000);
    });
    expect(await alertDates(t, p.patientId, 'sms')).toEqual(['2026-11-23', '2026-12-23']);
  });

  it('every month with a second charge: the cadence keeps to the calendar (Dec 23, Jan 23, Feb 23)', async () => {
    await setFrequency(t, p0(), 'monthly');
    const p = await makePatient(t);
    await subscribe(t, p, 'email');
    await runDaily(120, async (day) => {
      if (day === 0) await post(t, p, 'responsibility', 10_000);
      if (day === 40) await post(t, p, 'responsibility', 2_500); // 2027-01-02: window now ends 2027-03-03
    });
    expect(await alertDates(t, p.patientId, 'email')).toEqual(['2026-11-23', '2026-12-23', '2027-01-23', '2027-02-23']);
  });

  it("Don't Send: nothing at all", async () => {
    await setFrequency(t, p0(), 'off');
    const p = await makePatient(t);
    await subscribe(t, p, 'sms');
    await subscribe(t, p, 'email');
    await runDaily(70, async (day) => {
      if (day === 0) await post(t, p, 'responsibility', 10_000);
    });
    expect(await alertDates(t, p.patientId, 'sms')).toEqual([]);
    expect(await alertDates(t, p.patientId, 'email')).toEqual([]);
  });

  it('a new charge mid-way keeps the cadence and extends the 60 days', async () => {
    const p = await makePatient(t);
    await subscribe(t, p, 'sms');
    await runDaily(100, async (day) => {
      if (day === 0) await post(t, p, 'responsibility', 10_000);
      if (day === 20) await post(t, p, 'responsibility', 4_000);
    });
    // Days 0, 14, 28, 42, 56, 70; day 84 is past day 20 + 60.
    expect(await alertDates(t, p.patientId, 'sms')).toEqual(['2026-11-23', '2026-12-07', '2026-12-21', '2027-01-04', '2027-01-18', '2027-02-01']);
  });

  it('a charge after alerts stopped starts them again at the next run', async () => {
    const p = await makePatient(t);
    await subscribe(t, p, 'sms');
    await runDaily(100, async (day) => {
      if (day === 0) await post(t, p, 'responsibility', 10_000);
      if (day === 75) await post(t, p, 'responsibility', 3_000);
    });
    expect(await alertDates(t, p.patientId, 'sms')).toEqual([
      '2026-11-23', '2026-12-07', '2026-12-21', '2027-01-04', '2027-01-18',
      '2027-02-06', '2027-02-20', // day 75 and day 89
    ]);
  });

  it('paid in full: alerts stop, and a queued alert is cancelled at send time', async () => {
    const p = await makePatient(t);
    await subscribe(t, p, 'sms');
    await subscribe(t, p, 'email');
    await runDaily(15, async (day) => {
      if (day === 0) await post(t, p, 'responsibility', 10_000);
    });
    // Day 15: the day-14 alerts are queued but not sent yet; the patient pays at the desk.
    await post(t, p, 'payment', 10_000);
    await drainOutbox(t.db, t.clock.now(), capturedTransports);
    const day14 = await t.db
      .selectFrom('outbox_messages')
      .select(['status', 'cancel_reason'])
      .where('patient_id', '=', p.patientId)
      .where('created_at', '>=', new Date('2026-12-07T00:00:00Z'))
      .execute();
    expect(day14.map((r) => r.status)).toEqual(['cancelled', 'cancelled']);
    expect(day14[0].cancel_reason).toBe('Balance was paid');
    await runDaily(60);
    expect(await alertDates(t, p.patientId, 'sms')).toEqual(['2026-11-23', '2026-12-07']);
  });

  it('partly paid: alerts go on while anything is owed', async () => {
    const p = await makePatient(t);
    await subscribe(t, p, 'email');
    await runDaily(30, async (day) => {
      if (day === 0) await post(t, p, 'responsibility', 10_000);
      if (day === 3) await post(t, p, 'payment', 6_000);
      if (day === 5) await post(t, p, 'adjustment', 3_999);
    });
    expect(await alertDates(t, p.patientId, 'email')).toEqual(['2026-11-23', '2026-12-07', '2026-12-21']);
  });
});

describe('who gets nothing', () => {
  it('unsubscribed (or never subscribed) patients get nothing', async () => {
    const never = await makePatient(t);
    const unsubscribed = await makePatient(t);
    await subscribe(t, unsubscribed, 'sms', false);
    await subscribe(t, unsubscribed, 'email', false);
    await post(t, never, 'responsibility', 10_000);
    await post(t, unsubscribed, 'responsibility', 10_000);
    await runBalanceAlerts(t.db, t.clock.now(), URL);
    for (const p of [never, unsubscribed]) {
      expect(await alertDates(t, p.patientId, 'sms')).toEqual([]);
      expect(await alertDates(t, p.patientId, 'email')).toEqual([]);
    }
  });

  it('a number opted out by STOP gets no text; the email still goes', async () => {
    const p = await makePatient(t);
    await subscribe(t, p, 'sms');
    await subscribe(t, p, 'email');
    const phone = (await t.db.selectFrom('patients').select('mobile_phone').where('id', '=', p.patientId).executeTakeFirstOrThrow()).mobile_phone!;
    await t.db.insertInto('sms_opt_outs').values({ practice_id: p.practiceId, phone, opted_out_at: t.clock.now() }).execute();
    await post(t, p, 'responsibility', 10_000);
    await runBalanceAlerts(t.db, t.clock.now(), URL);
    expect(await alertDates(t, p.patientId, 'sms')).toEqual([]);
    expect(await alertDates(t, p.patientId, 'email')).toEqual(['2026-11-23']);
  });

  it('a bounced or complained address gets no email until the address changes', async () => {
    const p = await makePatient(t, { email: 'Bounce@Example.org' });
    await subscribe(t, p, 'email');
    await t.db.insertInto('email_suppressions').values({ practice_id: p.practiceId, patient_id: p.patientId, email: 'bounce@example.org', reason: 'bounced', at: t.clock.now() }).execute();
    await post(t, p, 'responsibility', 10_000);
    await runBalanceAlerts(t.db, t.clock.now(), URL);
    expect(await alertDates(t, p.patientId, 'email')).toEqual([]);
    await t.db.updateTable('patients').set({ email: 'new-address@example.org' }).where('id', '=', p.patientId).execute();
    t.clock.advanceHours(1);
    await runBalanceAlerts(t.db, t.clock.now(), URL);
    expect(await alertDates(t, p.patientId, 'email')).toEqual(['2026-11-23']);
  });

  it('no phone or no email on file: nothing on that channel', async () => {
    const p = await makePatient(t, { phone: null, email: null });
    await subscribe(t, p, 'sms');
    await subscribe(t, p, 'email');
    await post(t, p, 'responsibility', 10_000);
    await runBalanceAlerts(t.db, t.clock.now(), URL);
    expect(await alertDates(t, p.patientId, 'sms')).toEqual([]);
    expect(await alertDates(t, p.patientId, 'email')).toEqual([]);
  });

  it('a responsibility posted more than 60 days ago alerts nobody, even with a balance', async () => {
    const p = await makePatient(t);
    await subscribe(t, p, 'sms');
    t.clock.set('2026-09-01T15:00:00Z');
    await post(t, p, 'responsibility', 10_000);
    t.clock.set(START);
    await runBalanceAlerts(t.db, t.clock.now(), URL);
    expect(await alertDates(t, p.patientId, 'sms')).toEqual([]);
  });
});

describe('the send-time re-check', () => {
  it("cancels a queued alert when the practice switched to Don't Send, or when there is no patient; keeps one still owed", async () => {
    const p = await makePatient(t);
    await post(t, p, 'responsibility', 10_000);
    expect(await balanceAlertCancelReason(t.db, p.patientId, t.clock.now())).toBeNull();
    await setFrequency(t, p0(), 'off');
    expect(await balanceAlertCancelReason(t.db, p.patientId, t.clock.now())).toBe('Balance alerts are set to Don’t Send');
    await setFrequency(t, p0(), 'monthly');
    expect(await balanceAlertCancelReason(t.db, p.patientId, t.clock.now())).toBeNull();
    expect(await balanceAlertCancelReason(t.db, null, t.clock.now())).toBe('No patient');
    // A payment posted later than the send time does not count yet.
    await t.db.insertInto('ledger_entries').values({ practice_id: p.practiceId, patient_id: p.patientId, case_id: p.caseId, kind: 'payment', amount_cents: 10_000, posted_at: new Date(t.clock.now().getTime() + 60_000), source: 'test' }).execute();
    expect(await balanceAlertCancelReason(t.db, p.patientId, t.clock.now())).toBeNull();
    expect(await balanceAlertCancelReason(t.db, p.patientId, new Date(t.clock.now().getTime() + 60_000))).toBe('Balance was paid');
  });
});

describe('the 60-day edge', () => {
  // "A responsibility recorded within the last 60 days": due until the instant 60 days have passed,
  // not at it. Pinned on both sides of day 60, so a 57- or 61-day window, or >= for >, fails here.
  const DAY = 86_400_000;
  const dueAt = async (p: { patientId: number }, at: Date) => (await selectDueBalanceAlerts(t.db, at)).filter((d) => d.patient_id === p.patientId).map((d) => d.channel);

  it('is due up to a millisecond before day 60 and not at day 60 itself', async () => {
    const p = await makePatient(t);
    await subscribe(t, p, 'sms');
    const posted = t.clock.now();
    await post(t, p, 'responsibility', 10_000);
    const at = (ms: number) => new Date(posted.getTime() + ms);
    expect(await dueAt(p, at(57 * DAY))).toEqual(['sms']);
    expect(await dueAt(p, at(59 * DAY))).toEqual(['sms']);
    expect(await dueAt(p, at(60 * DAY - 1))).toEqual(['sms']);
    expect(await dueAt(p, at(60 * DAY))).toEqual([]);
    expect(await dueAt(p, at(60 * DAY + 1))).toEqual([]);
    expect(await dueAt(p, at(61 * DAY))).toEqual([]);
  });

  it('the daily job: a charge posted at 15:00 alerts on day 59 and not on day 60', async () => {
    const p = await makePatient(t);
    await subscribe(t, p, 'email');
    await post(t, p, 'responsibility', 10_000);
    t.clock.advanceDays(59);
    await runBalanceAlerts(t.db, t.clock.now(), URL);
    expect(await alertDates(t, p.patientId, 'email')).toEqual(['2027-01-21']);
    await t.db.deleteFrom('outbox_messages').where('patient_id', '=', p.patientId).execute();
    t.clock.advanceDays(1);
    await runBalanceAlerts(t.db, t.clock.now(), URL);
    expect(await alertDates(t, p.patientId, 'email')).toEqual([]);
  });
});

describe('the messages', () => {
  it('say exactly what SPEC allows: practice, balance due, a portal link, STOP; no amount', async () => {
    const p = await makePatient(t);
    await subscribe(t, p, 'sms');
    await subscribe(t, p, 'email');
    await post(t, p, 'responsibility', 12_345);
    await runBalanceAlerts(t.db, t.clock.now(), URL);
    // Queued set-based: a template key and its parameters, one row per channel and cycle.
    const queued = await t.db.selectFrom('outbox_messages').selectAll().where('patient_id', '=', p.patientId).orderBy('channel').execute();
    expect(queued.map((r) => [r.channel, r.template, r.body, r.status])).toEqual([
      ['email', 'balance_alert', null, 'queued'],
      ['sms', 'balance_alert', null, 'queued'],
    ]);
    for (const r of queued) expect(r.dedupe_key).toBe(`balance-alert:${p.patientId}:${r.channel}:2026-11-23`);
    expect(await t.db.selectFrom('portal_links').select('id').where('patient_id', '=', p.patientId).execute()).toEqual([]);

    // Sent through a provider: the words are rendered and stored, and the link is issued, at that moment.
    t.clock.advanceMinutes(5);
    const payloads: Envelope[] = [];
    const provider = { name: 'recording', send: async (e: Envelope) => (payloads.push(e), { ok: true as const, providerMessageId: `r-${e.id}` }) };
    await drainOutbox(t.db, t.clock.now(), { email: provider, sms: provider });
    const rows = await t.db.selectFrom('outbox_messages').selectAll().where('patient_id', '=', p.patientId).orderBy('channel').execute();
    const email = rows.find((r) => r.channel === 'email')!;
    const sms = rows.find((r) => r.channel === 'sms')!;
    // The stored text holds a placeholder for the link's token; only the payload carried the token.
    expect(sms.body).toBe('Riverside Physical Therapy: you have a balance due. View and pay securely: http://localhost:3000/portal/{portal-link-token}. Reply STOP to opt out.');
    expect(sms.subject).toBeNull();
    expect(email.subject).toBe('A message from Riverside Physical Therapy');
    expect(email.body).toContain('you have a balance due');
    expect(email.body).toContain('(555) 010-2000');
    for (const r of rows) {
      expect(r.status).toBe('sent');
      expect(r.body).not.toMatch(/123\.45|\$|Test case|Patient\d/);
      expect(r.html ?? '').not.toMatch(/123\.45|\$/);
      expect(r.portal_link_token).toBeNull();
    }
    // Each message has its own fresh portal link, 30 days from the send.
    const mine = payloads.filter((e) => rows.some((r) => r.id === e.id));
    expect(mine).toHaveLength(2);
    const tokens = mine.map((e) => e.body.match(/\/portal\/([\w-]{40,})/)![1]!);
    expect(new Set(tokens).size).toBe(2);
    const links = await t.db.selectFrom('portal_links').select(['id', 'token_hash', 'expires_at', 'purpose']).where('patient_id', '=', p.patientId).execute();
    expect(links).toHaveLength(2);
    for (const e of mine) {
      const token = e.body.match(/\/portal\/([\w-]{40,})/)![1]!;
      const link = links.find((l) => l.token_hash === hashPortalToken(token))!;
      const row = rows.find((r) => r.id === e.id)!;
      expect(link).toMatchObject({ purpose: 'balance', id: (row.reason as { portalLinkId: number }).portalLinkId });
      expect(link.expires_at.toISOString()).toBe('2026-12-23T15:05:00.000Z');
    }
  });

  it('a text falling due at night waits for 08:00 in the practice time zone; email does not', async () => {
    const p = await makePatient(t);
    await subscribe(t, p, 'sms');
    await subscribe(t, p, 'email');
    t.clock.set('2026-11-24T10:00:00Z'); // 04:00 in Chicago
    await post(t, p, 'responsibility', 10_000);
    await runBalanceAlerts(t.db, t.clock.now(), URL);
    const rows = await t.db.selectFrom('outbox_messages').select(['channel', 'next_attempt_at']).where('patient_id', '=', p.patientId).execute();
    expect(rows.find((r) => r.channel === 'sms')!.next_attempt_at.toISOString()).toBe('2026-11-24T14:00:00.000Z');
    expect(rows.find((r) => r.channel === 'email')!.next_attempt_at.toISOString()).toBe('2026-11-24T10:00:00.000Z');
  });

  it('two runs at once queue each alert once', async () => {
    const p = await makePatient(t);
    await subscribe(t, p, 'sms');
    await post(t, p, 'responsibility', 10_000);
    await Promise.all([runBalanceAlerts(t.db, t.clock.now(), URL), runBalanceAlerts(t.db, t.clock.now(), URL)]);
    await runBalanceAlerts(t.db, t.clock.now(), URL);
    expect(await alertDates(t, p.patientId, 'sms')).toEqual(['2026-11-23']);
  });

  it('the selection is scoped by nothing but the rule: Summit patients are selected with Summit wording', async () => {
    const summit = (await t.db.selectFrom('practices').select('id').where('name', '=', 'Summit Sports Rehab').executeTakeFirstOrThrow()).id;
    const p = await makePatient(t, { practiceId: summit });
    await subscribe(t, p, 'email');
    await post(t, p, 'responsibility', 5_000);
    const due = await selectDueBalanceAlerts(t.db, t.clock.now());
    const mine = due.filter((d) => d.patient_id === p.patientId);
    expect(mine).toEqual([expect.objectContaining({ channel: 'email', practice_name: 'Summit Sports Rehab', time_zone: 'America/Denver' })]);
  });
});

