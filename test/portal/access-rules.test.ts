import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { disabledPortalLinks, openPortalLink, practiceContact, verifyPortalDateOfBirth } from '../../src/portal/access.ts';
import { hashPortalToken as hashOf, issuePortalLink } from '../../src/portal/links.ts';
import type { Actor } from '../../src/auth/permissions.ts';

// Portal access as docs/rules.md states it: a link expires after 30 days; 5 wrong dates of birth lock
// it for 15 minutes, 10 over its life disable it for good, 20 over all of a patient's links in 24 hours
// lock every one of them for 24 hours; every attempt is audited. Called on src/portal/access.ts
// directly, on a small world of its own (no demo data), so a mutant is judged in seconds (issue 18).

const DOB = '1980-04-12';
const WRONG = '1980-04-13';
const MIN = 60_000;
let t: TestContext;
let practice: number;
let n = 0;

beforeAll(async () => {
  t = await createTestContext({ seed: false, now: '2026-11-24T16:00:00Z' });
  practice = (await t.db.insertInto('practices').values({ name: 'Riverside Physical Therapy', phone: '(555) 010-2000', time_zone: 'America/Chicago', go_live_on: '2026-01-01', hypercare_days: 60 }).returning('id').executeTakeFirstOrThrow()).id;
});
afterAll(() => t.close());

async function patient(practiceId = practice) {
  n++;
  return (await t.db.insertInto('patients').values({ practice_id: practiceId, account_number: `AR-${n}`, first_name: 'Ada', last_name: `Access${n}`, date_of_birth: DOB }).returning('id').executeTakeFirstOrThrow()).id;
}
const link = async (patientId: number) => (await issuePortalLink(t.db, t.clock.now(), 'http://localhost:3000', { practiceId: practice, patientId })).token;
const linkRow = (token: string) =>
  t.db.selectFrom('portal_links').select(['failed_attempts', 'failed_total', 'locked_until', 'disabled_at', 'last_verified_at']).where('token_hash', '=', hashOf(token)).executeTakeFirstOrThrow();
const audits = (patientId: number) =>
  t.db.selectFrom('audit_log').select(['action', 'details', 'ip', 'practice_id', 'actor_kind', 'record_type']).where('record_type', '=', 'patient').where('record_id', '=', String(patientId)).orderBy('id').execute();
const wrong = (token: string) => verifyPortalDateOfBirth(t.db, t.clock.now(), token, WRONG, { ip: '198.51.100.7' });
const later = (ms: number) => new Date(t.clock.now().getTime() + ms);
/** A front desk member of the practice: the Engagement tab's reader. */
const staffOf = (practiceId: number): Actor => ({
  id: 0, kind: 'staff', practice_id: practiceId, role: 1, name: 'Front Desk', email: 'desk@example.test', limit_messaging: false, reporting: false, active: true, vendor_admin: false, departments: [], managedPracticeIds: [],
});

describe('opening a link', () => {
  it('an unknown, empty or overlong token is invalid and audits nothing', async () => {
    const before = (await t.db.selectFrom('audit_log').select('id').execute()).length;
    for (const token of ['', 'x'.repeat(101), 'not-a-token']) expect(await openPortalLink(t.db, t.clock.now(), token, { ip: null })).toEqual({ state: 'invalid' });
    expect(await verifyPortalDateOfBirth(t.db, t.clock.now(), 'not-a-token', DOB, { ip: null })).toEqual({ ok: false, state: { state: 'invalid' }, wrong: false });
    expect((await t.db.selectFrom('audit_log').select('id').execute()).length).toBe(before);
  });

  it('a fresh link is ready with five tries; the opening is audited with ids only; it expires at 30 days to the millisecond', async () => {
    const p = await patient();
    const token = await link(p);
    const contact = await practiceContact(t.db, practice);
    expect(contact).toEqual({ id: practice, name: 'Riverside Physical Therapy', phone: '(555) 010-2000', time_zone: 'America/Chicago' });
    const linkId = (await t.db.selectFrom('portal_links').select('id').where('patient_id', '=', p).executeTakeFirstOrThrow()).id;
    expect(await openPortalLink(t.db, t.clock.now(), token, { ip: '203.0.113.1' })).toEqual({ state: 'ready', practice: contact, linkId, attemptsLeft: 5, finalTries: false });
    expect(await audits(p)).toEqual([{ action: 'portal.link_opened', details: { linkId, state: 'ready' }, ip: '203.0.113.1', practice_id: practice, actor_kind: 'patient', record_type: 'patient' }]);
    expect((await openPortalLink(t.db, later(30 * 86_400_000 - 1), token, { ip: null })).state).toBe('ready');
    expect(await openPortalLink(t.db, later(30 * 86_400_000), token, { ip: null })).toEqual({ state: 'expired', practice: contact });
    expect(await verifyPortalDateOfBirth(t.db, later(30 * 86_400_000), token, DOB, { ip: null })).toEqual({ ok: false, state: { state: 'expired', practice: contact }, wrong: false });
    expect((await audits(p)).at(-1)).toMatchObject({ action: 'portal.dob_refused', details: { linkId, state: 'expired' } });
  });
});

