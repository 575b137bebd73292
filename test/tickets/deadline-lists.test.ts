import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { deadlineCountdown, durationText } from '../../src/tickets/countdown.ts';

const due = new Date('2026-11-23T20:00:00Z');
const before = (ms: number) => new Date(due.getTime() - ms);
const MIN = 60_000;
const H = 60 * MIN;

describe('The deadline countdown', () => {
  it('is amber under four hours, not at four hours exactly', () => {
    expect(deadlineCountdown(due, before(4 * H))).toEqual({ text: 'reply within 4 h', tone: 'due', dueAt: due });
    expect(deadlineCountdown(due, before(4 * H - 1))).toEqual({ text: 'reply within 3 h 59 min', tone: 'soon', dueAt: due });
    expect(deadlineCountdown(due, before(3 * H + 20 * MIN))!.text).toBe('reply within 3 h 20 min');
  });

  it('counts down to one minute, then less than a minute, then Overdue at the deadline itself', () => {
    expect(deadlineCountdown(due, before(MIN))).toEqual({ text: 'reply within 1 min', tone: 'soon', dueAt: due });
    expect(deadlineCountdown(due, before(59_999))!.text).toBe('reply within less than a minute');
    expect(deadlineCountdown(due, before(1))!.tone).toBe('soon');
    expect(deadlineCountdown(due, due)).toEqual({ text: 'Overdue', tone: 'overdue', dueAt: due });
    expect(deadlineCountdown(due, new Date(due.getTime() + 5 * H))!.text).toBe('Overdue');
  });

  it('reads days and hours for long windows, and is nothing without a deadline', () => {
    expect(durationText(14 * 24 * H)).toBe('14 days');
    expect(durationText(24 * H + 59 * MIN)).toBe('1 day');
    expect(durationText(2 * 24 * H + 17 * H + 5 * MIN)).toBe('2 days 17 h');
    expect(durationText(45 * MIN)).toBe('45 min');
    expect(deadlineCountdown(null, due)).toBeNull();
  });
});

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());

const ids = async (subjects: string[]) =>
  Promise.all(subjects.map(async (s) => (await t.db.selectFrom('tickets').select('id').where('subject', '=', s).executeTakeFirstOrThrow()).id));
const rowOrder = (html: string) => [...html.matchAll(/<tr[^>]*data-ticket-id="(\d+)"/g)].map((m) => Number(m[1]));

describe('Get Help list with deadlines and filters', () => {
  it('shows filters with counts as links, deadlines first, the countdown with the exact time in the practice time zone', async () => {
    const admin = await t.as('admin@summit.example');
    const res = await admin.get('/tickets');
    expect(res.status).toBe(200);
    // Summit: the overdue EOB thread and the amber fax thread wait on the practice; the training thread waits on StrataPT.
    expect(res.text).toMatch(/href="\/tickets\?show=needs_reply">Needs our reply <span class="count">2<\/span>/);
    expect(res.text).toMatch(/href="\/tickets\?show=waiting">Waiting on StrataPT <span class="count">1<\/span>/);
    expect(res.text).toMatch(/href="\/tickets\?show=closed">Closed <span class="count">0<\/span>/);
    expect(res.text).toMatch(/href="\/tickets\?show=all" aria-current="page">All <span class="count">3<\/span>/);
    const [eob, fax, training] = await ids(['EOB submission for October remittance', 'Fax cover sheet still shows the old logo', 'Training for new front desk hire']);
    // The training thread has the newest activity, yet deadlines come first, the soonest (overdue) first.
    expect(rowOrder(res.text)).toEqual([eob, fax, training]);
    // 15:00 UTC now; the fax thread is due at 18:30 UTC = 11:30 AM in Summit's zone (Mountain time).
    expect(res.text).toContain('<time class="countdown soon" datetime="2026-11-23T18:30:00.000Z" title="Response due Mon, Nov 23, 2026, 11:30 AM MST">');
    expect(res.text).toContain('>reply within 3 h 30 min<');
    expect(res.text).toMatch(/<time class="countdown overdue"[^>]*title="Response was due [^"]+">Overdue/);
  });

  it('filters by link, without JavaScript; an unknown filter shows All', async () => {
    const owner = await t.as('owner@riverside.example');
    const closed = await owner.get('/tickets?show=closed');
    const [superbill, payer, claim] = await ids(['Superbill printer margins', 'Payer list for the new clinic location', 'Claim denied for knee visit (CO-197 authorization)']);
    expect(rowOrder(closed.text)).toEqual([superbill]);
    expect(closed.text).toContain('aria-current="page">Closed');
    const needs = await owner.get('/tickets?show=needs_reply');
    expect(rowOrder(needs.text)).toEqual([payer, claim]);
    expect(needs.text).toContain('>reply within 13 days 21 h<');
    const waiting = await owner.get('/tickets?show=waiting');
    expect(rowOrder(waiting.text)).not.toContain(payer);
    expect(rowOrder(waiting.text)).not.toContain(superbill);
    expect(rowOrder(waiting.text).length).toBeGreaterThan(0);
    // An unknown filter is All.
    expect(rowOrder((await owner.get('/tickets?show=bogus')).text).length).toBe(rowOrder((await owner.get('/tickets')).text).length);
  });

  it('counts only what the user may see: a thread Visible To one person is not counted for a colleague', async () => {
    const director = await t.as('director@riverside.example');
    const owner = await t.as('owner@riverside.example');
    const count = (html: string) => Number(html.match(/show=waiting[^>]*>Waiting on StrataPT <span class="count">(\d+)/)![1]);
    // The director's only-me schedule thread waits on StrataPT: the director counts it, the owner does not.
    const d = count((await director.get('/tickets')).text);
    const o = count((await owner.get('/tickets')).text);
    expect(d).toBeGreaterThan(0);
    expect((await director.get('/tickets?show=waiting')).text).toContain('Schedule view freezes');
    expect((await owner.get('/tickets?show=waiting')).text).not.toContain('Schedule view freezes');
    expect(o).toBe(rowOrder((await owner.get('/tickets?show=waiting')).text).length);
  });
});

