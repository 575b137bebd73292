import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { PortalClient, dobForm, issueLink } from './helpers.ts';
import { makePatient, post, riversideId, setFrequency, subscribe } from '../balance-alerts/fixtures.ts';
import { runBalanceAlerts } from '../../src/balance-alerts/alerts.ts';
import { hashPortalToken } from '../../src/portal/links.ts';
import { drainOutbox } from '../../src/messaging/dispatcher.ts';
import { capturedTransports } from '../../src/messaging/transports.ts';

// Issue 12, item 1: a portal link cannot be guessed at forever. Ten wrong dates over its life end it
// for good; twenty wrong dates in 24 hours across a patient's links lock all of them for 24 hours.
// Time moves on the ManualClock across several 15-minute lock windows.

const WRONG = '1980-05-05';
let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());

async function patientWithBalance() {
  const p = await makePatient(t, { phone: null });
  await subscribe(t, p, 'email');
  await post(t, p, 'responsibility', 5_000);
  const { date_of_birth } = await t.db.selectFrom('patients').select('date_of_birth').where('id', '=', p.patientId).executeTakeFirstOrThrow();
  return { ...p, dob: date_of_birth };
}

/** The token of the newest balance alert queued for the patient. */
/** The link in the patient's latest alert, as delivered (the captured transport keeps the live link in the row). */
async function alertToken(patientId: number): Promise<string> {
  await drainOutbox(t.db, t.clock.now(), capturedTransports);
  const row = await t.db.selectFrom('outbox_messages').select('body').where('patient_id', '=', patientId).where('kind', '=', 'balance_alert').orderBy('id', 'desc').executeTakeFirstOrThrow();
  return row.body!.match(/\/portal\/([\w-]{40,})/)![1]!;
}

const linkRow = (token: string) =>
  t.db
    .selectFrom('portal_links')
    .select(['failed_attempts', 'failed_total', 'disabled_at', 'locked_until'])
    .where('token_hash', '=', hashPortalToken(token))
    .executeTakeFirstOrThrow();

describe('portal date-of-birth guessing', () => {
  it('ten wrong dates over a link’s life end it for good; staff see why; the next alert brings a working link', async () => {
    await setFrequency(t, await riversideId(t), 'biweekly');
    const p = await patientWithBalance();
    expect(await runBalanceAlerts(t.db, t.clock.now(), t.config.publicUrl)).toBeGreaterThan(0);
    const token = await alertToken(p.patientId);
    const client = new PortalClient(t);

    // First window: five wrong dates lock the link for 15 minutes.
    for (let i = 0; i < 4; i++) expect((await client.post(`/portal/${token}`, dobForm(WRONG))).text).toContain('before this link locks for 15 minutes');
    expect((await client.post(`/portal/${token}`, dobForm(WRONG))).text).toContain('Too many tries');
    t.clock.advanceMinutes(16);

    // Second window: the page warns that these tries are the last ones.
    for (let i = 0; i < 3; i++) await client.post(`/portal/${token}`, dobForm(WRONG));
    const ninth = await client.post(`/portal/${token}`, dobForm(WRONG));
    expect(ninth.text).toContain('One try is left before this link stops working for good');
    const tenth = await client.post(`/portal/${token}`, dobForm(WRONG));
    expect(tenth.status).toBe(422);
    expect(tenth.text).toContain('This link no longer works');
    expect(tenth.text).toContain('(555) 010-2000');
    const dead = await linkRow(token);
    expect(dead.failed_total).toBe(10);
    expect(dead.disabled_at!.getTime()).toBe(t.clock.now().getTime());

    // Dead for good: several lock windows and days later, the right date does not open it.
    for (const minutes of [16, 16, 60 * 24]) {
      t.clock.advanceMinutes(minutes);
      const right = await client.post(`/portal/${token}`, dobForm(p.dob));
      expect(right.status).not.toBe(303);
      expect(right.text).toContain('This link no longer works');
      expect(client.cookie).toBeUndefined();
    }
    expect((await client.get(`/portal/${token}`)).text).toContain('Please call the office at');
    const audit = await t.db.selectFrom('audit_log').select('action').where('record_type', '=', 'patient').where('record_id', '=', String(p.patientId)).execute();
    expect(audit.map((a) => a.action)).toContain('portal.link_disabled');

    // Staff see it on the patient's Engagement tab.
    const staff = await t.as('frontdesk@riverside.example');
    const tab = await staff.get(`/patients/${p.patientId}/engagement`);
    expect(tab.status).toBe(200);
    expect(tab.text).toContain('link locked after repeated wrong dates');

    // The next alert (two weeks on) issues a new link, which opens with the right date.
    t.clock.advanceDays(14);
    expect(await runBalanceAlerts(t.db, t.clock.now(), t.config.publicUrl)).toBeGreaterThan(0);
    const fresh = await alertToken(p.patientId);
    expect(fresh).not.toBe(token);
    const opened = await new PortalClient(t).post(`/portal/${fresh}`, dobForm(p.dob));
    expect(opened.status).toBe(303);
    expect(opened.location).toBe('/portal/account');
  });

  it('twenty wrong dates in 24 hours across a patient’s links lock every link of that patient for 24 hours', async () => {
    const p = await patientWithBalance();
    const patient = { id: p.patientId, practice_id: p.practiceId };
    const links = [];
    for (let i = 0; i < 5; i++) links.push((await issueLink(t, patient)).token);
    const client = new PortalClient(t);
    // Four links, five wrong dates each, a lock window apart: 20 wrong dates within the day.
    for (const token of links.slice(0, 4)) {
      for (let i = 0; i < 5; i++) await client.post(`/portal/${token}`, dobForm(WRONG));
      t.clock.advanceMinutes(16);
    }
    // A fifth link never guessed at is locked too, and so is the first once its own lock is over.
    for (const token of [links[4], links[0]]) {
      const page = await client.get(`/portal/${token}`);
      expect(page.text).toContain('Too many tries');
      const right = await client.post(`/portal/${token}`, dobForm(p.dob));
      expect(right.status).not.toBe(303);
      expect(right.text).toContain('Too many tries');
    }
    t.clock.advanceHours(23);
    expect((await client.post(`/portal/${links[4]}`, dobForm(p.dob))).text).toContain('Too many tries');
    t.clock.advanceHours(1);
    const opened = await client.post(`/portal/${links[4]}`, dobForm(p.dob));
    expect(opened.status).toBe(303);
    expect(opened.location).toBe('/portal/account');
  });
});