describe('wrong dates of birth on one link', () => {
  it('four leave one try; the fifth locks the link for 15 minutes; it opens again at the 15th minute', async () => {
    const p = await patient();
    const token = await link(p);
    for (let i = 1; i <= 4; i++) {
      const r = await wrong(token);
      expect(r).toMatchObject({ ok: false, wrong: true, state: { state: 'ready', attemptsLeft: 5 - i, finalTries: false } });
    }
    expect(await linkRow(token)).toMatchObject({ failed_attempts: 4, failed_total: 4, locked_until: null });
    const until = later(15 * MIN);
    expect(await wrong(token)).toMatchObject({ ok: false, wrong: true, state: { state: 'locked', until } });
    expect(await linkRow(token)).toMatchObject({ failed_attempts: 0, failed_total: 5, locked_until: until });
    const actions = (await audits(p)).map((a) => [a.action, a.details]);
    expect(actions.slice(0, 4)).toEqual([1, 2, 3, 4].map((k) => ['portal.dob_failed', expect.objectContaining({ attempts: k, total: k })]));
    expect(actions[4]).toEqual(['portal.locked', expect.objectContaining({ attempts: 5, until: until.toISOString() })]);

    // Locked: even the right date is refused, without counting as wrong.
    expect(await verifyPortalDateOfBirth(t.db, later(15 * MIN - 1), token, DOB, { ip: null })).toMatchObject({ ok: false, wrong: false, state: { state: 'locked', until } });
    expect(await openPortalLink(t.db, later(15 * MIN - 1), token, { ip: null })).toMatchObject({ state: 'locked', until });
    // Five more tries after the lock, but the lifetime cap (10) is now as near as the lock: the page says they are final.
    expect(await openPortalLink(t.db, later(15 * MIN), token, { ip: null })).toMatchObject({ state: 'ready', attemptsLeft: 5, finalTries: true });
  });

  it('the right date opens a session, clears the count of the current round but not the lifetime total', async () => {
    const p = await patient();
    const token = await link(p);
    await wrong(token);
    await wrong(token);
    const r = await verifyPortalDateOfBirth(t.db, t.clock.now(), token, DOB, { ip: '203.0.113.2' });
    expect(r).toMatchObject({ ok: true, sessionToken: expect.any(String) });
    expect(r.ok && r.expiresAt.getTime()).toBeGreaterThan(t.clock.now().getTime());
    expect(await linkRow(token)).toEqual({ failed_attempts: 0, failed_total: 2, locked_until: null, disabled_at: null, last_verified_at: t.clock.now() });
    expect((await audits(p)).at(-1)).toMatchObject({ action: 'portal.verified', ip: '203.0.113.2' });
    expect(await openPortalLink(t.db, t.clock.now(), token, { ip: null })).toMatchObject({ state: 'ready', attemptsLeft: 5, finalTries: false });
  });

  it('the tenth wrong date over the life of a link disables it for good; the tries before say they are final', async () => {
    const p = await patient();
    const token = await link(p);
    for (let i = 0; i < 5; i++) await wrong(token); // locked for 15 minutes
    t.clock.advanceMinutes(15);
    await wrong(token);
    await wrong(token);
    // 7 wrong: 3 left before the link is disabled, fewer than the 3 before a lock.
    expect(await openPortalLink(t.db, t.clock.now(), token, { ip: null })).toMatchObject({ state: 'ready', attemptsLeft: 3, finalTries: true });
    await wrong(token);
    expect(await wrong(token)).toMatchObject({ state: { state: 'ready', attemptsLeft: 1, finalTries: true } });
    expect(await wrong(token)).toMatchObject({ ok: false, wrong: true, state: { state: 'disabled' } });
    expect(await linkRow(token)).toMatchObject({ failed_total: 10, disabled_at: t.clock.now() });
    expect((await audits(p)).at(-1)).toMatchObject({ action: 'portal.link_disabled', details: { attempts: 10 } });
    t.clock.advanceDays(1);
    expect((await openPortalLink(t.db, t.clock.now(), token, { ip: null })).state).toBe('disabled');
    expect((await verifyPortalDateOfBirth(t.db, t.clock.now(), token, DOB, { ip: null })).ok).toBe(false);
    const listed = await disabledPortalLinks(t.db, staffOf(practice), p);
    expect(listed).toHaveLength(1);
    expect(listed[0]!.disabled_at).toEqual(new Date(t.clock.now().getTime() - 86_400_000));
  });
});