describe('Dashboard: Needs your reply', () => {
  it('lists every visible thread waiting on the practice, soonest deadline first, with countdowns', async () => {
    const pt = await t.as('pt@summit.example');
    const res = await pt.get('/dashboard');
    const panel = res.text.slice(res.text.indexOf('id="needs-reply"'), res.text.indexOf('</section>', res.text.indexOf('id="needs-reply"')));
    expect(panel).toContain('Needs your reply <span class="count">2</span>');
    expect(panel.indexOf('EOB submission')).toBeLessThan(panel.indexOf('Fax cover sheet'));
    expect(panel).toContain('>Overdue<');
    expect(panel).toContain('>reply within 3 h 30 min<');
    expect(panel).not.toContain('Training for new front desk hire');
  });

  it('is there for the front desk too, and says clearly when nothing waits', async () => {
    const frontdesk = await t.as('frontdesk@riverside.example');
    let res = await frontdesk.get('/dashboard');
    expect(res.text).toContain('id="needs-reply"');
    expect(res.text).toContain('Payer list for the new clinic location');
    // Once nothing at Riverside waits on the practice, the panel says so.
    await t.db.updateTable('tickets').set({ status: 'waiting_vendor', response_due_at: null }).where('practice_id', '=', (await t.db.selectFrom('practices').select('id').where('name', 'like', 'Riverside%').executeTakeFirstOrThrow()).id).where('status', '=', 'waiting_practice').execute();
    res = await frontdesk.get('/dashboard');
    expect(res.text).toContain('Nothing needs your reply');
  });

  it('lists the 25 most urgent when more wait, with the total and the way to all of them', async () => {
    // After the case above, nothing at Riverside waits on the practice: 30 threads now do.
    const practice = await t.db.selectFrom('practices').select('id').where('name', 'like', 'Riverside%').executeTakeFirstOrThrow();
    const frontdeskId = await t.userId('frontdesk@riverside.example');
    const base = t.clock.now().getTime();
    for (let i = 0; i < 30; i++) {
      const at = new Date(base - (i + 1) * 3_600_000);
      await t.db
        .insertInto('tickets')
        .values({ practice_id: practice.id, created_by_user_id: frontdeskId, subject: `Waiting on us ${i}`, department: 'billing', visibility: 'anyone', status: 'waiting_practice', last_public_message_at: at, waiting_since: at, created_at: at, last_public_author_id: frontdeskId })
        .execute();
    }
    const res = await (await t.as('frontdesk@riverside.example')).get('/dashboard');
    const panel = res.text.slice(res.text.indexOf('id="needs-reply"'), res.text.indexOf('</section>', res.text.indexOf('id="needs-reply"')));
    expect(panel).toContain('Needs your reply <span class="count">30</span>');
    expect(panel.match(/<li data-ticket-id=/g)).toHaveLength(25);
    expect(panel).toContain('The 25 most urgent of 30 are listed here.');
    // Oldest wait first: the thread waiting 30 hours leads, the five most recent are left to Get Help.
    expect(panel.indexOf('Waiting on us 29<')).toBeLessThan(panel.indexOf('Waiting on us 28<'));
    expect(panel).not.toContain('Waiting on us 4<');
    expect(panel).toContain('href="/tickets?show=needs_reply"');
  });

  it('is not shown to Limit Messaging Access users', async () => {
    const limited = await t.as('limited@riverside.example');
    const res = await limited.get('/dashboard');
    expect(res.status).toBe(200);
    expect(res.text).not.toContain('id="needs-reply"');
  });
});