describe("the cap over all of a patient's links", () => {
  it('the twentieth wrong date in 24 hours locks every link of the patient for 24 hours; other patients are not affected', async () => {
    const p = await patient();
    const other = await patient();
    const a = await link(p);
    const b = await link(p);
    const o = await link(other);
    // Nineteen wrong dates already counted for this patient within the day.
    await t.db.insertInto('throttles').values({ key: `portal:dob:patient:${p}`, hits: 19, window_started_at: t.clock.now(), blocked_until: null }).execute();
    const until = later(24 * 3_600_000);
    expect(await wrong(a)).toMatchObject({ ok: false, wrong: true, state: { state: 'locked', until } });
    expect((await audits(p)).at(-1)).toMatchObject({ action: 'portal.patient_locked', details: { until: until.toISOString() } });
    expect(await linkRow(a)).toMatchObject({ failed_attempts: 1, failed_total: 1, locked_until: null });
    expect(await openPortalLink(t.db, later(24 * 3_600_000 - 1), b, { ip: null })).toMatchObject({ state: 'locked', until });
    expect((await verifyPortalDateOfBirth(t.db, t.clock.now(), b, DOB, { ip: null }))).toMatchObject({ ok: false, wrong: false, state: { state: 'locked', until } });
    expect((await openPortalLink(t.db, t.clock.now(), o, { ip: null })).state).toBe('ready');
    expect((await openPortalLink(t.db, until, b, { ip: null })).state).toBe('ready');
  });

  it("the later of the link's own lock and the patient's lock is the one shown", async () => {
    const p = await patient();
    const a = await link(p);
    for (let i = 0; i < 5; i++) await wrong(a); // the link: 15 minutes
    const patientUntil = later(5 * MIN);
    // The five wrong dates counted for the patient too; say the patient's cap struck as well, earlier.
    await t.db.updateTable('throttles').set({ blocked_until: patientUntil }).where('key', '=', `portal:dob:patient:${p}`).execute();
    expect(await openPortalLink(t.db, t.clock.now(), a, { ip: null })).toMatchObject({ state: 'locked', until: later(15 * MIN) });
    await t.db.updateTable('throttles').set({ blocked_until: later(60 * MIN) }).where('key', '=', `portal:dob:patient:${p}`).execute();
    expect(await openPortalLink(t.db, t.clock.now(), a, { ip: null })).toMatchObject({ state: 'locked', until: later(60 * MIN) });
    // A patient lock that has passed locks nothing.
    await t.db.updateTable('throttles').set({ blocked_until: t.clock.now() }).where('key', '=', `portal:dob:patient:${p}`).execute();
    expect(await openPortalLink(t.db, later(15 * MIN), a, { ip: null })).toMatchObject({ state: 'ready' });
  });

  it("the Engagement tab's list: only this patient's disabled links at this practice, newest first, at most ten", async () => {
    const p = await patient();
    const q = await patient();
    const now = t.clock.now();
    const insert = (patientId: number, practiceId: number, disabledAt: Date | null, k: number) =>
      t.db.insertInto('portal_links').values({ practice_id: practiceId, patient_id: patientId, token_hash: `list-${p}-${k}`, purpose: 'balance', created_at: now, expires_at: later(86_400_000), disabled_at: disabledAt }).returning('id').executeTakeFirstOrThrow();
    const ids: number[] = [];
    for (let k = 0; k < 12; k++) ids.push((await insert(p, practice, new Date(now.getTime() - k * 60_000), k)).id);
    await insert(p, practice, null, 100);
    await insert(q, practice, now, 101);
    const listed = await disabledPortalLinks(t.db, staffOf(practice), p);
    expect(listed.map((l) => l.id)).toEqual(ids.slice(0, 10));
    expect(listed[0]).toEqual({ id: ids[0], created_at: now, disabled_at: now });
    expect(await disabledPortalLinks(t.db, staffOf(practice + 1000), p)).toEqual([]);
  });
});
